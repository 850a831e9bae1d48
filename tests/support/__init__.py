"""Shared test builders and helpers (no tests here): paths, Label Studio users and projects, backends, shapes."""
