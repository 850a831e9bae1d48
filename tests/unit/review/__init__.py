"""Unit tests of sdk_scripts.review: config composition, selection, final labels (no server)."""
