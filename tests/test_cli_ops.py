"""div, isqrt, convert and pi on the command line; pi end to end; the ops and pi benchmarks run and agree."""
from __future__ import annotations

import math
import subprocess
import sys

import pytest

from bigmul.tools import app_pi


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bigmul", *args], input=stdin, capture_output=True,
                          text=True, timeout=300)


def test_div_literals_files_and_output(tmp_path, no_str_limit):
    r = run("div", "--", "-7", "2")
    assert r.returncode == 0 and r.stdout == "-4\n1\n" and r.stderr == ""
    a, b = 7 ** 50_000, 3 ** 30_000
    (tmp_path / "a.txt").write_text(str(a) + "\n")
    out = tmp_path / "qr.txt"
    r = run("div", "@" + str(tmp_path / "a.txt"), "-", "-o", str(out), stdin=str(b))
    assert r.returncode == 0 and r.stdout == ""
    q, rem = out.read_text().split()
    assert (int(q), int(rem)) == divmod(a, b)


def test_isqrt_and_errors(tmp_path):
    assert run("isqrt", "1" + "0" * 40).stdout == "1" + "0" * 20 + "\n"
    for args, msg in ((("div", "1", "0"), "division by zero"), (("div", "12a", "3"), "position 2"),
                      (("isqrt", "--", "-4"), "negative"), (("div", "@/no/such/file", "3"), "no such file"),
                      (("isqrt", "5", "-o", str(tmp_path / "missing" / "x")), "no such directory")):
        r = run(*args)
        assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_convert_round_trip(tmp_path, no_str_limit):
    n = 3 ** 100_000
    (tmp_path / "n.txt").write_text(str(n) + "\n")
    assert run("convert", str(tmp_path / "n.txt"), str(tmp_path / "n.raw"), "--to", "raw").returncode == 0
    assert int.from_bytes((tmp_path / "n.raw").read_bytes(), "little") == n
    assert run("convert", str(tmp_path / "n.raw"), str(tmp_path / "m.txt"), "--to", "decimal").returncode == 0
    assert (tmp_path / "m.txt").read_text() == str(n) + "\n"
    (tmp_path / "neg.txt").write_text("-5")
    r = run("convert", str(tmp_path / "neg.txt"), str(tmp_path / "x.raw"), "--to", "raw")
    assert r.returncode == 2 and "unsigned" in r.stderr
    r = run("convert", str(tmp_path / "n.txt"), str(tmp_path / "n.txt"), "--to", "raw")
    assert r.returncode == 2 and "different files" in r.stderr
    r = run("convert", str(tmp_path / "n.txt"), str(tmp_path / "y"))
    assert r.returncode == 2 and "--to" in r.stderr


def test_pi_cli(tmp_path):
    r = run("pi", "60")
    assert r.returncode == 0 and r.stdout == "3." + app_pi.format_pi(*app_pi.series(app_pi.terms_for(60), int.__mul__)[1:], 60)[1:] + "\n"
    out = tmp_path / "pi.txt"
    assert run("pi", "2e4", "-o", str(out), "--no-progress").returncode == 0
    assert out.read_text().startswith("3.14159265358979323846")
    assert run("pi", "0").returncode == 2


@pytest.mark.parametrize("digits", [1, 2, 15, 100, 5000, 40_000])
def test_compute_pi_matches_the_reference(digits, no_str_limit):
    text, stages = app_pi.compute_pi(digits)
    _, Q, T = app_pi.series(app_pi.terms_for(digits), int.__mul__)
    assert text == app_pi.format_pi(Q, T, digits)
    assert len(text) == digits and list(stages) == ["series", "isqrt", "division", "digits"]


def test_pi_end_to_end_bench_agrees():
    pytest.importorskip("gmpy2")
    lines: list[str] = []
    res = app_pi.run_pi_end_to_end(3000, repeats=1, out=lines.append, progress=False, memory=False)
    assert res["agree"] and "bigmul" in res["median_s"] and "gmpy2" in res["median_s"]
    assert any("digits agree across engines: True" in line for line in lines)


def test_bench_ops_smoke(tmp_path):
    r = run("bench", "--kind", "ops", "--sizes", "1e3", "2e4", "--repeats", "1", "--no-progress",
            "--engines", "bigmul,gmpy2,int", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "| divmod |" in r.stdout and "| isqrt |" in r.stdout and (tmp_path / "ops.json").exists()
    r = run("bench", "--kind", "ops", "--engines", "nope")
    assert r.returncode == 2 and "unknown engine" in r.stderr
    r = run("bench", "--end-to-end")
    assert r.returncode == 2 and "--app pi" in r.stderr


def test_isqrt_cli_matches_math(no_str_limit):
    n = 7 ** 40_000
    assert int(run("isqrt", str(n)).stdout) == math.isqrt(n)


@pytest.mark.parametrize("n", [1, 2, 255, 256, 257, 513, 5000])
def test_series_ticks_cover_every_term_once(n):
    ticks: list[int] = []
    assert app_pi.series(n, int.__mul__, tick=ticks.append) == app_pi.series(n, int.__mul__)
    assert sum(ticks) == n and max(ticks) <= 256


def test_pi_progress_bar_on_a_terminal_run(tmp_path):
    r = run("pi", "3e5", "-o", str(tmp_path / "pi.txt"))
    assert r.returncode == 0 and "pi:" in r.stderr and "Traceback" not in r.stderr
    assert run("pi", "1").stdout == "3\n"


def test_pi_int_writes_the_digits_as_one_integer(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "bigmul", "pi", "30", "--int"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "314159265358979323846264338327"
