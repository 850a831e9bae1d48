"""Browser tests: Label Studio's own UI in Debian's chromium through Playwright (marked `browser`)."""
