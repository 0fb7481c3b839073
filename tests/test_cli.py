"""The command line: each command, and clear errors with exit codes for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentstate._cli import main
from agentstate.presets import PRESETS

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


COMMANDS = ("simulate", "report", "replay", "status", "timeline", "chart", "allotments",
            "diagram", "check", "export")


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """--help names every command and shows examples; it exits 0."""
    assert 0 == main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out
    assert "examples:" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Each command's --help ends with examples that run that command."""
    assert 0 == main([command, "--help"])
    out = capsys.readouterr().out
    assert f"agentstate {command} " in out.split("examples:")[1]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version names the distribution."""
    assert 0 == main(["--version"])
    assert "agentstate-engine" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "words"), [
    (["simulate", "--tz", "Mars/Olympus", "--memory"], "unknown time zone 'Mars/Olympus'"),
    (["simulate", "--agents", "-5", "--memory"], "expected at least 1, got -5"),
    (["simulate", "--agents", "many", "--memory"], "not a whole number"),
    (["simulate", "--day", "2026-13-01", "--memory"], "not a date"),
    (["report", "--tz", "Nowhere"], "unknown time zone"),
    (["report", "--day", "yesterday"], "not a date"),
    (["status", "--watch", "0"], "expected at least 1"),
    (["diagram", "basic", "--format", "png"], "invalid choice"),
    (["replay", "x.log", "--source", "sip"], "unknown --source 'sip'"),
    (["replay", "x.log", "--source", "ami"], "no such file"),
    (["nosuchcommand"], "invalid choice"),
    (["export", "no-such-preset"], "neither a preset"),
    (["timeline", "--db", "missing.sqlite3"], "no such store"),
    (["chart", "--db", "missing.sqlite3"], "no such store"),
    (["allotments", "--db", "missing.sqlite3"], "no such store"),
    (["status", "--db", "missing.sqlite3"], "no such store"),
])
def test_bad_arguments_one_line_exit_2(argv: list[str], words: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad time zones, numbers, dates, choices, sources and files: one line, exit 2, no
    traceback."""
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, *argv)
    assert (2, 1) == (code, len(err.strip().splitlines()))
    assert words in err
    assert "Traceback" not in err


def test_fresh_refuses_a_file_that_is_not_an_agentstate_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--fresh on a TOML file (or any non-agentstate file) is refused and leaves it intact."""
    path = tmp_path / "bad.toml"
    path.write_text('name = "mine"\n')
    code, _, err = _run(capsys, "simulate", "--db", str(path), "--fresh", "--no-progress")
    assert (2, True) == (code, "not an agentstate database" in err)
    assert 'name = "mine"\n' == path.read_text()


def test_fresh_refuses_another_sqlite_database(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """An SQLite database without agentstate's tables is not deleted by --fresh."""
    import sqlite3

    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (n INTEGER)")
    conn.close()
    code, _, _ = _run(capsys, "simulate", "--db", str(path), "--fresh", "--no-progress")
    assert 2 == code
    with sqlite3.connect(path) as conn:
        assert [("invoices",)] == conn.execute("SELECT name FROM sqlite_master").fetchall()
    conn.close()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_simulate_works_with_every_preset(preset: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """simulate derives its pauses and channel from the policy, so every preset runs (agents
    end a mandatory wrap-up themselves, and every agent's day ends)."""
    code, out, err = _run(capsys, "simulate", "--policy", preset, "--memory", "--agents", "3",
                          "--json", "--no-progress")
    assert (0, "") == (code, err)
    result = json.loads(out)
    assert 3 == result["agents"]
    assert result["answered"] > 0


def test_simulate_with_a_policy_file_on_stdin(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """--policy - reads the policy TOML from standard input."""
    import io

    from agentstate._toml import dumps_policy
    from agentstate.presets import preset

    monkeypatch.setattr("sys.stdin", io.StringIO(dumps_policy(preset("webitel"))))
    code, out, _ = _run(capsys, "simulate", "--policy", "-", "--memory", "--agents", "2",
                        "--json", "--no-progress")
    assert (0, "webitel") == (code, json.loads(out)["policy"])


def test_progress_bar_ends_at_100_with_elapsed_and_eta() -> None:
    """The progress bar shows elapsed time and what is left, and ends at 100%."""
    import io

    from agentstate._cli._common import Progress

    ticks = iter([0.0, 10.0, 20.0, 30.0])
    out = io.StringIO()
    bar = Progress(out, clock=lambda: next(ticks))
    bar(0.5)
    bar.done()
    lines = out.getvalue().split("\r")
    assert "50% 00:10 elapsed, 00:10 left" in lines[1]
    assert lines[-1].startswith("[#########################] 100%")
    assert lines[-1].endswith("\n")


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with a simulated day of four agents under the omnichannel preset."""
    db = str(tmp_path_factory.mktemp("floor") / "floor.sqlite3")
    assert 0 == main(["simulate", "--policy", "omnichannel", "--db", db, "--agents", "4",
                      "--no-progress"])
    return db


def test_report_header_and_naive_range_are_in_the_time_zone(
        floor: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--from/--to without an offset are read in --tz, and the header prints in --tz."""
    capsys.readouterr()
    code, out, _ = _run(capsys, "report", "--db", floor, "--policy", "omnichannel",
                        "--from", "2026-01-05T09:00", "--to", "2026-01-05T10:00",
                        "--tz", "America/New_York")
    assert 0 == code
    assert ("from 2026-01-05 09:00:00 to 2026-01-05 10:00:00 (America/New_York)"
            == out.splitlines()[0])
    code, out, _ = _run(capsys, "report", "--db", floor, "--policy", "omnichannel",
                        "--day", "2026-01-05", "--json")
    assert (0, 4) == (code, len(json.loads(out)))


def test_status_wallboard(floor: str, capsys: pytest.CaptureFixture[str]) -> None:
    """status: one row per agent with status, occupation, time in it, slots per channel and
    per channel group's pool (omnichannel's live pool), allotments."""
    capsys.readouterr()
    code, out, _ = _run(capsys, "status", "--db", floor, "--policy", "omnichannel",
                        "--at", "2026-01-05T11:00", "--json")
    rows = json.loads(out)
    assert (0, 4) == (code, len(rows))
    assert {"agent", "status", "reason", "occupation", "in_status_s", "slots",
            "allotment_remaining_s"} == set(rows[0])
    assert {"voice", "chat", "messaging", "email", "live pool"} == set(rows[0]["slots"])
    code, out, _ = _run(capsys, "status", "--db", floor, "--policy", "omnichannel")
    assert (0, 5) == (code, len(out.splitlines()))


@pytest.mark.parametrize("command", ["timeline", "chart", "allotments"])
def test_pictures_from_the_command_line(command: str, floor: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """timeline, chart and allotments write SVG to a file or stdout, and JSON with --json."""
    capsys.readouterr()
    code, out, _ = _run(capsys, command, "--db", floor, "--policy", "omnichannel")
    assert (0, True) == (code, out.startswith("<svg"))
    target = tmp_path / f"{command}.svg"
    assert 0 == _run(capsys, command, "--db", floor, "--policy", "omnichannel",
                     "-o", str(target))[0]
    assert target.read_text() == out
    code, out, _ = _run(capsys, command, "--db", floor, "--policy", "omnichannel", "--json")
    assert 0 == code
    json.loads(out)


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "table"])
def test_diagram_formats(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    """diagram --format mermaid|dot|table; --json gives the transitions as data."""
    code, out, _ = _run(capsys, "diagram", "callharbor", "--format", fmt)
    first = {"mermaid": "stateDiagram-v2", "dot": 'digraph "callharbor"',
             "table": "Who may move"}[fmt]
    assert (0, True) == (code, out.startswith(first))
    code, out, _ = _run(capsys, "diagram", "callharbor", "--json")
    assert "callharbor" == json.loads(out)["policy"]


def test_check_json_and_stdin(capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """check - reads TOML from stdin; --json gives the findings as data."""
    import io

    from agentstate._toml import dumps_policy
    from agentstate.presets import basic

    monkeypatch.setattr("sys.stdin", io.StringIO(dumps_policy(basic())))
    code, out, _ = _run(capsys, "check", "-", "--json")
    assert (0, True) == (code, json.loads(out)["valid"])


def test_export_writes_a_preset_that_loads_back(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """export PRESET writes TOML that loads as the same policy."""
    from agentstate._toml import load_policy
    from agentstate.presets import preset

    code, out, _ = _run(capsys, "export", "callharbor")
    assert 0 == code
    assert preset("callharbor") == load_policy(out)
    target = tmp_path / "ch.toml"
    assert 0 == _run(capsys, "export", "callharbor", "-o", str(target))[0]
    assert out == target.read_text()


def test_replay_reads_stdin(capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """replay - reads the log from standard input; --json prints the report as data."""
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(LOG))
    code, out, err = _run(capsys, "replay", "-", "--json")
    assert 0 == code
    assert "<stdin>: line 6: malformed" in err
    assert 1 == len(json.loads(out))


UNTIMED_AMI = ("Event: QueueMemberAdded\r\nQueue: support\r\nInterface: PJSIP/100\r\n"
               "MemberName: ana\r\nPaused: 0\r\n\r\n"
               "Event: QueueMemberPause\r\nQueue: support\r\nInterface: PJSIP/100\r\n"
               "MemberName: ana\r\nPaused: 1\r\nPausedReason: lunch\r\n\r\n")


def test_replay_start_places_a_capture_without_times(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """An AMI capture without Timestamp headers replays from --start (naive: in --tz); without
    it, nothing replays and the error says to pass --start."""
    log = tmp_path / "untimed.ami"
    log.write_text(UNTIMED_AMI)
    code, _, err = _run(capsys, "replay", str(log), "--source", "ami")
    assert 1 == code
    assert err.rstrip().endswith("has no events to replay (a capture without times of its "
                                 "own needs --start)")
    code, out, _ = _run(capsys, "replay", str(log), "--source", "ami", "--json",
                        "--start", "2026-01-05T09:00", "--tz", "Europe/Berlin")
    assert 0 == code
    reports = json.loads(out)
    assert ["ana"] == list(reports)
    assert "2026-01-05T08:00:00+00:00" == reports["ana"]["start"]
    assert {"lunch": 1.0, "(none)": 0.0} == reports["ana"]["by_reason"]


def test_replay_start_must_be_a_date_and_time(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A --start that is not ISO 8601 is one line and exit code 2."""
    log = tmp_path / "untimed.ami"
    log.write_text(UNTIMED_AMI)
    code, _, err = _run(capsys, "replay", str(log), "--source", "ami", "--start", "soon")
    assert 2 == code
    assert "not an ISO 8601 date and time: 'soon'" in err


def test_replay_prints_the_same_report_for_every_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`agentstate replay --source S` reads the same agent day in queue_log and AMI form and
    prints the same per-agent report; a Connect stream replays too (Connect's default preset
    adds after-contact work: tests/test_adapter_same_day.py compares its day with the adapter
    configured alike)."""
    from tests.test_adapter_same_day import AMI, CONNECT, QUEUE_LOG

    reports = {}
    for name, data in {"queue_log": QUEUE_LOG, "ami": AMI, "connect": CONNECT}.items():
        path = tmp_path / f"{name}.log"
        path.write_text(data)
        code, out, _ = _run(capsys, "replay", str(path), "--source", name, "--json")
        assert 0 == code
        reports[name] = json.loads(out)
    assert reports["queue_log"] == reports["ami"]
    assert reports["queue_log"]["7"]["by_occupation"]["on_interaction"] == (
        reports["connect"]["7"]["by_occupation"]["on_interaction"])


@pytest.fixture
def lunch_day(tmp_path: Path) -> str:
    """A store (basic preset, Berlin) where ana logs in at 08:00, takes lunch from 08:10:00
    to 08:24:30 and a coffee break from 08:34:30 to 08:54:35, then logs out at 09:00."""
    import attrs
    import pendulum

    from agentstate import DayRule, Login, Logout, ManualClock, SetStatus, Tracker
    from agentstate._sqlite import SQLiteStore
    from agentstate.presets import basic

    db = tmp_path / "lunch.sqlite3"
    store = SQLiteStore(db)
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 8, tz="Europe/Berlin"))
    tracker = Tracker(attrs.evolve(basic(), day=DayRule(timezone="Europe/Berlin")),
                      store=store, clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    for seconds, status, reason in ((600, "lunch", None), (870, "available", None),
                                    (600, "break", "coffee"), (1205, "available", None)):
        clock.advance(seconds)
        tracker.apply(SetStatus(agent="ana", status=status, reason=reason))
    clock.advance(325)
    tracker.apply(Logout(agent="ana"))
    store.close()
    return str(db)


def test_status_at_an_earlier_instant_shows_that_instant(
        lunch_day: str, capsys: pytest.CaptureFixture[str]) -> None:
    """status --at an instant before the store's last change shows each agent as it was
    then (status, time in it, allotment left to the second), not as it is at the end."""
    code, out, _ = _run(capsys, "status", "--db", lunch_day, "--at", "2026-01-05T08:20:15",
                        "--json")
    row = json.loads(out)[0]
    assert (0, "lunch", 615.0) == (code, row["status"], row["in_status_s"])
    assert {"lunch": 1800.0 - 615, "coffee": 1200.0} == row["allotment_remaining_s"]


def test_status_text_and_json_are_to_the_second(
        lunch_day: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The wallboard prints time in status and allotment left as H:MM:SS, and --json gives
    them as numbers of seconds (in_status_s, allotment_remaining_s)."""
    code, out, _ = _run(capsys, "status", "--db", lunch_day, "--at", "2026-01-05T08:30:00")
    line = out.splitlines()[1].split()
    assert (0, "available", "0:05:30", "coffee:0:20:00", "lunch:0:15:30") == (
        code, line[1], line[4], line[-2], line[-1])
    rows = json.loads(_run(capsys, "status", "--db", lunch_day, "--at",
                           "2026-01-05T08:30:00", "--json")[1])
    assert (330.0, {"lunch": 930.0, "coffee": 1200.0}) == (
        rows[0]["in_status_s"], rows[0]["allotment_remaining_s"])


def test_allotments_json_and_svg_are_to_the_second(
        lunch_day: str, capsys: pytest.CaptureFixture[str]) -> None:
    """allotments --json gives exact seconds (used_s, allotment_s, remaining_s, overrun_s,
    named like report's), and the picture's figures say the same to the second."""
    code, out, _ = _run(capsys, "allotments", "--db", lunch_day, "--json")
    reasons = {r["reason"]: r for r in json.loads(out)[0]["reasons"]}
    assert (0, {"reason": "lunch", "paid": False, "used_s": 870.0, "allotment_s": 1800.0,
                "remaining_s": 930.0, "count": 1, "overrun_s": 0.0}) == (code, reasons["lunch"])
    assert (1205.0, 1200.0, 0.0, 5.0) == (
        reasons["coffee"]["used_s"], reasons["coffee"]["allotment_s"],
        reasons["coffee"]["remaining_s"], reasons["coffee"]["overrun_s"])
    svg = _run(capsys, "allotments", "--db", lunch_day)[1]
    assert "14m 30s of 30m, 15m 30s left" in svg
    assert "20m 5s of 20m, 5s over" in svg


def test_export_json_is_the_policy_as_structured_data(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """export --json writes the policy as JSON objects, key for key what the TOML holds
    (statuses, transitions, reasons, timers; durations as seconds), not TOML text in JSON."""
    from agentstate._toml import tomllib

    code, out, _ = _run(capsys, "export", "basic", "--json")
    data = json.loads(out)
    toml = tomllib.loads(_run(capsys, "export", "basic")[1])
    assert (0, toml) == (code, data)
    assert ({"name": "available", "label": "Available", "routable": True},
            {"code": "lunch", "label": "Lunch", "paid": False, "daily_allotment": 1800},
            {"mode": "none", "length": 0}) == (
        data["statuses"][1], data["reasons"][2], data["wrap_up"])


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_export_json_reads_back_wherever_a_policy_is_read(
        preset: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The JSON of export --json is a policy file too: a .json file (or JSON on standard
    input) given to --policy, check, diagram or export is read as the same policy."""
    import io

    from agentstate._toml import load_policy
    from agentstate.presets import preset as make

    target = tmp_path / "policy.json"
    assert 0 == _run(capsys, "export", preset, "--json", "-o", str(target))[0]
    code, toml, _ = _run(capsys, "export", str(target))
    assert (0, make(preset)) == (code, load_policy(toml))
    assert _run(capsys, "diagram", preset)[1] == _run(capsys, "diagram", str(target))[1]
    monkeypatch.setattr("sys.stdin", io.StringIO(target.read_text()))
    code, out, _ = _run(capsys, "check", "-", "--json")
    assert (0, make(preset).name) == (code, json.loads(out)["policy"])


@pytest.mark.parametrize(("text", "message"), [
    ('{"extends": "basic", "statuses": [{"name": "coaching", "routable": "yes"}]}',
     "agentstate check: bad.json: statuses[0].routable: expected true or false, got \"yes\" "
     "(a string)"),
    ('{"statuses": [', "agentstate check: bad.json: not valid JSON: Expecting value: line 1 "
                       "column 15 (char 14)"),
    ('["basic"]', "agentstate check: bad.json: expected a JSON object (a policy), got an "
                  "array"),
    ('{"extends": "basic", "reasons": [{"code": "coffee", "paid": true, '
     '"daily_allotment": 0.0000001}]}',
     "agentstate check: bad.json: reasons[0].daily_allotment: must be positive (at least 1 "
     "microsecond), got 0.0000001 seconds"),
])
def test_a_bad_json_policy_is_one_line_and_exit_code_2(
        text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A JSON policy file with a fault is refused like a TOML one: one line naming the file
    and the key, exit code 2."""
    path = tmp_path / "bad.json"
    path.write_text(text)
    code, _, err = _run(capsys, "check", str(path))
    assert (2, message.replace("bad.json", str(path)) + "\n") == (code, err)


def test_status_at_under_a_policy_the_history_does_not_fit_is_one_line(
        lunch_day: str, capsys: pytest.CaptureFixture[str]) -> None:
    """status --at replays each agent's history under --policy: a history that policy
    refuses (recorded under another one) is one line naming the agent, exit code 2."""
    code, out, err = _run(capsys, "status", "--db", lunch_day, "--policy", "webitel",
                          "--at", "2026-01-05T08:20:00")
    assert (2, "", 1) == (code, out, len(err.splitlines()))
    assert err.startswith("agentstate status: --at an instant before ana's last change "
                          "replays its history, which the policy 'webitel' refuses: ")
