"""Unit tests of ml_backend.training: fine-tuning and the shipped detector's training path, tiny and offline."""
