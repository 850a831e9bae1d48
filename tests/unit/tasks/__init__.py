"""Unit tests of task files: parsing, stable keys, whole-file checks (no server)."""
