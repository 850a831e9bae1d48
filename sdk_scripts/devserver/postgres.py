"""A throwaway PostgreSQL server for tests: Debian's binaries, a temp data dir, a loopback port.

`LocalPostgres` runs `initdb` into a fresh temp dir, starts `postgres` (through `pg_ctl`) listening
on 127.0.0.1 only, on a free port, with its unix sockets inside that dir, and `stop()` shuts it down
and deletes the dir. Clients connect over TCP with a generated password (scram-sha-256); local
socket connections are trusted (only the cluster's owner can reach the socket dir).

PostgreSQL refuses to run as root. When this process is root, the server commands run as the
`postgres` system user that Debian's package creates (Python's `subprocess` `user=`/`group=`, no
sudo), and the temp dir is chowned to it; as any other user they run as that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sdk_scripts.devserver.ports import free_port
from sdk_scripts.errors import LabelopsError

INSTALL_HINT = "install Debian's postgresql: `make system-deps` (or `apt-get install postgresql`)"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class PostgresDatabase:
    """Where one database lives and how to log in to it. The password is never shown in reprs."""

    name: str
    user: str
    password: str = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 5432

    def label_studio_env(self) -> dict[str, str]:
        """Label Studio's own settings for it (label_studio/core/settings/base.py: DATABASES_ALL)."""
        return {
            "DJANGO_DB": "default",  # 'default' is the PostgreSQL entry
            "POSTGRE_NAME": self.name,
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": self.password,
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
        }

    def connect(self, dbname: str | None = None, **kwargs):
        """A psycopg (3, a Label Studio dependency) connection to this database, or to `dbname`."""
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, password=self.password,
            dbname=dbname or self.name, connect_timeout=10, **kwargs,
        )


def find_bin_dir() -> Path:
    """Debian's newest PostgreSQL server binaries (/usr/lib/postgresql/<major>/bin); `LABELOPS_PG_BIN` overrides."""
    env = os.environ.get("LABELOPS_PG_BIN")
    if env:
        candidates = [Path(env)]
    else:
        found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
        found.sort(key=lambda p: _major(Path(p).parent.parent.name), reverse=True)
        candidates = [Path(p).parent for p in found]
    for bin_dir in candidates:
        if all(os.access(bin_dir / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return bin_dir
    where = env or "/usr/lib/postgresql/*/bin"
    raise LabelopsError(f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in {where}; {INSTALL_HINT}")


def _major(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", name)) or (0,)


class LocalPostgres:
    """One PostgreSQL server on 127.0.0.1 in a temp dir, for as long as the object is started.

    >>> with LocalPostgres() as pg:  # doctest: +SKIP
    ...     db = pg.create_database("app")
    """

    def __init__(
        self,
        *,
        parent_dir: Path | None = None,
        port: int | None = None,
        user: str = "labelops",
        bin_dir: Path | None = None,
        system_user: str = "postgres",
    ) -> None:
        if not _IDENTIFIER.match(user):
            raise ValueError(f"not a plain PostgreSQL role name: {user!r}")
        self.parent_dir = Path(parent_dir) if parent_dir else None
        self.port = port
        self.user = user
        self.password = secrets.token_urlsafe(24)
        self.bin_dir = Path(bin_dir) if bin_dir else None
        self.system_user = system_user
        self.root: Path | None = None
        self._run_as: dict[str, object] = {}

    # -- paths -----------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._root() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._root() / "run"

    @property
    def log_path(self) -> Path:
        return self._root() / "postgres.log"

    def _root(self) -> Path:
        if self.root is None:
            raise LabelopsError("LocalPostgres is not started")
        return self.root

    @property
    def running(self) -> bool:
        return self.root is not None and (self.data_dir / "postmaster.pid").exists()

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> LocalPostgres:
        """initdb a fresh cluster in a new temp dir and start the server on a free loopback port."""
        if self.running:
            return self
        self.bin_dir = self.bin_dir or find_bin_dir()
        self._run_as = self._identity()
        self.root = Path(tempfile.mkdtemp(prefix="labelops-pg-", dir=self.parent_dir))
        try:
            self._init_cluster()
            self._start_server(timeout)
        except LabelopsError as exc:
            tail = self._log_tail()
            self.stop()
            raise LabelopsError(f"{exc}\n--- PostgreSQL log ---\n{tail}" if tail else str(exc)) from exc
        except BaseException:
            self.stop()
            raise
        return self

    def _identity(self) -> dict[str, object]:
        """subprocess keywords that run the server commands as a non-root user."""
        if os.geteuid() != 0:
            return {}
        try:
            account = pwd.getpwnam(self.system_user)
        except KeyError:
            raise LabelopsError(
                f"PostgreSQL will not run as root and there is no {self.system_user!r} system user to run it as; "
                f"{INSTALL_HINT} (the package creates that user), or run the tests as a normal user"
            ) from None
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def _run(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        assert self.bin_dir is not None
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"})
        proc = subprocess.run(
            cmd, env=env, cwd=self._root(), capture_output=True, text=True, timeout=timeout,
            **self._run_as,  # type: ignore[arg-type]
        )
        if proc.returncode != 0:
            raise LabelopsError(
                f"{args[0]} failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-1500:]}"
            )
        return proc

    def _client(self, *args: str, timeout: float = 300.0) -> None:
        """Run a client tool (pg_dump, pg_restore) as this process's user, over TCP with the password."""
        assert self.bin_dir is not None and self.port is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": self.user, "PGPASSWORD": self.password})
        proc = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]], env=env, capture_output=True, text=True, timeout=timeout
        )
        if proc.returncode != 0:
            raise LabelopsError(f"{args[0]} failed (exit {proc.returncode}): {proc.stderr.strip()[-1500:]}")

    def _init_cluster(self) -> None:
        root = self._root()
        self.socket_dir.mkdir(mode=0o700)
        pwfile = root / "pwfile"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        if self._run_as:
            uid, gid = int(self._run_as["user"]), int(self._run_as["group"])  # type: ignore[call-overload]
            for path in (root, self.socket_dir, pwfile):
                os.chown(path, uid, gid)
        try:
            self._run(
                "initdb", "--pgdata", str(self.data_dir), "--username", self.user, "--pwfile", str(pwfile),
                "--auth-local", "trust", "--auth-host", "scram-sha-256", "--encoding", "UTF8",
                "--locale", "C.UTF-8", "--no-sync", "--no-instructions",
            )
        except PermissionError as exc:
            raise LabelopsError(f"cannot run initdb as {self.system_user!r}: {exc}") from exc
        finally:
            pwfile.unlink(missing_ok=True)
        # TCP on loopback only; a throwaway cluster needs no crash safety, so skip the fsyncs.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "shared_buffers": "64MB",
            "logging_collector": "off",
            "timezone": "'UTC'",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# labelops LocalPostgres\n")
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        # Replace initdb's pg_hba: the socket (owner-only dir) trusted, TCP only from loopback with the password.
        (self.data_dir / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host  all all 127.0.0.1/32 scram-sha-256\n"
        )

    def _start_server(self, timeout: float) -> None:
        for attempt in range(3):
            port = self.port or free_port()
            try:
                self._run(
                    "pg_ctl", "start", "--pgdata", str(self.data_dir), "--log", str(self.log_path),
                    "--wait", "--timeout", str(int(timeout)), "--silent", "-o", f"-p {port}",
                    timeout=timeout + 10,
                )
            except LabelopsError:
                # Someone took the free port between the check and the bind: try another one.
                if self.port is None and attempt < 2 and "could not bind" in self._log_tail():
                    continue
                raise
            self.port = port
            break
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.admin_connection():
                    return
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise LabelopsError(
                        f"PostgreSQL did not accept connections on 127.0.0.1:{self.port}: {exc}"
                    ) from exc
                time.sleep(0.2)

    def stop(self) -> None:
        """Shut the server down (fast mode, then immediate) and delete its dir."""
        if self.root is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                for mode, wait in (("fast", 60), ("immediate", 30)):
                    try:
                        self._run("pg_ctl", "stop", "--pgdata", str(self.data_dir), "--mode", mode, "--wait",
                                  "--silent", timeout=wait)
                        break
                    except (LabelopsError, subprocess.TimeoutExpired):
                        continue
        finally:
            root, self.root = self.root, None
            shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except (OSError, LabelopsError):
            return ""

    # -- databases ---------------------------------------------------------------------------------

    def database(self, name: str) -> PostgresDatabase:
        """Login details for database `name` on this server (it need not exist yet)."""
        if self.port is None:
            raise LabelopsError("LocalPostgres is not started")
        return PostgresDatabase(name=name, user=self.user, password=self.password, port=self.port)

    def admin_connection(self):
        """An autocommit connection to the `postgres` maintenance database, as the cluster's superuser."""
        return self.database("postgres").connect(autocommit=True)

    def database_exists(self, name: str) -> bool:
        with self.admin_connection() as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None

    def create_database(self, name: str, template: str | None = None) -> PostgresDatabase:
        """CREATE DATABASE name [TEMPLATE template] (a template copy is a fast file-level clone)."""
        from psycopg import sql

        for ident in (name, template or "template1"):
            if not _IDENTIFIER.match(ident):
                raise ValueError(f"not a plain PostgreSQL database name: {ident!r}")
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template or "template1")
        )
        with self.admin_connection() as conn:
            conn.execute(statement)
        return self.database(name)

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        with self.admin_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def rename_database(self, old: str, new: str) -> None:
        from psycopg import sql

        with self.admin_connection() as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new)))

    @property
    def major_version(self) -> int:
        with self.admin_connection() as conn:
            return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000

    def dump_database(self, name: str, path: Path) -> None:
        """pg_dump (custom format, no owners) of database `name` into `path`."""
        self._client("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(path), name)

    def restore_database(self, path: Path, name: str) -> PostgresDatabase:
        """A new database `name` holding what `dump_database` wrote to `path`."""
        self.create_database(name, template="template0")
        try:
            self._client("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                         "--dbname", name, str(path))
        except BaseException:
            self.drop_database(name)
            raise
        return self.database(name)
