"""Unit tests of the labeling-config library: offline validation, templating (no server)."""
