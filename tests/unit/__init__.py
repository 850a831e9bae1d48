"""Unit tier: tests that need no server (no Label Studio, gunicorn, PostgreSQL, Redis, Docker or browser)."""
