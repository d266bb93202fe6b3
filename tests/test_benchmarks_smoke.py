"""The benchmark command runs and prints its table (no timings are checked)."""

import pathlib
import subprocess
import sys

RUN_ALL = pathlib.Path(__file__).parents[1] / "benchmarks" / "run_all.py"


def test_run_all_quick_prints_table():
    completed = subprocess.run(
        [sys.executable, str(RUN_ALL), "--quick", "--cases", "5,7"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert any(line.startswith("| case | benchmark |") for line in lines)
    assert any(line.startswith("| 5 |") for line in lines)
    assert any(line.startswith("| 7 |") for line in lines)


def test_run_all_rejects_unknown_case():
    completed = subprocess.run(
        [sys.executable, str(RUN_ALL), "--cases", "9"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "unknown case(s) 9" in completed.stderr
