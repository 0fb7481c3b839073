"""What every command shares: argument types, policies and stores, output, the progress bar.

Every bad argument becomes :class:`Refused`: one line on stderr, exit code 2, no traceback.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NoReturn, TextIO

import pendulum

from .._policy import Policy
from .._store import MemoryStore, Store

__all__ = ["DEFAULT_DB", "Parser", "Progress", "Refused", "add_json", "close", "day", "hms",
           "instant", "load_policy", "open_store", "positive", "print_json", "read_text",
           "timezone", "write_text"]

DEFAULT_DB = "agentstate.sqlite3"
DISTRIBUTION = "agentstate-engine"


class Refused(Exception):
    """A clean failure: print the message on one line and exit with the code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``agentstate report: error: ...``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# -- argument types -------------------------------------------------------------------------


def timezone(text: str) -> str:
    """An IANA time zone name, checked."""
    try:
        pendulum.timezone(text)
    except Exception:  # pendulum raises InvalidTimezone (a ValueError) and others
        raise argparse.ArgumentTypeError(
            f"unknown time zone {text!r} (expected an IANA name such as Europe/Berlin)"
        ) from None
    return text


def day(text: str) -> date:
    """A calendar date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None


def positive(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def instant(text: str, tz: str) -> pendulum.DateTime:
    """An ISO 8601 date and time; one without an offset is read in ``tz``."""
    try:
        parsed = pendulum.parse(text, tz=tz)
    except Exception:  # pendulum raises several kinds
        raise Refused(f"not an ISO 8601 date and time: {text!r} "
                      "(expected e.g. 2026-01-05T08:00 or 2026-01-05T08:00+01:00)") from None
    if not isinstance(parsed, pendulum.DateTime):
        raise Refused(f"not a date and time: {text!r}")
    return parsed


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for machines")


# -- files, policies, stores ----------------------------------------------------------------


def read_text(name: str) -> str:
    """A file's text, or standard input's for ``-``."""
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    if not path.is_file():
        raise Refused(f"no such file: {path}")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Refused(f"cannot read {path}: {error}") from None


def write_text(name: str | None, text: str) -> None:
    """Write ``text`` to a file, or to standard output for ``-`` or no name."""
    if name in (None, "-"):
        sys.stdout.write(text)
        return
    path = Path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise Refused(f"cannot write {path}: {error}") from None
    print(f"written to {path}", file=sys.stderr)


def load_policy(spec: str) -> Policy:
    """A preset by name, a policy file, or ``-`` for standard input.

    A file is TOML, or JSON (``agentstate export --json``) when its name ends in ``.json``;
    standard input is JSON when it starts with ``{`` (TOML never does), TOML otherwise.
    """
    from .. import presets
    from .._toml import loads_policy, loads_policy_json

    if spec in presets.PRESETS:
        return presets.preset(spec)
    if spec == "-":
        text = sys.stdin.read()
        if text.lstrip().startswith("{"):
            return loads_policy_json(text, file="<stdin>")
        return loads_policy(text, file="<stdin>")
    path = Path(spec)
    if path.suffix == ".json":
        return loads_policy_json(read_text(spec), file=str(path))
    if path.suffix == ".toml" or path.exists():
        return loads_policy(read_text(spec), file=str(path))
    known = ", ".join(sorted(presets.PRESETS))
    raise Refused(f"{spec!r} is neither a preset ({known}) nor a policy file (.toml or .json)")


_OURS = {"agents", "history", "schema_version"}


def _is_agentstate_db(path: Path) -> bool:
    """Whether ``path`` is an SQLite database with agentstate's tables (or an empty file)."""
    if path.stat().st_size == 0:
        return True
    try:
        with path.open("rb") as file:
            if file.read(16) != b"SQLite format 3\x00":
                return False
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return False
    return names >= _OURS


def open_store(args: argparse.Namespace, *, must_exist: bool = False) -> Store:
    """The store the arguments name: ``--memory``/no ``--db``: in memory; else SQLite.

    ``--fresh`` deletes the file first, but only if it is an agentstate database; anything
    else is refused and left as it was.
    """
    if getattr(args, "memory", False) or args.db is None:
        return MemoryStore()
    from .._sqlite import SQLiteStore

    path = Path(args.db)
    if path.exists() and not path.is_file():
        raise Refused(f"{path} is not a file")
    if getattr(args, "fresh", False) and path.exists():
        if not _is_agentstate_db(path):
            raise Refused(f"--fresh refuses to delete {path}: it is not an agentstate "
                          "database (left as it was)")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if must_exist and not path.exists():
        raise Refused(f"no such store: {path}")
    if path.exists() and not _is_agentstate_db(path):
        raise Refused(f"{path} is not an agentstate database")
    return SQLiteStore(path)


def close(store: Store) -> None:
    closer = getattr(store, "close", None)
    if closer is not None:
        closer()


# -- output ---------------------------------------------------------------------------------


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


def hms(span: timedelta) -> str:
    total = round(span.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    return f"{sign}{total // 3600}:{total // 60 % 60:02}:{total % 60:02}"


class Progress:
    """A one-line progress bar with elapsed time and an estimate of what is left."""

    def __init__(self, out: TextIO, *, clock: Any = time.monotonic) -> None:
        self._out = out
        self._clock = clock
        self._started = clock()
        self._shown = -1
        self._drawn_at = -1.0

    def __call__(self, fraction: float) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        now = self._clock()
        percent = int(fraction * 100)
        if percent == self._shown and now - self._drawn_at < 1.0:
            return
        self._shown, self._drawn_at = percent, now
        spent = now - self._started
        left = spent / fraction - spent if fraction > 0 else None
        filled = int(fraction * 25)
        eta = "--:--" if left is None else _mmss(left)
        self._out.write(f"\r[{'#' * filled}{'.' * (25 - filled)}] {percent:3d}% "
                        f"{_mmss(spent)} elapsed, {eta} left")
        self._out.flush()

    def done(self) -> None:
        if self._shown != 100:
            self(1.0)
        self._out.write("\n")
        self._out.flush()


def _mmss(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02}:{whole % 60:02}"


def histories(store: Store, agents: Sequence[str] | None) -> list[Any]:
    """Every change of ``agents`` (default: every agent in the store), agent by agent."""
    names = list(agents) if agents else sorted(store.agents())
    missing = [n for n in names if store.load(n) is None]
    if missing:
        raise Refused(f"unknown agent(s) in the store: {', '.join(missing)}")
    return [change for name in names for change in store.history(name)]
