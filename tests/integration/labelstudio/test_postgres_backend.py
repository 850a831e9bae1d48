"""Which database the session's Label Studio really uses: PostgreSQL with LABELOPS_TEST_DB=postgres, else SQLite.

The project is created through the API and then found by reading the database directly, so the test
proves where Label Studio writes, whichever mode it runs in (it never skips).
"""

from __future__ import annotations

import sqlite3

from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.devserver.postgres import LocalPostgres
from sdk_scripts.labelstudio.client import LabelStudioClient
from tests.support.labelstudio import TEST_DB, unique_title


def test_label_studio_writes_to_the_database_of_the_test_mode(
    label_studio: LocalLabelStudio, ls_client: LabelStudioClient, postgres: LocalPostgres | None
) -> None:
    title = unique_title("Database probe")
    project = ls_client.create_project(title=title)
    sqlite_file = label_studio.data_dir / "label_studio.sqlite3"

    if TEST_DB == "postgres":
        assert postgres is not None and postgres.running
        assert label_studio.db_vendor == "postgresql"
        env = label_studio.env()
        assert env["DJANGO_DB"] == "default" and env["POSTGRE_HOST"] == "127.0.0.1"
        assert env["POSTGRE_PORT"] == str(postgres.port)
        with label_studio.database.connect() as conn:
            row = conn.execute("SELECT id, title FROM project WHERE id = %s", (project["id"],)).fetchone()
            migrations = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
            admins = conn.execute(
                "SELECT count(*) FROM htx_user WHERE email = %s AND is_superuser", (label_studio.credentials.username,)
            ).fetchone()[0]
            # The admin's legacy token is the one the tests log in with.
            token = conn.execute(
                "SELECT t.key FROM authtoken_token t JOIN htx_user u ON u.id = t.user_id WHERE u.email = %s",
                (label_studio.credentials.username,),
            ).fetchone()[0]
        assert row == (project["id"], title)
        assert migrations > 100 and admins == 1 and token == label_studio.credentials.token
        # No SQLite fallback: Label Studio made no database file in its data dir.
        assert not sqlite_file.exists()
    else:
        assert postgres is None and label_studio.database is None
        assert label_studio.db_vendor == "sqlite"
        assert "DJANGO_DB" not in label_studio.env()
        with sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT id, title FROM project WHERE id = ?", (project["id"],)).fetchone()
        assert row == (project["id"], title)
