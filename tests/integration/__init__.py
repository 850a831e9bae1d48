"""Integration tier: real Label Studio, gunicorn, PostgreSQL, Redis, chromium (markers set in conftest.py)."""
