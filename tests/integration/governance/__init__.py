"""Integration tests of sdk_scripts.governance: snapshots, diffs, splits and reports of a real project."""
