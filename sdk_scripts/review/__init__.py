"""The multi-pass review loop: disagreements out to a review project, adjudications back in."""
