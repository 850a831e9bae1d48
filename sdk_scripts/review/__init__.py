"""The multi-pass review loop: disagreements out to review, adjudications back in, final labels, export, edge cases."""
