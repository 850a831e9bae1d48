"""Integration tests of projects made from a spec on the real Label Studio."""
