"""Active learning: which unlabelled task is most valuable to label next (pure functions)."""
