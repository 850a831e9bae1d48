"""Integration tests of the labeling configs on the real Label Studio: projects, its own validation."""
