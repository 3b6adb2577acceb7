"""One policy for every BIGMUL_* variable: read and checked once, at first use, whatever the size.

A bad value is refused -- by the library with ``ConfigError`` naming the
variable, by every CLI command with a one-line error and exit status 2 --
never ignored, replaced or half-applied; ``bigmul info`` shows each
variable's value and status and which tuning file it read or rejected.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bigmul import envvars

BAD = [("BIGMUL_THREADS", "abc"), ("BIGMUL_THREADS", "0"), ("BIGMUL_THREADS", "-3"),
       ("BIGMUL_MEMORY_LIMIT", "xyz"), ("BIGMUL_FFT_BACKEND", "nope"), ("BIGMUL_KEEP_BYTES", "abc"),
       ("BIGMUL_CACHE_BYTES", "lots"), ("BIGMUL_GPU", "maybe"), ("BIGMUL_NUMBA", "no"),
       ("BIGMUL_PYLONG", "2")]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BIGMUL_")}
    return subprocess.run([sys.executable, "-m", "bigmul", *args], capture_output=True, text=True,
                          timeout=300, env={**full, **env})


@pytest.mark.parametrize("name,value", BAD)
def test_the_cli_refuses_a_bad_value_even_for_a_tiny_product(name, value):
    r = run("mul", "2", "3", env={name: value})
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout == ""
    assert name in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Warning" not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("digits", [10**5, 10**6])
def test_the_library_refuses_bad_threads_at_every_size(monkeypatch, digits):
    monkeypatch.setenv("BIGMUL_THREADS", "abc")
    import bigmul

    a = 7 ** int(digits / 0.845)  # ~digits decimal digits
    with pytest.raises(envvars.ConfigError, match="BIGMUL_THREADS='abc' must be a positive integer"):
        bigmul.multiply(a, a + 1)


def test_the_check_runs_once_and_reload_reads_again(monkeypatch):
    monkeypatch.setenv("BIGMUL_THREADS", "3")
    assert envvars.get("BIGMUL_THREADS") == 3
    os.environ["BIGMUL_THREADS"] = "5"  # not through monkeypatch: read again only after reload()
    try:
        assert envvars.get("BIGMUL_THREADS") == 3
        envvars.reload()
        assert envvars.get("BIGMUL_THREADS") == 5
    finally:
        os.environ["BIGMUL_THREADS"] = "3"
        envvars.reload()


def test_info_shows_every_variable_and_refuses_a_bad_one():
    r = run("info", env={"BIGMUL_FFT_BACKEND": "nope"})
    assert r.returncode == 2
    line = next(ln for ln in r.stdout.splitlines() if "BIGMUL_FFT_BACKEND" in ln)
    assert "nope" in line and "INVALID" in line
    for name in envvars.VARIABLES:
        assert name in r.stdout
    ok = run("info", env={"BIGMUL_THREADS": "2"})
    assert ok.returncode == 0, ok.stderr
    assert any("BIGMUL_THREADS" in ln and " ok" in ln for ln in ok.stdout.splitlines())
    assert "tuning file:" in ok.stdout


@pytest.mark.parametrize("content,why", [(None, "does not exist"), ("{not json", "cannot be read as JSON"),
                                         (json.dumps({"INT_FFT_MIN_BITS": -5}), "must be a positive integer"),
                                         (json.dumps({"NO_SUCH_THRESHOLD": 5}), "unknown threshold"),
                                         (json.dumps([1, 2]), "JSON object")])
def test_a_missing_or_broken_tuning_file_is_refused(tmp_path, content, why):
    path = tmp_path / "tuning.json"
    if content is not None:
        path.write_text(content)
    r = run("mul", "2", "3", env={"BIGMUL_TUNING": str(path)})
    assert r.returncode == 2 and why in r.stderr, r.stderr
    info = run("info", env={"BIGMUL_TUNING": str(path)})
    assert info.returncode == 2 and why in info.stdout and "rejected" in info.stdout or content is None


def test_a_good_tuning_file_is_applied_and_named(tmp_path):
    path = tmp_path / "tuning.json"
    path.write_text(json.dumps({"INT_FFT_MIN_BITS": 50_000}))
    r = run("info", env={"BIGMUL_TUNING": str(path)})
    assert r.returncode == 0, r.stderr
    assert f"{path} (1 values applied)" in r.stdout
    assert "INT_FFT_MIN_BITS = 50000 (from the user config)" in r.stdout


def test_unknown_variables_are_listed_not_fatal():
    r = run("info", env={"BIGMUL_THREAD": "2"})  # a typo
    assert r.returncode == 0
    assert any("BIGMUL_THREAD " in ln and "unknown" in ln for ln in r.stdout.splitlines())
