"""The Label Studio layer: I/O with Label Studio and our backend's API, and the vocabulary both sides share.

`client` (the retrying Label Studio client), `connection` (URL and token), `tokens` (token kinds),
`media` (task media to bytes), `dm_views` (Data Manager tabs), `links` (task links), `project_ids` (the
project uid), `project_titles` (Label Studio's title limits), `annotations` (which annotations count),
`quality_fields` (confidence / flag / comment and reviewer fields), `backend_api` and `strategy_names` (our
ML backend's HTTP API). The CLI side and the ML backend import it; it imports neither (tests/unit/test_layers.py).
Names load on first use, so importing one does not pull in the SDK.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "LabelStudioClient": "client",
    "Connection": "connection",
    "load_connection": "connection",
    "MediaError": "media",
    "MediaPolicy": "media",
    "MediaResolver": "media",
    "MediaCache": "media",
    "ensure_default_tab": "dm_views",
    "task_url": "links",
    "task_link": "links",
    "token_kind": "tokens",
    "redact_url": "tokens",
    "project_uid": "project_ids",
    "project_uid_parts": "project_ids",
    "project_id_from": "project_ids",
    "title_problem": "project_titles",
    "ALL_STRATEGIES": "strategy_names",
    "backend_auth": "backend_api",
    "backend_setup": "backend_api",
    "backend_predict": "backend_api",
    "backend_al_status": "backend_api",
    "backend_rollback": "backend_api",
    "Counted": "annotations",
    "count_annotations": "annotations",
    "newness": "annotations",
    "flags": "annotations",
    "excluded_by_flag": "annotations",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
