"""labelops ML backend for Label Studio (Label Studio 1.23's ML-backend protocol on Flask, served by gunicorn).

Layout: `settings` (one settings object), `server` (the WSGI app), `protocol` (the model interface),
`model` (our model class), `controls/` (one model class per control tag + the registry), `regions` /
`label_mapping` / `zero_shot` (pure logic), `images` (fetch + decode through `sdk_scripts.labelstudio.media`),
`log_redaction` (no secret in the log), `weights` (per-process cache),
`offline` (no-network setup), `training/` (the shipped shapes detector and its evaluation).
"""
