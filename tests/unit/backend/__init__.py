"""Unit tests of ml_backend: pure logic, models in-process, the Flask routes through a test client."""
