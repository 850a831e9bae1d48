"""Local processes for the demo, the tests, the benchmarks and the compose smoke: Label Studio, PostgreSQL, the backend.

`label_studio` (a real Label Studio server from the pip package), `users` (its admin, annotators and
personal access tokens, through Label Studio's own web flows), `postgres` (a throwaway PostgreSQL
cluster), `backend` (our ML backend under gunicorn), `ray_cluster` (a multi-node Ray cluster on this machine), `s3`
(an S3-compatible server: moto's), `ports` (the one `free_port`). Nothing in the runtime packages imports this one.
Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "LocalLabelStudio": "label_studio",
    "AdminCredentials": "users",
    "Annotator": "users",
    "login_session": "users",
    "create_personal_access_token": "users",
    "LocalPostgres": "postgres",
    "PostgresDatabase": "postgres",
    "LocalBackend": "backend",
    "LocalRayCluster": "ray_cluster",
    "LocalS3": "s3",
    "free_port": "ports",
    "port_is_free": "ports",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
