"""Unit tests of the command line: hostile and careless input refused before any request."""
