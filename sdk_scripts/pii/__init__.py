"""Personal data in task text: detection (presidio recognizers) and stable, keyed pseudonyms."""
