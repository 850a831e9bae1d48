"""`make compose-smoke`: the production compose stack started for real on a local Docker daemon, then torn down."""
