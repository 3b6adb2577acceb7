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


def test_fuzz_reference_is_exact_and_packs_by_bytes():
    """The convolve reference without flint (Kronecker on CPython ints, fixed-width byte slots)."""
    import random as _random

    from bigmul.tools import fuzz

    rng = _random.Random(7)
    for n1, n2, bits in ((1, 1, 3), (5, 9, 70), (40, 17, 200), (3, 300, 1)):
        x = [rng.randrange(-2 ** bits, 2 ** bits) for _ in range(n1)]
        y = [rng.randrange(-2 ** bits, 2 ** bits) for _ in range(n2)]
        want = [sum(x[i] * y[k - i] for i in range(max(0, k - n2 + 1), min(k, n1 - 1) + 1))
                for k in range(n1 + n2 - 1)]
        assert fuzz._ref_convolve_ks(x, y) == want


def test_fuzz_case_sizes_shrink_as_the_deadline_nears():
    from bigmul.tools.fuzz import size_cap

    caps = [size_cap(10 ** 6, 20.0, t, 10 ** 6) for t in (1.0, 10.0, 19.0, 19.999)]
    assert caps[0] == 10 ** 6 and caps == sorted(caps, reverse=True) and caps[-1] == 64


def test_fuzz_under_seconds_counts_cases_without_a_total(tmp_path):
    import time

    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "bigmul", "fuzz", "--seconds", "3", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert "/0" not in r.stderr and " cases done" in r.stderr
    assert took < 60  # the limit holds (start-up and the last case included), far from minutes


def test_fuzz_ctrl_c_prints_the_partial_summary_then_interrupted(tmp_path):
    import signal
    import time

    p = subprocess.Popen([sys.executable, "-m", "bigmul", "fuzz", "--seconds", "120", "--out", str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130
    assert "cases:" in out and "interrupted" in out  # the summary of what finished
    assert err.splitlines()[-1] == "bigmul fuzz: interrupted"
    assert "/0bigmul" not in err


@pytest.mark.parametrize("short", ["7", "-12345", "99999999999999999", "10000000000000000", "000123"])
def test_a_short_text_times_a_long_one_is_one_pass(short, no_str_limit):
    import random as _random

    from bigmul.engines import fused

    if not fused.available():
        pytest.skip("the one-pass route needs numba")
    rng = _random.Random(len(short))
    long_ = "9" * 30_000 + "".join(rng.choice("0123456789") for _ in range(30_000))
    assert bigmul.choose_method(long_, short).method == "scalar"
    assert bigmul.choose_method(long_, "1" * 18).method != "scalar"  # past bounds.SCALAR_EXACT_DIGITS
    bigmul.reset_guard_stats()
    for a, b in ((long_, short), (short, "-" + long_), ("0" * 5 + long_, short)):
        assert bigmul.multiply(a, b) == str(int(a) * int(b))
    assert bigmul.guard_stats().get("trip_modular", 0) == 0


def test_the_one_pass_route_is_checked(no_str_limit):
    from bigmul.engines import fused
    from bigmul.tools.faults import inject

    if not fused.available():
        pytest.skip("the one-pass route needs numba")
    long_ = "31415926" * 5000
    bigmul.reset_guard_stats()
    with inject("scalar_carry") as rec:
        assert bigmul.multiply(long_, "271828") == str(int(long_) * 271828)
    st = bigmul.guard_stats()
    assert rec.applied == 1 and st["trip_modular"] == 1 and st["fallback_direct"] == 1


def test_a_text_product_tries_the_short_paths_once(monkeypatch):
    from bigmul import api, text

    calls = []
    real = text.small_product
    monkeypatch.setattr(api, "small_product", lambda s, t: calls.append(1) or real(s, t))
    monkeypatch.setattr(text, "small_product", lambda s, t: calls.append(1) or real(s, t))
    a = "7" * 20_000
    assert bigmul.multiply(a, a) == bigmul.square(a)
    assert len(calls) == 2  # once for multiply, once for square
