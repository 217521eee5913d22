"""The benchmark suite's machinery on its smallest scenario: data built, one child process
measured, the JSON written with the keys the README promises; and usage errors as one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"name", "items", "median_s", "baseline_s", "ratio", "peak_rss_mb", "statements"}

pytestmark = pytest.mark.slow


def suite(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_tiny_scenario_is_measured_and_written_as_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = suite("--only", "invoicing-5", "--repeats", "1", "--json", str(out))
    assert done.returncode == 0, done.stderr
    [row] = json.loads(out.read_text())
    assert set(row) >= KEYS
    assert row["name"] == "invoicing-5" and row["items"] == 5 and row["done"] == 5
    assert row["repeats"] == 1
    assert row["median_s"] > 0 and row["baseline_s"] > 0
    assert row["ratio"] == pytest.approx(row["median_s"] / row["baseline_s"], rel=0.01)
    assert row["statements"] > 0 and row["peak_rss_mb"] > 0
    assert "invoicing-5" in done.stdout and "peak RSS MB" in done.stdout
    assert "repeats" in done.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--only", "no-such-scenario"], "unknown scenario no-such-scenario"),
        (["--database-url", "postgresql+psycopg://nobody@127.0.0.1:9/none"], "cannot connect"),
        (["--database-url", "not a url"], "is not a database URL"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], says: str) -> None:
    done = suite(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("benchmarks: ") and says in line
