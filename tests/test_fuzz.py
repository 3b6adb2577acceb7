"""The fuzzer: deterministic, clean on the real engines, and able to fail with a working replay."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import bigmul
from bigmul.tools import fuzz


def test_stream_is_deterministic():
    a = [fuzz.make_case(7, i, 10_000, fuzz.METHODS, fuzz.KINDS) for i in range(30)]
    b = [fuzz.make_case(7, i, 10_000, fuzz.METHODS, fuzz.KINDS) for i in range(30)]
    assert [(c.kind, c.family, c.method, c.a, c.b) for c in a] == [(c.kind, c.family, c.method, c.a, c.b) for c in b]
    assert len({c.family for c in a}) > 5


def test_every_family_and_kind_appears():
    cases = [fuzz.make_case(3, i, 50_000, fuzz.METHODS, fuzz.KINDS) for i in range(400)]
    assert {c.family for c in cases if c.kind != "convolve"} == set(fuzz.FAMILIES)
    assert {c.family for c in cases if c.kind == "convolve"} == set(fuzz.CONVOLVE_FAMILIES)
    assert {c.kind for c in cases} == set(fuzz.KINDS)
    assert any(isinstance(c.a, str) and c.a.lstrip("+-").startswith("0") for c in cases)
    assert any(isinstance(c.a, str) and c.a.startswith("-") for c in cases)


def test_clean_run_finds_nothing(tmp_path):
    s = fuzz.run(seed=11, cases=150, max_digits=30_000, out_dir=tmp_path, progress=False)
    assert s.cases == 150 and not s.failures
    assert s.digits > 0 and sum(s.by_method.values()) == 150
    assert not list(tmp_path.iterdir())


def _broken_multiply(a, b, *, method="auto"):
    """Wrong by one for operands above 2000 bits (or 600 characters): a deliberate bug."""
    from bigmul import api

    c = api.multiply(a, b, method=method)
    big = (len(a) > 600) if isinstance(a, str) else abs(a).bit_length() > 2000
    if not big:
        return c
    if isinstance(c, str):
        return str(int(c[-3:]) + 1)  # also breaks canonical form: caught either way
    return c + 1


def test_fuzz_with_the_kernels_loaded_runs_the_karatsuba_engine(capsys):
    from bigmul.engines import fused
    from bigmul.tools.cli import main

    if not fused.available():
        pytest.skip("numba kernels not available")
    bigmul.reset_guard_stats()
    assert main(["fuzz", "--kernels", "loaded", "--methods", "auto", "--kinds", "int", "--max-digits", "3000",
                 "--cases", "300", "--no-progress"]) == 0
    assert "mismatches: 0" in capsys.readouterr().out
    assert bigmul.guard_stats().get("checks", 0) > 0  # products ran on checked engines, not CPython's


def test_fuzzer_reports_a_broken_engine_with_a_working_replay(tmp_path):
    s = fuzz.run(seed=5, cases=300, max_digits=20_000, kinds=("int",), out_dir=tmp_path,
                 progress=False, target=_broken_multiply)
    assert len(s.failures) == 1
    f = s.failures[0]
    path = f["replay"]
    from bigmul.engines import fused

    loaded = " --kernels loaded" if fused.loaded() else ""  # the state the case was found in
    assert f["command"] == f"bigmul fuzz --replay {path}{loaded}"
    doc = json.loads(open(path).read())
    assert doc["format"] == "bigmul-fuzz-replay/1" and doc["command"] == f["command"]
    case = fuzz.load_replay(path)
    # Shrunk toward a smaller failing case, still above the bug's threshold.
    assert abs(case.a).bit_length() > 2000
    assert fuzz.replay(path, target=_broken_multiply) is not None  # reproduces
    assert fuzz.replay(path) is None  # the real engine passes it
    r = subprocess.run([sys.executable, "-m", "bigmul", "fuzz", "--replay", path] + loaded.split(),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "replay passes" in r.stdout


def test_exception_is_a_finding(tmp_path):
    def boom(a, b, *, method="auto"):
        raise RuntimeError("engine exploded")

    s = fuzz.run(seed=1, cases=5, kinds=("int",), out_dir=tmp_path, progress=False, target=boom)
    assert s.failures and "RuntimeError: engine exploded" in s.failures[0]["problem"]


def test_injected_faults_are_hidden_by_the_guards(tmp_path):
    s = fuzz.run(seed=9, cases=60, max_digits=200_000, methods=("fft",), kinds=("int", "str"),
                 out_dir=tmp_path, progress=False, inject="shift")
    assert not s.failures
    assert s.guard_stats.get("trip_modular", 0) > 0


def test_cli_exit_status_and_summary(tmp_path):
    r = subprocess.run([sys.executable, "-m", "bigmul", "fuzz", "--cases", "40", "--seed", "3",
                        "--max-digits", "5000", "--out", str(tmp_path), "--no-progress"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    assert "mismatches: 0" in r.stdout and "per family" in r.stdout
    for bad, needle in ((["--methods", "magic"], "unknown method 'magic'"),
                        (["--kinds", "float"], "unknown kind 'float'"),
                        (["--inject", "gremlin"], "unknown fault 'gremlin'"),
                        (["--cases", "0"], "--cases must be positive"),
                        (["--replay", str(tmp_path / "none.json")], "cannot replay"),
                        (["--cases", "5", "--seconds", "1"], "not allowed with argument")):
        r = subprocess.run([sys.executable, "-m", "bigmul", "fuzz", *bad], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, (bad, r.stderr)
    bad_file = tmp_path / "bad.json"
    bad_file.write_text('{"format": "other"}')
    r = subprocess.run([sys.executable, "-m", "bigmul", "fuzz", "--replay", str(bad_file)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "not a bigmul fuzz replay file" in r.stderr


@pytest.mark.slow
def test_deep_fuzz(tmp_path):
    s = fuzz.run(seed=2026, seconds=240, max_digits=2_000_000, out_dir=tmp_path, progress=False)
    assert not s.failures, s.text()


def test_convolve_kind_and_old_name(tmp_path):
    """``--kinds convolve`` (and its old name ``digits``) runs the convolve families against the oracle."""
    s = fuzz.run(seed=4, cases=80, max_digits=3000, kinds=("convolve",), out_dir=tmp_path, progress=False)
    assert s.cases == 80 and not s.failures and set(s.by_kind) == {"convolve"}
    assert fuzz._csv("digits,int", fuzz.KINDS, "kind") == ("convolve", "int")


def test_convolve_oracle_pads_high_zeros():
    """flint's fmpz_poly drops high zero coefficients; the oracle must not."""
    assert fuzz._ref_convolve([1, 0, 0], [2, 0]) == [2, 0, 0, 0]
    assert fuzz._ref_convolve([0], [5]) == [0]
    assert fuzz._ref_convolve_ks([3, -1], [0, 2]) == [0, 6, -2]


def test_convolve_fault_is_hidden(tmp_path):
    s = fuzz.run(seed=6, cases=40, max_digits=3000, kinds=("convolve",), out_dir=tmp_path, progress=False,
                 inject="narrow_slots")
    assert not s.failures
    assert s.guard_stats.get("fallback_object", 0) > 0


def test_operation_kinds_clean_and_faults_hidden(tmp_path):
    s = fuzz.run(seed=4, cases=120, max_digits=150_000, kinds=fuzz.OP_KINDS, out_dir=tmp_path, progress=False)
    assert s.cases == 120 and not s.failures
    s = fuzz.run(seed=4, cases=40, max_digits=150_000, kinds=("div",), out_dir=tmp_path, progress=False,
                 inject="reciprocal")
    assert not s.failures and s.guard_stats.get("trip_division", 0) > 0


def _broken_divmod(a, b):
    import bigmul

    q, r = bigmul.divmod(a, b)
    return (q + 1, r) if abs(a).bit_length() > 3000 else (q, r)


def test_fuzzer_catches_a_broken_division(tmp_path):
    s = fuzz.run(seed=2, cases=200, max_digits=20_000, kinds=("div",), out_dir=tmp_path, progress=False,
                 target=_broken_divmod)
    assert s.failures and "divmod differs" in s.failures[0]["problem"]
    case = fuzz.load_replay(s.failures[0]["replay"])
    assert case.kind == "div" and case.b != 0 and abs(case.a).bit_length() > 3000
    assert fuzz.replay(s.failures[0]["replay"]) is None  # the real divmod passes it
