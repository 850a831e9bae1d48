"""labelops command-line tools for Label Studio: project setup, task import, pull, agreement."""

__version__ = "0.1.0"
