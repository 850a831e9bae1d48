"""Per-control-tag model classes and the registry that picks one for each tag of a labeling config."""
