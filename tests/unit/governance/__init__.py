"""Unit tests of sdk_scripts.governance (no server)."""
