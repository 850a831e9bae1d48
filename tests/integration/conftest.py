"""Integration tier: one real Label Studio server per test session, annotator users, the backend, a CLI runner;
markers from what a test uses.

The server is Label Studio 1.23.2 from the pip package, on SQLite in a temp data dir, bound to 127.0.0.1 on a free
port, with Label Studio's default auth: legacy tokens off, the admin and every annotator using a personal access
token made through Label Studio's own login / invite sign-up and token pages (see `sdk_scripts.devserver`). Nothing
here mocks Label Studio. With `LABELOPS_TEST_DB=postgres` the server runs on a real PostgreSQL instead: a throwaway
cluster from Debian's binaries on loopback (`sdk_scripts.devserver.postgres`), started and torn down by the session.

A test here is `label_studio` when it uses the session's Label Studio or its database (the `label_studio` or
`postgres` fixture, directly or through another fixture), or starts its own Label Studio on SQLite (marked
`sqlite_only`, which stays on the test that needs it): the PostgreSQL run of `make test` selects the first
kind, less the modules marked `api_feature` (features driven through the API like the tests it keeps, with
nothing database-specific: exports, labeling functions, auto-labels, pattern spans, the span tagger). Tests under
browser/ are `browser` too (browser/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdk_scripts import cli
from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.devserver.postgres import LocalPostgres
from sdk_scripts.devserver.users import Annotator
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection
from tests.support.backends import NETGUARD_DIR, BackendUnderTest
from tests.support.cli import CliResult
from tests.support.labelstudio import TEST_ADMIN, TEST_DB
from tests.support.projects import annotated_emotion_project

HERE = Path(__file__).resolve().parent
SESSION_SERVER = frozenset({"label_studio", "postgres"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE not in item.path.parents:
            continue
        if SESSION_SERVER & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.label_studio)


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres | None]:
    """The session's throwaway PostgreSQL server when LABELOPS_TEST_DB=postgres, else None."""
    if TEST_DB != "postgres":
        yield None
        return
    with LocalPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def label_studio(
    tmp_path_factory: pytest.TempPathFactory, postgres: LocalPostgres | None
) -> Iterator[LocalLabelStudio]:
    # local-files storage as a team using it runs Label Studio: serving on, one document root
    local_files = tmp_path_factory.mktemp("ls-local-files")
    server = LocalLabelStudio(tmp_path_factory.mktemp("label-studio") / "data", TEST_ADMIN, database=postgres,
                              extra_env={"LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
                                         "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(local_files)})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ls_client(label_studio: LocalLabelStudio) -> LabelStudioClient:
    return LabelStudioClient(Connection(label_studio.url, label_studio.admin_token))


@pytest.fixture(scope="session")
def annotators(label_studio: LocalLabelStudio) -> list[Annotator]:
    """Three annotator users, each with its own personal access token."""
    return label_studio.create_annotators([f"annotator{i}@labelops.test" for i in (1, 2, 3)])


@pytest.fixture
def run_cli(label_studio: LocalLabelStudio, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """Run `labelops ...` in-process against the session server; returns exit code and output."""
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.admin_token)
    monkeypatch.delenv("LABELOPS_CONFIG", raising=False)

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


# -- ML backend ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ml_backend_server(label_studio: LocalLabelStudio, tmp_path_factory: pytest.TempPathFactory):
    """`python -m ml_backend` with the shipped detector, network blocked at the socket level (loopback only)."""
    from sdk_scripts.devserver.backend import LocalBackend

    root = tmp_path_factory.mktemp("ml-backend")
    (root / "images").mkdir()
    (root / "models").mkdir()
    netguard_log = root / "netguard.log"
    netguard_log.write_text("")
    env = {
        "LABEL_STUDIO_URL": label_studio.url,
        "LABEL_STUDIO_API_KEY": label_studio.admin_token,
        "LABELOPS_CACHE_DIR": str(root / "cache"),
        "YOLO_CONFIG_DIR": str(root / "ultralytics"),
        "ALLOWED_LOCAL_DIRS": str(root / "images"),
        "MODELS_ROOT": str(root / "models"),
        "MAX_IMAGE_PIXELS": "4000000",
        "BATCH_SIZE": "16",
        "PYTHONPATH": os.pathsep.join([NETGUARD_DIR, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "NETGUARD_LOG": str(netguard_log),
    }
    backend = LocalBackend(env=env, log_path=root / "backend.log").start()
    yield BackendUnderTest(backend, backend.url, str(root / "images"), str(netguard_log), str(root / "models"))
    backend.stop()


@pytest.fixture
def annotated_project(ls_client, label_studio, annotators):
    """A 3-annotator emotion project annotated per `tests.support.projects.PLAN` by three real users."""
    return annotated_emotion_project(ls_client, label_studio, annotators)
