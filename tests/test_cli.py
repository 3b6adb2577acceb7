"""The command line, through a subprocess: outputs, exit codes, one-line errors."""
from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str, stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bigmul", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_mul_literals_and_signs():
    r = run("mul", "123", "456")
    assert r.returncode == 0 and r.stdout == "56088\n" and r.stderr == ""
    assert run("mul", "-12", "3").stdout == "-36\n"
    assert run("mul", "--", "-12", "-3").stdout == "36\n"
    assert run("mul", "+0", "-5").stdout == "0\n"


def test_mul_files_stdin_and_output(tmp_path, no_str_limit):
    a = "9" * 100_000
    (tmp_path / "a.txt").write_text(a + "\n")
    r = run("mul", "@" + str(tmp_path / "a.txt"), "-", stdin="-" + "9" * 70_000 + "\n")
    assert r.returncode == 0
    assert r.stdout.strip() == str(-int(a) * int("9" * 70_000))
    out = tmp_path / "p.txt"
    r = run("mul", "@" + str(tmp_path / "a.txt"), "@" + str(tmp_path / "a.txt"), "-o", str(out), "-v")
    assert r.returncode == 0 and r.stdout == ""
    assert out.read_text().strip() == str(int(a) ** 2)
    assert "modular check passed" in r.stderr


@pytest.mark.parametrize("method", ["direct", "fft", "ntt", "auto"])
def test_mul_methods(method):
    r = run("mul", "99999999999999999999", "-123456789", "--method", method)
    assert r.stdout == str(99999999999999999999 * -123456789) + "\n"


def test_explain_walkthrough():
    r = run("explain", "123", "456")
    assert r.returncode == 0
    assert "[1, 2, 3] * [4, 5, 6] = [4, 13, 28, 27, 18]" in r.stdout
    assert "18 + carry 0" in r.stdout and "-> digit 8, carry 1" in r.stdout
    assert "product: 123 * 456 = 56088" in r.stdout
    r = run("explain", "255", "255", "--base", "16")
    assert "[15, 15] * [15, 15] = [225, 450, 225]" in r.stdout and "= 65025" in r.stdout


def test_info_and_help():
    r = run("info")
    assert r.returncode == 0
    for word in ("numpy", "scipy", "methods: auto, direct, fft, ntt", "INT_FFT_MIN_BITS", "NTT"):
        assert word in r.stdout
    for cmd in ("mul", "explain", "info", "demo", "selftest"):
        h = run(cmd, "--help")
        assert h.returncode == 0 and "usage: bigmul" in h.stdout, cmd
    assert run("--help").returncode == 0


def test_demo_small():
    r = run("demo", "--digits", "20000")
    assert r.returncode == 0 and "products equal: True" in r.stdout


@pytest.mark.parametrize("args,needle", [
    (("mul", "12a", "3"), "invalid character 'a' at position 2"),
    (("mul", "1__0", "3"), "invalid character '_' at position 2"),
    (("mul", "", "3"), "empty decimal"),
    (("mul", "3", "0x10"), "invalid character 'x'"),
    (("mul", "1.5", "3"), "invalid character '.'"),
    (("mul", "1e5", "3"), "invalid character 'e'"),
    (("mul", "@/nonexistent/file", "3"), "no such file"),
    (("mul", "@/", "3"), "directory"),
    (("mul", "-", "-"), "only one operand may be '-'"),
    (("mul", "1"), "the following arguments are required"),
    (("mul", "1", "2", "--method", "magic"), "invalid choice: 'magic'"),
    (("mul", "1", "2", "--bogus"), "unrecognized arguments: --bogus"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    ((), "the following arguments are required: COMMAND"),
    (("explain", "1" * 61, "2"), "at most 60"),
    (("explain", "12", "3", "--base", "1"), "base must be >= 2"),
    (("explain", "12", "3", "--base", "ten"), "'ten' is not a whole number"),
    (("demo", "--digits", "5"), "--digits must be between"),
])
def test_bad_input_one_line_exit_2(args, needle):
    r = run(*args, stdin="")
    assert r.returncode == 2, r
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_non_ascii_file(tmp_path):
    p = tmp_path / "u.txt"
    p.write_bytes("12\u0663".encode())
    r = run("mul", "@" + str(p), "2")
    assert r.returncode == 2 and "not ASCII" in r.stderr and "Traceback" not in r.stderr


def test_console_script_entry_point_declared():
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")

    meta = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["bigmul"] == "bigmul.tools.cli:main"
