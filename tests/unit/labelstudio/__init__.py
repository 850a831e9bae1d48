"""Unit tests of sdk_scripts.labelstudio: connection settings, the client's retry policy (no server)."""
