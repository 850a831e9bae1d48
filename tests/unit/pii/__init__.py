"""Unit tests of sdk_scripts.pii: detection recall, keyed pseudonyms (no server)."""
