"""Rough edges a new user hit, each pinned: empty output paths, --repeats 0, --debug's exit status,
choose_method's mixed kinds and repr, selftest's output stream, progress in redirected logs, the
demo's start-up label, the licence file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bigmul


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bigmul", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args", [("mul", "2", "3", "-o", ""), ("div", "7", "2", "-o", " "),
                                  ("isqrt", "9", "-o", ""), ("pi", "10", "-o", "")])
def test_empty_output_path_is_refused(args):
    r = run(*args)
    assert r.returncode == 2 and "file name" in r.stderr and r.stdout == ""


def test_repeats_must_be_positive():
    for bad in ("0", "-3", "x"):
        r = run("bench", "--repeats", bad, "--sizes", "1e3")
        assert r.returncode == 2 and "--repeats" in r.stderr


def test_debug_shows_the_traceback_and_keeps_the_exit_status():
    r = run("--debug", "mul", "12a", "3")
    assert r.returncode == 2 and "Traceback" in r.stderr and "position 2" in r.stderr
    r = run("mul", "12a", "3", "--debug")
    assert r.returncode == 2


def test_choose_method_explains_a_mix_and_reads_well():
    with pytest.raises(TypeError, match="both be decimal str or both be integers"):
        bigmul.choose_method("12", 3)
    with pytest.raises(TypeError, match="both be decimal str or both be integers"):
        bigmul.choose_method(3, "12")
    plan = bigmul.choose_method(3, 4)
    assert repr(plan).startswith("<Plan int: int") and "CPython" in repr(plan)


def test_selftest_writes_its_report_to_stdout():
    r = run("selftest")
    assert r.returncode == 0 and "selftest passed" in r.stdout and "selftest passed" not in r.stderr


def test_progress_into_a_redirected_log_has_no_carriage_returns(tmp_path):
    r = run("pi", "3e5", "-o", str(tmp_path / "pi.txt"))
    assert r.returncode == 0 and "\r" not in r.stderr and "pi:" in r.stderr
    r = run("fuzz", "--cases", "30", "--max-digits", "2000", "--out", str(tmp_path / "f"))
    assert r.returncode == 0 and "\r" not in r.stderr


def test_demo_names_what_the_first_call_paid_for():
    r = run("demo", "--digits", "200000")  # 664k bits: past FUSED_MIN_BITS, the kernels load
    assert r.returncode == 0
    line = next(x for x in r.stdout.splitlines() if "first call" in x)
    assert "numba" in line and "tables" not in line


def test_licence_file_matches_the_metadata():
    root = Path(__file__).resolve().parents[1]
    assert "MIT License" in (root / "LICENSE").read_text()
    assert 'license = { text = "MIT" }' in (root / "pyproject.toml").read_text()
