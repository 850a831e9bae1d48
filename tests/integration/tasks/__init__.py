"""Integration tests of tasks in and out of the real Label Studio: import, pull."""
