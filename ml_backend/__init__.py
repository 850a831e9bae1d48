"""labelops ML backend for Label Studio (Label Studio 1.23's ML-backend protocol on Flask, served by gunicorn).

Layout: `settings` (one settings object; `settings_doc` says what each field means), `__main__` (gunicorn),
`server` (the WSGI app), `protocol` (the model interface), `model` (our model class), `controls/` (one model
class per control tag + the registry), `active_learning/` (strategies, training runs, model versions),
`training/` (detector fine-tuning, the shipped shapes detector and its evaluation), `regions` /
`label_mapping` / `zero_shot` (pure logic), `images` (fetch + decode through `sdk_scripts.labelstudio.media`),
`log_redaction` (no secret in the log), `weights` (per-process cache), `stats` (counters on /health),
`offline` (no-network setup). Label Studio I/O goes through `sdk_scripts.labelstudio`; of the rest of
`sdk_scripts` only the shared `errors`, `extras` and `exports` are imported.

Public names, loaded on first use (importing the package imports neither torch nor the SDK): `create_app`
(`server`), `BackendSettings` / `SHIPPED_DETECTOR` (`settings`), `LabelopsModel` / `in_process_predictor`
(`model`), `configure_offline` (`offline`).
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "create_app": "server",
    "BackendSettings": "settings",
    "SHIPPED_DETECTOR": "settings",
    "LabelopsModel": "model",
    "in_process_predictor": "model",
    "configure_offline": "offline",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
