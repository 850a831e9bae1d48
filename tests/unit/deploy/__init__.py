"""Unit tests of the deployment files: the compose stack read statically, the smoke run's pure parts."""
