"""The command line: each command, and clear errors with exit codes for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentstate._cli import main

LOG = """\
1543598990|1543598985.25|IT|Local/1127@callback-agent|ADDMEMBER|
1543600000|NONE|IT|Agent/1127|AGENTCALLBACKLOGIN|1127@callback
1543600100|c1|IT|NONE|ENTERQUEUE||5551234|1
1543600110|c1|IT|Agent/1127|CONNECT|10|c1.1|3
1543600230|c1|IT|Agent/1127|COMPLETECALLER|10|120|1
this line is not a queue_log line
1543603600|NONE|IT|Agent/1127|AGENTCALLBACKLOGOFF|1127@callback|3600|CommandLogoff
"""


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_then_report_from_the_sqlite_store(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]
                                                    ) -> None:
    """simulate writes a day into the SQLite store; report reads it back as a table."""
    db = str(tmp_path / "floor.sqlite3")
    code, out, _ = _run(capsys, "simulate", "--db", db, "--agents", "4", "--no-progress")
    assert 0 == code
    assert "service level" in out
    code, out, _ = _run(capsys, "report", "--db", db, "--day", "2026-01-05")
    assert 0 == code
    assert 4 == sum(1 for line in out.splitlines() if line.startswith("agent0"))


def test_simulate_refuses_a_store_that_already_holds_agents(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second simulation into the same store is refused unless --fresh."""
    db = str(tmp_path / "floor.sqlite3")
    _run(capsys, "simulate", "--db", db, "--agents", "2", "--no-progress")
    code, _, err = _run(capsys, "simulate", "--db", db, "--agents", "2", "--no-progress")
    assert (2, True) == (code, "already holds agents" in err)
    assert 0 == _run(capsys, "simulate", "--db", db, "--agents", "2", "--fresh",
                     "--no-progress")[0]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_report_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """report prints CSV or JSON for machines."""
    db = str(tmp_path / "floor.sqlite3")
    _run(capsys, "simulate", "--db", db, "--agents", "2", "--no-progress")
    code, out, _ = _run(capsys, "report", "--db", db, "--format", fmt, "--agent", "agent01")
    assert 0 == code
    if fmt == "json":
        assert ["agent01"] == list(json.loads(out))
    else:
        assert out.splitlines()[0].startswith("agent")


def test_replay_reports_and_lists_problem_lines(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """replay turns a queue_log into a report; a malformed line is reported with its number."""
    log = tmp_path / "queue_log"
    log.write_text(LOG)
    code, out, err = _run(capsys, "replay", str(log))
    assert 0 == code
    assert "1127" in out
    assert "line 6: malformed" in err


def test_diagram_of_a_preset_and_of_a_toml_file(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """diagram prints Mermaid for a preset name or a policy file."""
    from agentstate._toml import dumps_policy
    from agentstate.presets import basic

    code, out, _ = _run(capsys, "diagram", "basic")
    assert (0, True) == (code, out.startswith("stateDiagram-v2"))
    path = tmp_path / "mine.toml"
    path.write_text(dumps_policy(basic()))
    assert out == _run(capsys, "diagram", str(path))[1]


def test_check_a_valid_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """check exits 0 on a policy without errors."""
    from agentstate._toml import dumps_policy
    from agentstate.presets import basic

    path = tmp_path / "basic.toml"
    path.write_text(dumps_policy(basic()))
    assert 0 == _run(capsys, "check", str(path))[0]


@pytest.mark.parametrize(("argv", "words"), [
    (["check", "missing.toml"], "no such file"),
    (["diagram", "no-such-preset"], "neither a preset"),
    (["report", "--db", "missing.sqlite3"], "no such store"),
    (["replay", "missing.log"], "no such file"),
])
def test_bad_input_gets_a_one_line_error_and_exit_2(
        argv: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing files and unknown presets: one clear line on stderr, exit code 2."""
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, *argv)
    assert 2 == code
    assert words in err
    assert 1 == len(err.strip().splitlines())


def test_bad_toml_names_the_file_and_the_key(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A policy file with a bad key is refused with the file and the key in the message."""
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nlogged_out = 3\n')
    code, _, err = _run(capsys, "check", str(path))
    assert 2 == code
    assert "bad.toml" in err
    assert "logged_out" in err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """--help names the five commands."""
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("simulate", "report", "replay", "diagram", "check"):
        assert command in out
