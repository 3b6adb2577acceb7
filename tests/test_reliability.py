"""Reliability suite: GMP-style geometric size sweep, fault injection at scale, bad-input catalogue.

Default run: sweep to ~2*10^5 bits and a few hundred injections.  Deep run
(``--run-slow``): sweep to ~4*10^6 bits and thousands of injections (about
two minutes each).
"""
from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest

import bigmul
from bigmul.tools import fuzz
from bigmul.tools.faults import inject


def _geometric(lo: int, hi: int) -> list[int]:
    out, n = [], lo
    while n <= hi:
        out.append(n)
        n = max(n + 1, n * 33 // 32)
    return out


def _runs_operand(bits: int, seed: int) -> int:
    return fuzz._fam_runs(random.Random(seed), bits)


def _to_text(n: int) -> str:
    return fuzz._int_to_decimal(n)


def _sweep(max_bits: int, methods: tuple[str, ...], text_every: int) -> int:
    count = 0
    for i, bits in enumerate(_geometric(64, max_bits)):
        a = _runs_operand(bits, i)
        b = a  # squares checked against a product of two copies
        want = fuzz._ref_product(a, a)
        for m in methods:
            if m == "direct" and bits > 60_000:
                continue
            assert bigmul.square(a, method=m) == want, (bits, m, "square")
            assert bigmul.multiply(a, b + 0, method=m) == want, (bits, m, "product")
            count += 2
        if i % text_every == 0:
            s = _to_text(a)
            want_s = _to_text(want)
            for m in methods:
                if m == "direct" and bits > 60_000:
                    continue
                assert bigmul.square(s, method=m) == want_s, (bits, m, "str square")
                assert bigmul.multiply(s, s[:], method=m) == want_s, (bits, m, "str product")
                count += 2
    return count


def test_geometric_sweep_default():
    n = _sweep(200_000, ("auto", "direct", "fft", "ntt"), text_every=8)
    assert n > 800
    st = bigmul.guard_stats()
    assert not any(k.startswith(("trip", "fallback", "retry")) for k in st), st


@pytest.mark.slow
def test_geometric_sweep_deep():
    _sweep(4_000_000, ("auto", "fft", "ntt"), text_every=4)


FAULT_PLAN = [("perturb", "fft"), ("shift", "fft"), ("drop_carry", "fft"), ("drop_carry", "ntt"),
              ("wide_limbs", "fft"), ("float32", "fft"), ("ntt_corrupt", "ntt")]


def _inject_many(rounds: int, max_bits: int) -> dict[str, int]:
    rng = random.Random(77)
    applied = 0
    detected = 0
    injections = 0
    for r in range(rounds):
        fault, method = FAULT_PLAN[r % len(FAULT_PLAN)]
        bits = rng.randint(50_000, max_bits)
        a = fuzz._fam_uniform(rng, bits)
        b = fuzz._fam_runs(rng, rng.randint(50_000, max_bits))
        if fault == "wide_limbs":
            # Too-wide limbs corrupt a product only when the data is large enough
            # in balanced form; the balanced worst case makes sure it does.
            a, b = (1 << bits) // 3 * 2, int("10" * (bits // 2), 2)
        kind = rng.choice(["int", "str"]) if fault not in ("ntt_corrupt",) else "int"
        bigmul.reset_guard_stats()
        with inject(fault, position=rng.randrange(1 << 30)) as rec:
            if kind == "int":
                got, want = bigmul.multiply(a, b, method=method), fuzz._ref_product(a, b)
            else:
                s, t = _to_text(a), _to_text(b)
                got, want = bigmul.multiply(s, t, method=method), _to_text(fuzz._ref_product(a, b))
        assert got == want, (fault, method, kind, bits)
        st = bigmul.guard_stats()
        trips = sum(v for k, v in st.items() if k.startswith("trip_"))
        injections += rec.applied  # the fault stays active through the retries
        if rec.applied:
            applied += 1
            assert trips >= 1, (fault, method, kind, st)  # every applied fault is detected
            assert any(k.startswith(("retry", "fallback")) for k in st)  # ... and recomputed
            detected += 1
    return {"rounds": rounds, "applied": applied, "detected": detected, "injections": injections}


def test_fault_injection_at_scale_default():
    res = _inject_many(rounds=140, max_bits=300_000)
    assert res["applied"] >= 120 and res["detected"] == res["applied"]


@pytest.mark.slow
def test_fault_injection_at_scale_deep():
    res = _inject_many(rounds=1200, max_bits=600_000)
    assert res["detected"] == res["applied"] >= 1100
    assert res["injections"] >= 2000  # thousands of injected faults, every one caught


# --- bad-input catalogue: >= 40 malformed inputs across the API and the CLI ----------
_MB_GARBAGE = "7" * 500_000 + "\u2603" + "1" * 500_000
API_CATALOGUE = [
    # (description, call, exception, message fragment)
    ("bool operand", lambda: bigmul.multiply(True, 3), TypeError, "not bool"),
    ("numpy bool", lambda: bigmul.multiply(np.bool_(True), 3), TypeError, "not bool"),
    ("float operand", lambda: bigmul.multiply(2.0, 3), TypeError, "not float"),
    ("NaN operand", lambda: bigmul.multiply(float("nan"), 3), TypeError, "not float"),
    ("inf operand", lambda: bigmul.multiply(3, float("inf")), TypeError, "not float"),
    ("complex operand", lambda: bigmul.multiply(1j, 3), TypeError, "not complex"),
    ("None operand", lambda: bigmul.multiply(None, 3), TypeError, "not NoneType"),
    ("bytes operand", lambda: bigmul.multiply(b"12", b"3"), TypeError, "not bytes"),
    ("list operand", lambda: bigmul.multiply([1], 3), TypeError, "not list"),
    ("int with str", lambda: bigmul.multiply(3, "4"), TypeError, "both be decimal str"),
    ("unknown method", lambda: bigmul.multiply(3, 4, method="schoolbook"), ValueError, "valid methods"),
    ("method not str", lambda: bigmul.square(3, method=1), ValueError, "valid methods"),
    ("empty string", lambda: bigmul.multiply("", "1"), ValueError, "empty decimal"),
    ("sign only", lambda: bigmul.multiply("-", "1"), ValueError, "sign but no digits"),
    ("double sign", lambda: bigmul.multiply("--5", "1"), ValueError, "position 1"),
    ("letter", lambda: bigmul.multiply("12z", "1"), ValueError, "'z' at position 2"),
    ("decimal point", lambda: bigmul.multiply("1.5", "1"), ValueError, "'.' at position 1"),
    ("exponent", lambda: bigmul.multiply("1e9", "1"), ValueError, "'e' at position 1"),
    ("hex prefix", lambda: bigmul.multiply("0x1", "1"), ValueError, "'x' at position 1"),
    ("inner space", lambda: bigmul.multiply("1 2", "1"), ValueError, "' ' at position 1"),
    ("double underscore", lambda: bigmul.multiply("1__2", "1"), ValueError, "position 2"),
    ("leading underscore", lambda: bigmul.multiply("_12", "1"), ValueError, "position 0"),
    ("trailing underscore", lambda: bigmul.multiply("12_", "1"), ValueError, "position 2"),
    ("NUL byte", lambda: bigmul.multiply("1\x002", "1"), ValueError, "position 1"),
    ("Arabic-Indic digits", lambda: bigmul.multiply("\u0661\u0662", "1"), ValueError, "position 0"),
    ("fullwidth digit", lambda: bigmul.multiply("1\uff12", "1"), ValueError, "position 1"),
    ("superscript digit", lambda: bigmul.multiply("2\u00b2", "1"), ValueError, "position 1"),
    ("megabyte garbage", lambda: bigmul.multiply(_MB_GARBAGE, "1"), ValueError, "position 500000"),
    ("long garbage no digits", lambda: bigmul.multiply("x" * 10**6, "1"), ValueError, "position 0"),
    ("to_digits negative", lambda: bigmul.to_digits(-5, 10), ValueError, "non-negative"),
    ("to_digits base 1", lambda: bigmul.to_digits(5, 1), ValueError, "base must be >= 2"),
    ("to_digits base 0", lambda: bigmul.to_digits(5, 0), ValueError, "base must be >= 2"),
    ("to_digits float base", lambda: bigmul.to_digits(5, 2.0), TypeError, "base must be an integer"),
    ("from_digits out of range", lambda: bigmul.from_digits([1, 10], 10), ValueError, "outside [0, 10)"),
    ("from_digits negative digit", lambda: bigmul.from_digits([-1], 10), ValueError, "outside"),
    ("from_digits float dtype", lambda: bigmul.from_digits(np.array([1.0]), 10), TypeError, "integer dtype"),
    ("from_digits 2-D", lambda: bigmul.from_digits(np.ones((2, 2), int), 10), ValueError, "1-D"),
    ("carry negative coeff", lambda: bigmul.carry([-1], 10), ValueError, "non-negative"),
    ("carry base 1", lambda: bigmul.carry([1], 1), ValueError, "base must be >= 2"),
    ("convolve 2-D", lambda: bigmul.convolve(np.ones((2, 2), int), [1]), ValueError, "1-D"),
    ("convolve float dtype", lambda: bigmul.convolve(np.array([0.5]), [1]), TypeError, "integer dtype"),
    ("convolve bool dtype", lambda: bigmul.convolve(np.array([True]), [1]), TypeError, "boolean"),
    ("convolve str", lambda: bigmul.convolve("123", [1]), TypeError, "sequence of integers"),
    ("convolve None element", lambda: bigmul.convolve([1, None], [1]), TypeError, "not an integer"),
    ("convolve unknown method", lambda: bigmul.convolve([1], [1], method="fast"), ValueError, "valid methods"),
    ("memory limit zero", lambda: bigmul.set_memory_limit(0), ValueError, "positive"),
]


@pytest.mark.parametrize("desc,call,exc,msg", API_CATALOGUE, ids=[c[0] for c in API_CATALOGUE])
def test_api_bad_input(desc, call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)
    assert len(str(info.value)) < 300  # never the whole offending input


def test_catalogue_size():
    assert len(API_CATALOGUE) + len(CLI_CATALOGUE) >= 40


CLI_CATALOGUE = [
    (["mul", "12x", "3"], "'x' at position 2"),
    (["mul", "@/definitely/missing.txt", "3"], "no such file"),
    (["mul", "@/tmp", "3"], "directory"),
    (["mul", "-", "-"], "only one operand"),
    (["mul", "3"], "required"),
    (["mul", "3", "4", "--method", "gpu2"], "invalid choice"),
    (["mul", "3", "4", "--nonsense"], "unrecognized arguments"),
    (["mul", "3", "4", "-o", "/definitely/missing/dir/out.txt"], "cannot write"),
    (["explain", "1" * 100, "2"], "at most 60"),
    (["explain", "1", "2", "--base", "0"], "base must be >= 2"),
    (["bench", "--sizes", "0"], "out of range"),
    (["bench", "--engines", "abacus"], "unknown engine"),
    (["fuzz", "--max-digits", "0"], "--max-digits must be between"),
    (["fuzz", "--seconds", "-3"], "--seconds must be positive"),
    (["tune", "--bogus"], "unrecognized arguments"),
    (["nosuchcommand"], "invalid choice"),
]


@pytest.mark.parametrize("args,needle", CLI_CATALOGUE, ids=[" ".join(a)[:40] for a, _ in CLI_CATALOGUE])
def test_cli_bad_input(args, needle):
    r = subprocess.run([sys.executable, "-m", "bigmul", *args], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert needle in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_garbage_file(tmp_path):
    p = tmp_path / "garbage.txt"
    p.write_bytes(b"1" * 10**6 + b"\x00" + b"2" * 10)
    r = subprocess.run([sys.executable, "-m", "bigmul", "mul", f"@{p}", "3"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "position 1000000" in r.stderr and len(r.stderr) < 300
