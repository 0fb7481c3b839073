"""The examples a newcomer runs first work from a clean install, in seconds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parents[1] / "examples"


def _run(*args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout


def test_the_shift_example_prints_the_day_and_draws_it(tmp_path: Path) -> None:
    """shift.py prints the day's report and ledger and writes the timeline picture."""
    svg = tmp_path / "day.svg"
    out = _run(str(EXAMPLES / "shift.py"), "--svg", str(svg), cwd=tmp_path)
    assert "supervisor sue overrides" in out
    assert "notice: overrun" in out
    assert "pause ledger:" in out
    assert svg.read_text().startswith("<svg")


def test_the_floor_example_reports_service_level_and_pauses(tmp_path: Path) -> None:
    """floor.py simulates a team's day and prints service level, occupancy and pauses."""
    out = _run(str(EXAMPLES / "floor.py"), "--agents", "8", cwd=tmp_path)
    assert "service level" in out
    assert "paid pause" in out
    assert 8 == sum(1 for line in out.splitlines() if line.startswith("agent0"))
