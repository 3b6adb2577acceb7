"""Every ``bigmul`` subcommand with a bad value for every option: one line on stderr, exit 2.

The option list is read from the parser itself, so a new option is covered
(or this test fails for want of a bad value) the day it is added.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from bigmul.tools import cli

# A value that is wrong for the option (a valid-looking path would start a real run).
BAD_PATH = "/proc/bogus/no-such-dir/x"
BAD = {"out": BAD_PATH, "output": BAD_PATH, "replay": "/no/such/replay.json"}
# Options whose bad value needs other options to be reached at all.
NEEDS = {("mul", "output"): ["12", "34"], ("explain", "base"): ["12", "34"]}


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    p = cli.build_parser()
    (sub,) = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _value_options():
    for name, sp in _subcommands().items():
        for a in sp._actions:
            if a.nargs == 0 or isinstance(a, argparse._HelpAction):
                continue
            yield name, a


CASES = []
for _cmd, _action in _value_options():
    _flag = _action.option_strings[-1] if _action.option_strings else None
    _bad = BAD.get(_action.dest, "bogus")
    if _flag is None:  # positional operand: A or B of mul/explain
        _argv = [_cmd, _bad, "12"] if _action.dest == "a" else [_cmd, "12", _bad]
    else:
        _argv = [_cmd, *NEEDS.get((_cmd, _action.dest), []), _flag, _bad]
    CASES.append(pytest.param(_argv, id=" ".join(_argv)))


def run_main(argv, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_every_option_is_covered():
    names = {(c, a.dest) for c, a in _value_options()}
    assert ("bench", "out") in names and ("mul", "output") in names and ("fuzz", "max_digits") in names
    assert len(CASES) == len(names) >= 20


@pytest.mark.parametrize("argv", CASES)
def test_bad_option_value(argv, capsys):
    code, _out, err = run_main(argv, capsys)
    assert code == 2, (argv, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "error" in lines[0]
    assert "bigmul: bigmul" not in lines[0] and ": error: bigmul:" not in lines[0]


# --- the four tracebacks of the issue, through a real process ------------------
def _cli(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "bigmul", *args], capture_output=True, text=True,
                          env=e, timeout=120)


def test_gpu_without_device_is_one_line():
    from bigmul.engines.gpu import gpu_status

    if gpu_status()[0]:
        pytest.skip("a GPU is present here")
    r = _cli("mul", "99", "98", "--method", "gpu")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "cannot run here" in r.stderr


@pytest.mark.parametrize("limit", ["bogus", "2GB?", "-3M"])
def test_bad_memory_limit_env_is_one_line(limit):
    r = _cli("info", env={"BIGMUL_MEMORY_LIMIT": limit})
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "BIGMUL_MEMORY_LIMIT" in r.stderr


def test_memory_limit_env_forms_and_display():
    r = _cli("info", env={"BIGMUL_MEMORY_LIMIT": "2GB"})
    assert r.returncode == 0 and "memory limit: 2.0 GiB" in r.stdout
    r = _cli("info", env={"BIGMUL_MEMORY_LIMIT": "10M"})
    assert r.returncode == 0 and "memory limit: 10.0 MiB" in r.stdout


def test_bench_bad_out_fails_before_running(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("")
    for out in (BAD_PATH, str(f)):
        # Sizes that would take minutes: the check must come first.
        code, _o, err = run_main(["bench", "--sizes", "1e7", "--out", out, "--no-progress"], capsys)
        assert code == 2 and "--out" in err


def test_explain_huge_base():
    r = _cli("explain", "12", "34", "--base", "100000000000000000000000")
    assert r.returncode == 0, r.stderr
    assert "product: 12 * 34 = 408" in r.stdout


def test_debug_shows_traceback():
    r = _cli("--debug", "mul", "1", "2a")
    assert r.returncode != 0 and "Traceback" in r.stderr
    r = _cli("mul", "1", "2a", "--debug")
    assert "Traceback" in r.stderr


def test_bug_is_one_line_exit_1(monkeypatch, capsys):
    def boom(args):
        raise ZeroDivisionError("planted bug")

    parser = cli.build_parser()
    real = parser.parse_args

    def parse(argv):
        ns = real(argv)
        ns.func = boom
        return ns

    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.setattr(parser, "parse_args", parse)
    code, _o, err = run_main(["info"], capsys)
    assert code == 1 and "internal error" in err and "--debug" in err and len(err.strip().splitlines()) == 1
    # --debug: the traceback for a report, and still exit status 1 for a bug (2 for user errors)
    assert cli.main(["--debug", "info"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError: planted bug" in err


# --- the smaller things ----------------------------------------------------------
def test_demo_digits_accepts_exponent(capsys):
    code, out, _ = run_main(["demo", "--digits", "1e3"], capsys)
    assert code == 0 and "1,000-digit" in out and "products equal: True" in out


def test_bench_engines_all(capsys):
    code, out, _ = run_main(["bench", "--engines", "all", "--sizes", "50", "--repeats", "1",
                             "--no-progress"], capsys)
    assert code == 0
    header = out.splitlines()[0]
    for e in ("bigmul-fft", "bigmul-ntt", "bigmul-direct", "int"):
        assert e in header


def test_mul_file_errors_name_the_file(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text("12a4\n")
    code, _o, err = run_main(["mul", f"@{f}", "3"], capsys)
    assert code == 2 and str(f) in err and "position 2 (counting from 0)" in err
    assert "decimal a " not in err


def test_mul_output_checked_before_multiplying(capsys):
    code, _o, err = run_main(["mul", "12", "34", "-o", BAD_PATH], capsys)
    assert code == 2 and "no such directory" in err


def test_tune_mentions_write(monkeypatch, capsys):
    from bigmul.tools import tune

    monkeypatch.setattr(tune, "run_tune", lambda quick=False: {})
    code, _o, err = run_main(["tune", "--quick"], capsys)
    assert code == 0 and "--write" in err


def test_no_doubled_prefix_on_memory_error(capsys):
    import bigmul

    bigmul.set_memory_limit("1K")
    try:
        code, _o, err = run_main(["mul", "9" * 50_000, "8" * 50_000, "--method", "fft"], capsys)
    finally:
        bigmul.set_memory_limit(None)
    assert code == 2 and err.startswith("bigmul mul: error: ") and "error: bigmul:" not in err


def test_package_metadata_has_author():
    from importlib.metadata import metadata

    md = metadata("bigmul")
    assert "bigmul developers" in (md.get("Author") or md.get("Author-email") or "")


def test_tune_only_measures_the_named_rows(capsys):
    from bigmul.tools.cli import main

    assert main(["tune", "--only", "STR_INT_MAX_CHARS", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "STR_INT_MAX_CHARS" in out and "first" in out and "second" in out
    assert main(["tune", "--only", "NO_SUCH"]) == 2
    assert "no tune row for NO_SUCH" in capsys.readouterr().err
