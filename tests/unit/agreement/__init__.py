"""Unit tests of sdk_scripts.agreement: measures against published values, edge cases, streams (no server)."""
