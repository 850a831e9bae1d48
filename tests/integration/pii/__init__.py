"""Integration tests of sdk_scripts.pii: pseudonymised imports into the real Label Studio."""
