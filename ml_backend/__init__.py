"""labelops ML backend for Label Studio (label-studio-ml 1.0.9 protocol, served by gunicorn).

Layout: `settings` (one settings object), `server` (the WSGI app), `model` (the LabelStudioMLBase
subclass), `controls/` (one model class per control tag + the registry), `regions` / `label_mapping`
/ `zero_shot` (pure logic), `images` (concurrent image fetching), `weights` (per-process cache),
`offline` (no-network setup), `training/` (the shipped shapes detector and its evaluation).
"""
