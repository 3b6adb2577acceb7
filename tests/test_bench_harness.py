"""The benchmark and tuning harness at tiny sizes: outputs, skips, medians, CLI."""
from __future__ import annotations

import csv
import itertools
import json
import subprocess
import sys

import pytest

from bigmul.tools import bench


def test_median_of_known_values():
    assert bench.median([5.0, 1.0, 3.0]) == 3.0
    assert bench.median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_sweep_reports_median_of_interleaved_times():
    ticks = itertools.count()
    # A fake clock: every reading advances by 1, so each timed call lasts exactly 1 tick
    # per loop iteration; the median must be exactly that.
    res = bench.run_sweep(["int"], [10], ["bigmul", "int"], repeats=5, min_time=0.0,
                          progress=False, timer=lambda: float(next(ticks)))
    assert {r.engine for r in res} == {"bigmul", "int"}
    for r in res:
        assert len(r.times) == 5 and r.number == 1
        assert r.median_s == 1.0 and r.correct is True


def test_missing_comparator_is_skipped_not_failed(monkeypatch):
    monkeypatch.setitem(bench.ENGINES, "ghost", bench.Engine(
        "ghost", ("int", "str"), "no_such_module_bigmul_test", {"int": 10**9, "str": 10**9},
        lambda *a: (lambda: 0)))
    res = bench.run_sweep(["int"], [100], ["bigmul", "ghost"], repeats=2, progress=False)
    ghost = next(r for r in res if r.engine == "ghost")
    assert ghost.skipped == "no_such_module_bigmul_test is not installed"
    assert ghost.median_s is None and ghost.times == []
    assert "-" in bench.format_table(res)


def test_wrong_engine_is_flagged(monkeypatch):
    monkeypatch.setitem(bench.ENGINES, "liar", bench.Engine(
        "liar", ("int",), None, {"int": 10**9}, lambda kind, a, b, sq: (lambda: a * b + 1)))
    res = bench.run_sweep(["int"], [50], ["liar"], repeats=1, progress=False)
    assert res[0].correct is False
    assert "!WRONG" in bench.format_table(res)


def test_outputs_json_csv_png(tmp_path):
    pytest.importorskip("matplotlib")
    res = bench.run_sweep(["int", "str"], [10, 1000], ["bigmul", "int", "decimal"],
                          repeats=3, progress=False)
    paths = bench.write_results(res, tmp_path, {"engines": ["bigmul", "int", "decimal"]})
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["schema"] == bench.SCHEMA
    for key in ("machine", "cpu", "cpu_count", "threads", "python", "versions", "date"):
        assert key in doc["machine"]
    assert {"numpy", "scipy", "bigmul"} <= set(doc["machine"]["versions"])
    row = doc["results"][0]
    for key in ("kind", "shape", "digits", "engine", "median_s", "times", "speedup_vs_int",
                "ratio_vs_gmpy2", "correct", "skipped"):
        assert key in row
    with open(tmp_path / "results.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == bench.CSV_COLUMNS and len(rows) == 1 + len(res)
    png = tmp_path / "results.png"
    assert paths["png"] == str(png) and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_skipped_without_matplotlib(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    res = bench.run_sweep(["int"], [10], ["bigmul"], repeats=1, progress=False)
    paths = bench.write_results(res, tmp_path, {"engines": ["bigmul"]})
    assert "png" not in paths and not (tmp_path / "results.png").exists()
    assert "matplotlib is not installed" in capsys.readouterr().err


def test_cli_bench_and_errors(tmp_path):
    cmd = [sys.executable, "-m", "bigmul", "bench", "--sizes", "10", "100", "--engines", "bigmul,int",
           "--kind", "all", "--repeats", "2", "--out", str(tmp_path), "--no-plot", "--no-progress"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "bigmul/int x" in r.stdout and (tmp_path / "results.json").exists()
    for bad, needle in ((["--engines", "nope"], "unknown engine 'nope'"),
                        (["--sizes", "ten"], "bad size 'ten'"),
                        (["--shapes", "round"], "unknown shape 'round'"),
                        (["--kind", "float"], "invalid choice: 'float'")):
        r = subprocess.run([sys.executable, "-m", "bigmul", "bench", *bad], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr


def test_tune_crossover_logic():
    from bigmul.tools.tune import measure_crossover

    # slow costs n, fast costs 50: fast wins from 100 on.
    import time

    def make(n):
        return (lambda: time.sleep(n * 1e-6)), (lambda: time.sleep(50e-6))

    cross, rows = measure_crossover([10, 100, 1000], make, repeats=3)
    assert cross in (100, 1000) and len(rows) == 3


def test_user_tuning_config_is_read(tmp_path):
    cfg = tmp_path / "tuning.json"
    cfg.write_text(json.dumps({"INT_FFT_MIN_BITS": 2345, "BOGUS": 5, "STR_DIRECT_MAX_LIMBS": "x"}))
    code = ("import bigmul, bigmul.tuning as t;"
            "print(t.current.INT_FFT_MIN_BITS, t.USER_OVERRIDES, bigmul.choose_method(1 << 2400, 1 << 2400).method)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env={**__import__("os").environ, "BIGMUL_TUNING": str(cfg)})
    assert r.stdout.split()[0] == "2345"
    assert "'INT_FFT_MIN_BITS': 2345" in r.stdout and "BOGUS" not in r.stdout
    assert r.stdout.strip().endswith("fft")  # 2401-bit operands now go to the FFT


def test_calibration_counts_from_a_warm_call_not_the_first():
    # An engine whose first call pays a one-time cost (like bigmul's first large product, which
    # loads numba) must still be timed in batches sized by its warm calls.
    import time

    calls = []

    def fn():
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.05)
        return 7

    number, out, dt = bench._calibrate(fn, 0.02)
    assert out == 7 and len(calls) == 2
    assert dt < 0.02 and number > 1
    slow = bench._calibrate(lambda: time.sleep(0.03), 0.02)
    assert slow[0] == 1


def test_tune_text_rows_run_with_and_without_the_fused_kernels(monkeypatch):
    """A tune run loads the fused kernels for its int rows; the text schoolbook rows must still time
    the numpy passes for STR_DIRECT_MAX_LIMBS and the kernels for STR_DIRECT_FUSED_MAX_LIMBS."""
    from bigmul import text
    from bigmul.engines import fused
    from bigmul.tools import tune

    seen = []
    monkeypatch.setattr(text, "multiply_str", lambda s, t, method: seen.append((method, fused.LOADED)) or "")
    before = fused.LOADED
    for make, loaded in ((tune._str_case, False), (tune._str_fused_case, True)):
        seen.clear()
        slow, fast = make(300)
        slow()
        fast()
        assert seen == [("direct", loaded and fused.available()), ("fft", loaded and fused.available())]
        assert fused.LOADED == before
