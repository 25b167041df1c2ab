"""Throwaway PostgreSQL clusters for the replica tests: a primary of their own (the shared server
cannot be reconfigured for replication) and a streaming standby made from it with
`pg_basebackup -R`, each on a free loopback port in a temporary directory.

The server binaries come from Debian's postgresql-15 (/usr/lib/postgresql/<version>/bin, the
newest there) or from `pg_config --bindir`. PostgreSQL refuses to run as root: under root (CI)
the clusters run as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_bindir() -> Path | None:
    """Where initdb, pg_ctl and pg_basebackup are, or None when they are not installed."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            candidates.append(Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip()))
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return bindir
    return None


class Cluster:
    """One PostgreSQL server: its data directory, port and log."""

    def __init__(self, bindir: Path, base: Path, name: str):
        self.bindir = bindir
        self.name = name
        self.datadir = base / name
        self.socketdir = base / "sockets"
        self.log_path = base / f"{name}.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            account = pwd.getpwnam("postgres")
            self._ids = (account.pw_uid, account.pw_gid)

    def _demote(self):
        os.setgid(self._ids[1])
        os.setuid(self._ids[0])

    def run(self, tool: str, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=self._demote if self._as_postgres else None,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{tool} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def url(self, database: str = "commonplace", user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def query(self, sql: str, database: str = "postgres"):
        with self.connect(database) as connection:
            return connection.execute(sql).fetchone()[0]

    def start(self) -> Cluster:
        options = " ".join(
            (
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.socketdir}",
                # Throwaway data: no fsync; replicas and WAL senders as a real primary has.
                "-c fsync=off",
                "-c wal_level=replica",
                "-c max_wal_senders=4",
                "-c hot_standby=on",
                "-c shared_buffers=32MB",
            )
        )
        self.run("pg_ctl", "-D", str(self.datadir), "-l", str(self.log_path), "-o", options, "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast`: a clean shutdown, as an operator stops a server; `immediate`: for throwing away."""
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop", timeout=60)

    def is_running(self) -> bool:
        try:
            self.run("pg_ctl", "-D", str(self.datadir), "status")
        except RuntimeError:
            return False
        return True


def make_primary(bindir: Path, base: Path) -> Cluster:
    """initdb a primary (trust on loopback, replication included) and start it, with a
    `replicator` role for the standby."""
    primary = Cluster(bindir, base, "primary")
    primary.socketdir.mkdir(exist_ok=True)
    if primary._as_postgres:
        os.chown(base, *primary._ids)
        os.chown(primary.socketdir, *primary._ids)
    primary.run(
        "initdb",
        *("-D", str(primary.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"),
        *("--no-sync", "--wal-segsize=1"),  # throwaway: no fsync, and 1 MB WAL files to copy and remove
    )
    primary.start()
    with primary.connect() as connection:
        connection.execute("CREATE ROLE replicator WITH REPLICATION LOGIN")
        connection.execute("CREATE DATABASE commonplace")
    return primary


def make_standby(primary: Cluster) -> Cluster:
    """A hot standby streaming from `primary`: `pg_basebackup -R` writes standby.signal and the
    primary_conninfo, so it starts replicating at once."""
    standby = Cluster(primary.bindir, primary.datadir.parent, "standby")
    primary.run(
        "pg_basebackup",
        *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "replicator"),
        *("-D", str(standby.datadir), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
    )
    return standby.start()


def wait_for_replay(primary: Cluster, standby: Cluster, timeout: float = 30) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    target = primary.query("SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(psycopg.OperationalError):
            if standby.query(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
                return
        time.sleep(0.05)
    raise AssertionError(f"the standby did not replay up to {target} within {timeout:.0f}s")
