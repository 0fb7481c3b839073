"""A throwaway PostgreSQL server for the tests (and the storage benchmark).

:func:`server` starts one server per process, the first time it is asked for, from the
machine's PostgreSQL binaries (``initdb``/``pg_ctl`` on ``PATH`` or in
``/usr/lib/postgresql/*/bin``): a fresh data directory under the temporary directory, listening
on 127.0.0.1 on a free port, trust authentication, no fsync (the tests check logic, not disks;
the benchmark asks for ``durable=True``). It is stopped and deleted when the process exits.

PostgreSQL refuses to run as root: when we are root, ``initdb`` and ``pg_ctl`` run as the
``postgres`` user through ``runuser``, on a directory chowned to it.

When the server cannot be had (no binaries, no psycopg, no ``postgres`` user, ``initdb``
fails), :func:`server` raises :class:`Unavailable` with the reason, and :func:`require` turns
that into a pytest skip *with that reason*, so a machine without PostgreSQL shows the skipped
tests and why, never passes them silently.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PgServer", "Unavailable", "require", "server"]


class Unavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def _binaries() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(candidate, "initdb"), os.X_OK):
            return Path(candidate)
    raise Unavailable("PostgreSQL server binaries not found (no initdb/pg_ctl on PATH or in "
                      "/usr/lib/postgresql/*/bin); install the 'postgresql' package to run "
                      "the PostgreSQL tests")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgServer:
    """One running server: :attr:`conninfo` reaches its ``postgres`` database.

    Args:
        durable: keep PostgreSQL's default ``fsync=on`` (for benchmarks); default off.
    """

    def __init__(self, *, durable: bool = False) -> None:
        try:
            import psycopg  # noqa: F401  (the stores need it; say so before starting a server)
        except ImportError:
            raise Unavailable("psycopg is not installed: pip install 'agentstate-engine[postgres]' "
                              "to run the PostgreSQL tests") from None
        self._bin = _binaries()
        self._as: list[str] = []
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no 'postgres' user to run "
                                  "the PostgreSQL server as") from None
            if shutil.which("runuser") is None:
                raise Unavailable("running as root and 'runuser' is missing: cannot start "
                                  "PostgreSQL as the 'postgres' user")
            self._as = ["runuser", "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="agentstate-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.conninfo = (f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres "
                         "connect_timeout=10")
        self._running = False
        if owner is not None:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--no-sync", "--locale=C")
            settings = [f"-p {self.port}", "-c listen_addresses=127.0.0.1",
                        f"-c unix_socket_directories={self.dir}", "-c max_connections=100",
                        "-c shared_buffers=64MB"]
            if not durable:
                settings += ["-c fsync=off", "-c synchronous_commit=off",
                             "-c full_page_writes=off"]
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w",
                      "-t", "60", "-o", " ".join(settings), "start")
            self._running = True
        except Unavailable:
            self.stop()
            raise

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as, str(self._bin / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                              check=False, cwd=self.dir)
        if done.returncode != 0:
            log = self.dir / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise Unavailable(f"{tool} failed ({done.returncode}): {done.stderr.strip()} "
                              f"{tail}".strip())

    def new_database(self, name: str) -> str:
        """Create an empty database ``name`` and return its conninfo."""
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.conninfo.replace("dbname=postgres", f"dbname={name}")

    def stop(self) -> None:
        """Stop the server and delete its directory. Idempotent."""
        if self._running:
            self._running = False
            with contextlib.suppress(Exception):
                subprocess.run([*self._as, str(self._bin / "pg_ctl"), "-D", str(self.data),
                                "-m", "immediate", "-w", "stop"], capture_output=True,
                               timeout=60, check=False, cwd=self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)


_SERVER: PgServer | None = None
_FAILURE: str | None = None


def server() -> PgServer:
    """This process's throwaway server, started on first use; raises :class:`Unavailable`."""
    global _SERVER, _FAILURE
    if _FAILURE is not None:
        raise Unavailable(_FAILURE)
    if _SERVER is None:
        try:
            _SERVER = PgServer()
        except Unavailable as error:
            _FAILURE = str(error)
            raise
        atexit.register(_SERVER.stop)
    return _SERVER


def require() -> PgServer:
    """:func:`server`, or skip the calling test with the reason it cannot run."""
    import pytest

    try:
        return server()
    except Unavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")
