"""Integration tests of ml_backend: the real gunicorn process, with the real Label Studio calling it."""
