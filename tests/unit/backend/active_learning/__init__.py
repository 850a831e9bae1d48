"""Unit tests of ml_backend.active_learning: strategies, the text head, versions, scheduling, pruning."""
