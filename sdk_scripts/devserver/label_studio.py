"""Run a real Label Studio server locally: SQLite in a data dir (or PostgreSQL), loopback port, default auth.

Used by the test suite (one server per test session) and by `make demo`. Everything goes through
Label Studio's own command line, environment variables and web flows: `label-studio init` migrates a
data dir, `label-studio start` creates the admin user (LABEL_STUDIO_USERNAME, _PASSWORD, _USER_TOKEN)
and serves it. Auth is Label Studio's default, personal access tokens (legacy `Token` auth off unless
`legacy_tokens=True`): the admin and every annotator get a personal access token the way a person
does, by logging in (annotators first sign up through the organization's invite link) and creating
one (`POST /api/token/`). The migration takes 30-60 s, so a migrated data dir without
users is kept as a template (per Label Studio version) and copied for every new server, which then
starts in seconds.

On PostgreSQL (`database=`: a `LocalPostgres`, or a `PostgresDatabase` that exists) Label Studio gets
its own env convention (DJANGO_DB=default, POSTGRE_NAME/_USER/_PASSWORD/_HOST/_PORT). On a
`LocalPostgres` the migration runs once per cluster into a template database, and each server's
database is a `CREATE DATABASE ... TEMPLATE` copy of it; an external database is migrated in place.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version as package_version
from pathlib import Path

import httpx

from sdk_scripts.devserver.ports import free_port
from sdk_scripts.devserver.postgres import LocalPostgres, PostgresDatabase
from sdk_scripts.devserver.users import AdminCredentials, Annotator, create_personal_access_token, login_session
from sdk_scripts.errors import LabelopsError

LABEL_STUDIO_VERSION = package_version("label-studio")

# Environment read by Label Studio at start; values we never want inherited from the caller.
_LS_ENV_PREFIXES = ("LABEL_STUDIO_", "DJANGO_DB", "POSTGRE_")


def default_cache_dir() -> Path:
    """Where migrated template data dirs are kept (`LABELOPS_CACHE_DIR` overrides)."""
    env = os.environ.get("LABELOPS_CACHE_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".cache" / "labelops"


def _label_studio_env(data_dir: Path, credentials: AdminCredentials | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LS_ENV_PREFIXES)}
    env.update(
        {
            "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            # The ML backend and its webhook live on 127.0.0.1 next to this server; Label Studio
            # refuses loopback addresses unless these are off. Only for a server bound to loopback.
            "ML_BLOCK_LOCAL_IP": "false",
            "SSRF_PROTECTION_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
            # Label Studio's pip package reports errors to its vendor's Sentry by default: a local server
            # sends nothing off the machine (offline, every send failed and was retried three times)
            "LABEL_STUDIO_SENTRY_DSN": "",
            "LABEL_STUDIO_FRONTEND_SENTRY_DSN": "",
            # nor asks pypi.org for its latest version at each start
            "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
        }
    )
    if credentials is not None:
        env.update(
            {
                "LABEL_STUDIO_USERNAME": credentials.username,
                "LABEL_STUDIO_PASSWORD": credentials.password,
                "LABEL_STUDIO_USER_TOKEN": credentials.token,
            }
        )
    return env


def _label_studio_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "label_studio.server", *args]


def _run_init(data_dir: Path, extra_env: dict[str, str], log_path: Path) -> None:
    """`label-studio init` without a user: migrates the database the env names."""
    env = _label_studio_env(data_dir, None)
    env.update(extra_env)
    with log_path.open("ab") as log:
        proc = subprocess.run(
            _label_studio_command("init", "--quiet", "--no-browser"),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
            timeout=600,
        )
    if proc.returncode != 0:
        raise LabelopsError(f"label-studio init failed (exit {proc.returncode}); see {log_path}")


def postgres_template_name() -> str:
    return "ls_template_" + re.sub(r"[^a-z0-9]+", "_", LABEL_STUDIO_VERSION.lower())


def ensure_postgres_template(postgres: LocalPostgres, log_dir: Path, cache_dir: Path | None = None) -> str:
    """Return the name of a migrated database with no user in it on `postgres`, making it once per cluster.

    Like the SQLite template it holds no credentials; every server's database is a copy of it. The
    migration (about 45 s) runs once per Label Studio and PostgreSQL version: its result is kept as a
    pg_dump in the cache dir and restored (a few seconds) into later clusters.
    """
    template = postgres_template_name()
    if postgres.database_exists(template):
        return template
    cache_dir = cache_dir or default_cache_dir()
    dump = cache_dir / f"ls-pg-template-{LABEL_STUDIO_VERSION}-pg{postgres.major_version}.dump"
    building = f"{template}_building_{os.getpid()}"
    postgres.drop_database(building)
    if dump.exists():
        try:
            postgres.restore_database(dump, building)
        except LabelopsError:
            dump.unlink(missing_ok=True)  # unreadable or stale: migrate instead
        else:
            postgres.rename_database(building, template)
            return template
    database = postgres.create_database(building)
    log_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="ls-pg-template-", dir=log_dir))
    try:
        _run_init(scratch, database.label_studio_env(), log_dir / f"{template}.log")
    except BaseException:
        postgres.drop_database(building)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = dump.with_name(f"{dump.name}.{os.getpid()}.partial")
    try:
        postgres.dump_database(building, partial)
        partial.replace(dump)
    except LabelopsError:
        partial.unlink(missing_ok=True)  # only a cache: the next session migrates again
    postgres.rename_database(building, template)
    return template


def ensure_template(cache_dir: Path | None = None) -> Path:
    """Return a migrated data dir with no user in it, creating it once (about 30-60 s).

    It holds no credentials, so one template serves every server of this Label Studio version:
    the admin user, its organization and token are made by `label-studio start` from the env.
    """
    cache_dir = cache_dir or default_cache_dir()
    template = cache_dir / f"ls-template-{LABEL_STUDIO_VERSION}"
    if (template / "label_studio.sqlite3").exists():
        return template
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="ls-template-", dir=cache_dir))
    log_path = building.with_suffix(".log")
    _run_init(building, {}, log_path)
    # Each server gets its own Django SECRET_KEY (ensure_secret_key writes one into its data dir).
    (building / ".env").unlink(missing_ok=True)
    try:
        building.rename(template)
    except OSError:
        # Another process built the same template meanwhile; theirs is as good as ours.
        shutil.rmtree(building, ignore_errors=True)
    log_path.unlink(missing_ok=True)
    return template


def ensure_secret_key(data_dir: Path) -> None:
    """Give the data dir a Django SECRET_KEY (64 hex digits) in `<data dir>/.env` unless it holds one already.

    Label Studio 1.23 makes one on its first start (Django's alphabet, `$` included) and appends it unquoted to
    that file; django-environ reads a value that starts with `$` as a reference to another variable, so for one
    data dir in 50 the next start finds no key, makes a new one, and refuses every personal access token and
    login session made before ("Token is invalid"). A hex key reads back as written.
    """
    path = data_dir / ".env"
    text = path.read_text() if path.exists() else ""
    if re.search(r"^\s*SECRET_KEY\s*=", text, flags=re.MULTILINE):
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    separator = "\n" if text and not text.endswith("\n") else ""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as fh:
        fh.write(f"{separator}SECRET_KEY={secrets.token_hex(32)}\n")


class LocalLabelStudio:
    """One Label Studio server process on 127.0.0.1, started from a template data dir.

    `database`: None for SQLite in the data dir; a started `LocalPostgres` (the server gets its own
    database there, `database_name` or a generated one, copied from a migrated template); or a
    `PostgresDatabase` that exists (migrated in place on the first start).

    >>> with LocalLabelStudio(data_dir, creds) as ls:  # doctest: +SKIP
    ...     print(ls.url)
    """

    def __init__(
        self,
        data_dir: Path,
        credentials: AdminCredentials,
        *,
        port: int | None = None,
        cache_dir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        database: LocalPostgres | PostgresDatabase | None = None,
        database_name: str | None = None,
        legacy_tokens: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.legacy_tokens = legacy_tokens
        self._tokens: dict[str, str] = {}
        self.credentials = credentials
        self.port = port or free_port()
        self.cache_dir = cache_dir
        self.extra_env = dict(extra_env or {})
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._postgres = database if isinstance(database, LocalPostgres) else None
        self.database: PostgresDatabase | None = database if isinstance(database, PostgresDatabase) else None
        self._database_name = database_name or f"labelstudio_{os.getpid()}_{secrets.token_hex(4)}"
        self._database_ready = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_vendor(self) -> str:
        """'postgresql' or 'sqlite': which database this server is configured with."""
        return "sqlite" if self._postgres is None and self.database is None else "postgresql"

    def env(self) -> dict[str, str]:
        """The environment the server runs with (also right for `label-studio` admin commands)."""
        env = _label_studio_env(self.data_dir, self.credentials)
        if self.legacy_tokens:
            # only takes effect when the organization is created, i.e. on the first start of a data dir
            env["LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN"] = "true"
        if self._postgres is not None and self.database is None:
            self.database = self._postgres.database(self._database_name)
        if self.database is not None:
            env.update(self.database.label_studio_env())
        env.update(self.extra_env)
        return env

    def _prepare_database(self) -> None:
        """Make the data dir (SQLite: a template copy) and, on PostgreSQL, a migrated database."""
        if self.db_vendor == "sqlite":
            if not (self.data_dir / "label_studio.sqlite3").exists():
                template = ensure_template(self.cache_dir)
                self.data_dir.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(template, self.data_dir, dirs_exist_ok=True)
            ensure_secret_key(self.data_dir)
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ensure_secret_key(self.data_dir)
        if self._database_ready:
            return
        if self._postgres is not None:
            if not self._postgres.database_exists(self._database_name):
                template = ensure_postgres_template(self._postgres, self.data_dir.parent, self.cache_dir)
                self._postgres.create_database(self._database_name, template=template)
            self.database = self._postgres.database(self._database_name)
        elif self.database is not None:
            _run_init(self.data_dir, self.database.label_studio_env(), self.log_path)
        self._database_ready = True

    def start(self, timeout: float = 180.0) -> LocalLabelStudio:
        """Start the server (from the template data dir / database if they are new) and wait for it."""
        if self._proc is not None and self._proc.poll() is None:
            return self
        self._prepare_database()
        log = self.log_path.open("ab")
        cmd = _label_studio_command(
            "start", "--no-browser", "--host", "127.0.0.1", "--port", str(self.port),
            "--internal-host", "127.0.0.1", *(["--enable-legacy-api-token"] if self.legacy_tokens else []),
        )
        self._proc = subprocess.Popen(
            cmd, env=self.env(), stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir,
            start_new_session=True,
        )
        log.close()
        self._wait_until_up(timeout)
        return self

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise LabelopsError(
                    f"Label Studio exited with code {self._proc.returncode} while starting; "
                    f"see {self.log_path}"
                )
            try:
                response = httpx.get(f"{self.url}/health", timeout=2)
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise LabelopsError(f"Label Studio did not answer on {self.url} within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server: SIGTERM to its process group, SIGKILL if it lingers."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def kill(self) -> None:
        """Kill the server at once, as a crash would (for fault tests)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> LocalLabelStudio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- users ---------------------------------------------------------------------------------

    @property
    def admin_token(self) -> str:
        """The admin's personal access token (the legacy token with `legacy_tokens=True`), made once per data dir."""
        if self.legacy_tokens:
            return self.credentials.token
        return self._personal_token(self.credentials.username, self.credentials.password, signup=None)

    def _token_file(self) -> Path:
        return self.data_dir / "labelops-personal-tokens.json"

    def _personal_token(self, email: str, password: str, signup: str | None) -> str:
        """A user's personal access token: logged in (after signing up through `signup`, an invite URL), then made.

        Label Studio lets a user hold one personal access token at a time and never shows it again, so
        the tokens made here are kept in the data dir (mode 600) for later runs on the same data dir.
        """
        if email not in self._tokens:
            path = self._token_file()
            known = json.loads(path.read_text()) if path.is_file() else {}
            if email not in known:
                session = login_session(self.url, email, password, signup=signup)
                try:
                    known[email] = create_personal_access_token(session)
                finally:
                    session.close()
                path.write_text(json.dumps(known))
                path.chmod(0o600)
            self._tokens[email] = known[email]
        return self._tokens[email]

    def create_annotators(self, emails: list[str]) -> list[Annotator]:
        """Create (or reuse) annotator users in the admin's organization, each with its own personal access token.

        Each signs up through the organization's invite link (as a person invited by the admin does),
        which puts the user in the admin's organization, then makes a personal access token.
        """
        from label_studio_sdk import LabelStudio

        admin = LabelStudio(base_url=self.url, api_key=self.admin_token)
        invite = admin._client_wrapper.httpx_client.request("api/invite", method="GET").raise_for_status().json()
        password = self.credentials.password
        out = []
        for email in emails:
            existing = {u.email: u.id for u in admin.users.list()}
            signup = None if email in existing else invite["invite_url"]
            token = self._personal_token(email, password, signup=signup)
            if email not in existing:
                existing = {u.email: u.id for u in admin.users.list()}
            out.append(Annotator(id=existing[email], email=email, token=token, password=password))
        return out
