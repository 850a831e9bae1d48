"""labelops tests: tests/unit (no server), tests/integration (real servers), tests/support (shared helpers)."""
