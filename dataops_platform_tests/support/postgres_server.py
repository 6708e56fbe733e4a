"""A PostgreSQL server for the production-profile tests, and a scratch database per session.

Order of preference: a configured server (DATAOPS_TEST_PG_HOST/PORT/USER/PASSWORD; it must
check passwords), else a private throwaway cluster
started from Debian's server binaries (/usr/lib/postgresql/<version>/bin) in a temp folder on
a free port, whose TCP connections need the planted PASSWORD (scram-sha-256), else a server
answering on postgres@127.0.0.1:5432, else the tests skip and say how to install PostgreSQL. `bash scripts/test.sh` installs the
`postgresql` package when it is missing and it can (root with apt).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

PASSWORD = "planted-postgres-password-4e1b"  # fake: the private cluster's superuser password
INSTALL_HINT = "install PostgreSQL (Debian/Ubuntu: apt-get install postgresql) or set DATAOPS_TEST_PG_HOST/PORT"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str = ""

    def connect(self, dbname: str = "postgres"):
        import psycopg2

        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=dbname, connect_timeout=5
        )

    def answers(self) -> bool:
        try:
            self.connect().close()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not usable"
            return False

    def env(self, dbname: str) -> dict[str, str]:
        """The DAGSTER_PG_* variables deploy/dagster.production.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": dbname,
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` system user."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@contextmanager
def private_cluster(bin_dir: Path) -> Iterator[Server]:
    """initdb + pg_ctl start in a temp folder (loopback only; TCP clients authenticate with
    PASSWORD, the local socket is trusted); stopped and deleted after."""
    root = Path(tempfile.mkdtemp(prefix="dataops-pg-"))
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    password_file = root / "password"
    password_file.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        os.chown(password_file, user.pw_uid, user.pw_gid)
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(bin_dir / "initdb"),
                    *("-D", str(data), "-U", "postgres", "--pwfile", str(password_file)),
                    *("--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8"),
                ]
            ),
            **run,
        )
        subprocess.run(
            _as_server_user(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(root / "server.log"),
                    "-o",
                    f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off",
                    "start",
                ]
            ),
            **run,
        )
        password_file.unlink()
        yield Server("127.0.0.1", port, "postgres", PASSWORD)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[Server]:
    """A configured server (DATAOPS_TEST_PG_HOST set), else a private cluster (password auth),
    else a server answering on 127.0.0.1:5432, else a skip naming the install command."""
    configured = Server(
        os.environ.get("DATAOPS_TEST_PG_HOST", "127.0.0.1"),
        int(os.environ.get("DATAOPS_TEST_PG_PORT", "5432")),
        os.environ.get("DATAOPS_TEST_PG_USER", "postgres"),
        os.environ.get("DATAOPS_TEST_PG_PASSWORD", ""),
    )
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    usable = bins and (os.geteuid() != 0 or _has_user("postgres"))
    if "DATAOPS_TEST_PG_HOST" in os.environ or not usable:
        if configured.answers():
            yield configured
            return
    if not bins:
        pytest.skip(
            f"no PostgreSQL server at {configured.host}:{configured.port} and no server binaries: {INSTALL_HINT}"
        )
    if not usable:
        pytest.skip(f"running as root without a `postgres` system user to run initdb as: {INSTALL_HINT}")
    with private_cluster(Path(bins[-1]).parent) as server:
        yield server


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@contextmanager
def scratch_database(server: Server, prefix: str = "dataops_test") -> Iterator[str]:
    """A new, uniquely named database, dropped afterwards (connections closed by force)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = server.connect()
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
