"""Integration tests of sdk_scripts.review: the review loop against the real Label Studio."""
