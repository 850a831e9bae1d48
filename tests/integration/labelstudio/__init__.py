"""Integration tests of the Label Studio layer: tokens, errors, its database, crashes mid-command."""
