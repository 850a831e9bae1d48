"""Integration tests of the command line against the real Label Studio: hostile task files, failed pulls."""
