"""Integration tests of sdk_scripts.agreement: `labelops agreement` on a project of the real Label Studio."""
