"""GPU engine: everything that does not need a device, through a numpy stand-in for CuPy.

The stand-in runs the engine's real code path (upload, limb cutting, balanced
limbs, transforms, guards, carrying and packing on "device" arrays) with
numpy, so argument handling, guards and fallbacks are tested here; the
device-only behaviour (cuFFT accuracy and speed) is checked by
``benchmarks/gpu_check.py`` on a GPU machine, and by ``test_real_device``
when CuPy and a device are present.
"""
from __future__ import annotations

import types

import numpy as np
import pytest

import bigmul
from bigmul import tuning
from bigmul.engines import gpu
from bigmul.plan import plan_int


class _OOM(Exception):
    pass


def make_standin(fail: str | None = None, perturb: bool = False):
    fft = types.SimpleNamespace(rfft=np.fft.rfft, irfft=np.fft.irfft)
    if fail == "oom":
        def boom(*a, **k):
            raise _OOM("out of memory allocating 10 GiB")
        fft.rfft = boom
    if perturb:
        def bad_irfft(X, n):
            z = np.fft.irfft(X, n)
            z[len(z) // 3] += 0.5
            return z
        fft.irfft = bad_irfft
    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: 1,
        getDeviceProperties=lambda i: {"name": b"Stand-in GPU", "totalGlobalMem": 8 * 2**30},
        runtimeGetVersion=lambda: 12040)
    cuda = types.SimpleNamespace(runtime=runtime, memory=types.SimpleNamespace(OutOfMemoryError=_OOM))
    ns = {k: getattr(np, k) for k in dir(np) if not k.startswith("_")}
    ns.update(asarray=np.asarray, asnumpy=np.asarray, fft=fft, cuda=cuda, __version__="stand-in")
    return types.SimpleNamespace(**ns)


@pytest.fixture
def device(monkeypatch):
    def use(**kw):
        monkeypatch.setattr(gpu, "_device", lambda: make_standin(**kw))
        gpu._probe.cache_clear()
    yield use
    gpu._probe.cache_clear()


def test_without_cupy_gpu_raises_a_clear_error(monkeypatch):
    def no_cupy():
        raise ImportError("No module named 'cupy'")

    monkeypatch.setattr(gpu, "_device", no_cupy)
    gpu._probe.cache_clear()
    try:
        for call in (lambda: bigmul.multiply(3**1000, 7, method="gpu"),
                     lambda: bigmul.square("12345", method="gpu"),
                     lambda: bigmul.convolve([1, 2], [3], method="gpu")):
            with pytest.raises(bigmul.GPUUnavailableError, match=r"CuPy is not installed .*bigmul\[gpu\]"):
                call()
        assert bigmul.multiply(3**100000, 7) == 7 * 3**100000  # everything else works
        assert not gpu.gpu_enabled()
    finally:
        gpu._probe.cache_clear()


@pytest.mark.parametrize("bits", [100, 5000, 200_000, 2_000_000])
def test_gpu_path_exact_on_standin(device, bits):
    device()
    for a, b in (((1 << bits) - 1, (1 << bits) - 1), (3 ** (bits // 2), -(7 ** (bits // 3)))):
        assert bigmul.multiply(a, b, method="gpu") == a * b
        assert bigmul.square(b, method="gpu") == b * b
    st = bigmul.guard_stats()
    assert st["checks"] >= 4 and "fallback_cpu" not in st


def test_gpu_decimal_and_convolve_on_standin(device, no_str_limit):
    device()
    s, t = "9" * 30_000, "-" + "5" * 20_001
    assert bigmul.multiply(s, t, method="gpu") == str(int(s) * int(t))
    x = np.arange(3000) % 997
    assert np.array_equal(bigmul.convolve(x, x[::-1].copy(), method="gpu"), np.convolve(x, x[::-1]))


def test_device_failure_falls_back_to_cpu(device):
    device(fail="oom")
    a, b = 3**200_000, 7**150_000
    assert bigmul.multiply(a, b, method="gpu") == a * b
    st = bigmul.guard_stats()
    assert st["device_failure"] == 1 and st["fallback_cpu"] == 1
    assert bigmul.multiply("9" * 20_000, "9" * 20_000, method="gpu").startswith("9" * 19_999 + "8")
    assert bigmul.guard_stats()["device_failure"] == 2


def test_device_roundoff_guard_falls_back(device):
    device(perturb=True)
    a, b = 3**200_000, 7**150_000
    assert bigmul.multiply(a, b, method="gpu") == a * b
    st = bigmul.guard_stats()
    assert st["trip_roundoff"] == 1 and st["fallback_cpu"] == 1


def test_auto_uses_gpu_only_when_enabled_and_large(device, monkeypatch):
    device()
    big = tuning.current.GPU_MIN_BITS + 10
    monkeypatch.delenv("BIGMUL_GPU", raising=False)
    assert plan_int(big, big).method == "fft"
    monkeypatch.setenv("BIGMUL_GPU", "1")
    assert plan_int(big, big).method == "gpu"
    assert plan_int(1000, 1000).method == "int"
    assert plan_int(tuning.current.GPU_MIN_BITS - 1, big).method == "fft"
    from bigmul.plan import plan_str

    d = tuning.current.GPU_STR_MIN_DIGITS
    assert plan_str(d, d).method == "gpu" and plan_str(d - 1, d).method == "fft"
    monkeypatch.delenv("BIGMUL_GPU")
    assert plan_str(d, d).method == "fft"


def test_info_reports_device(device, capsys):
    device()
    from bigmul.tools.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "Stand-in GPU" in out and "12040" in out and "set BIGMUL_GPU=1" in out


def test_gpu_check_script_runs_on_standin(device, tmp_path, monkeypatch, capsys):
    import runpy
    import sys
    from pathlib import Path

    device()
    script = Path(__file__).parents[1] / "benchmarks" / "gpu_check.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--sizes", "1e4", "3e4", "--text-sizes", "2e4",
                                      "--crossover", "1e4", "--repeats", "1", "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(script), run_name="__main__")
    assert info.value.code == 0
    text = (tmp_path / "gpu_check.txt").read_text()
    assert "Stand-in GPU" in text and "missing fallback counts: 0" in text and "30,000" in text
    assert "20,000" in text and "crossover" in text and "transforms" in text


def test_real_device():
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA device")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no CUDA device: {exc}")
    gpu._probe.cache_clear()
    for bits in (10_000, 1_000_000, 10_000_000):
        a = (1 << bits) - 1
        assert bigmul.multiply(a, a - 5, method="gpu") == a * (a - 5)


# --- the device kernels and guards of the fast path, on the stand-in -------------
@pytest.mark.parametrize("s,b", [(30, 9), (30, 13), (30, 16), (8, 9), (8, 14), (9, 30), (13, 30),
                                 (16, 30), (14, 8), (30, 30), (8, 8)])
def test_repack_matches_int_oracle(s, b):
    import random

    from bigmul.limbs import int_to_limbs

    rng = random.Random(s * 100 + b)
    for bits in (1, s, s + 1, 1000, 33_333):
        n = rng.getrandbits(bits) | 1 << (bits - 1)
        src = int_to_limbs(n, s).astype(np.uint64)
        count = -(-bits // b) + 3  # past the end reads as zero
        got = gpu._repack(np, src, s, b, count)
        want = np.zeros(count, dtype=np.int64)
        ref = int_to_limbs(n, b)
        want[: len(ref)] = ref
        assert got.astype(np.int64).tolist() == want.tolist()


@pytest.mark.parametrize("base", [2**30, 2**8, 10, 2**9])
def test_device_residue_matches_int(base):
    import random

    from bigmul.guards import LIMB_PRIMES

    rng = random.Random(base)
    for n in (1, 4095, 4096, 4097, 50_000):
        w = np.array([rng.randrange(min(base, 2**32)) for _ in range(n)], dtype=np.uint64)
        w[-1] = base - 1
        value = sum(int(x) * base**i for i, x in enumerate(w.tolist())) if n < 5000 else \
            int.from_bytes(w.astype("<u8").tobytes(), "little") if base == 2**64 else None
        for q in LIMB_PRIMES:
            got = gpu._residue(np, w, base, q)
            if value is not None:
                assert got == value % q
            else:  # cross-check against the CPU residue code
                from bigmul.guards import limb_residue

                assert got == limb_residue(w, base, q)


def test_gpu_length_is_smallest_7_smooth():
    def smooth(m):
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        return m == 1

    for n in list(range(1, 600)) + [10**6 + 1, 2**26 + 3]:
        L = gpu._gpu_length(n)
        assert L >= n and smooth(L)
        if n < 600:
            assert all(not smooth(m) for m in range(n, L))


@pytest.mark.parametrize("fast", [True, False])
def test_gpu_int_both_word_paths(device, monkeypatch, fast):
    from bigmul import pylong

    device()
    monkeypatch.setattr(pylong, "available", lambda: fast)
    for a, b in (((1 << 300_000) - 1, (1 << 300_000) - 1), (3**150_001, 7**90_001), (2**30, 2**29),
                 ((1 << 60) - 1, 1)):
        assert gpu.gpu_int_product(a, b, 12) == a * b
        assert gpu.gpu_int_product(a, None, 12) == a * a


@pytest.mark.parametrize("what", ["int", "str"])
def test_device_modular_guard_fires(device, monkeypatch, what, no_str_limit):
    """A carried digit corrupted on the device (still a valid digit) must trip the modular guard."""
    from bigmul import carrying as engines

    device()
    real = engines.carry_checked
    calls = []

    def corrupt(c, base, group=1):  # the first call is the device's; the CPU fallback is left alone
        d = real(c, base, group)
        if not calls:
            d[len(d) // 2] ^= 1
        calls.append(1)
        return d

    monkeypatch.setattr(engines, "carry_checked", corrupt)
    if what == "int":
        a, b = 3**200_000, 7**150_000
        assert bigmul.multiply(a, b, method="gpu") == a * b
    else:
        s, t = "9" * 30_000, "7" * 20_001
        assert bigmul.multiply(s, t, method="gpu") == str(int(s) * int(t))
    st = bigmul.guard_stats()
    assert st["trip_modular"] == 1 and st["fallback_cpu"] == 1 and len(calls) == 1  # the device's call


def test_device_carry_guard_fires(device, monkeypatch):
    """A product word above ba + bb bits is not a product of the operands: carry guard."""
    from bigmul import carrying as engines

    device()
    real = engines.carry_checked

    def too_big(c, base, group=1):
        d = real(c, base, group)
        d[-1] = 1  # the top headroom limb
        return d

    monkeypatch.setattr(engines, "carry_checked", too_big)
    a, b = 3**100_000, 5**80_000
    assert bigmul.multiply(a, b, method="gpu") == a * b
    assert bigmul.guard_stats()["trip_carry"] == 1


def test_gpu_decimal_goes_through_device_path(device, no_str_limit, monkeypatch):
    device()
    calls = []
    real = gpu.gpu_decimal_product
    monkeypatch.setattr(gpu, "gpu_decimal_product", lambda *a: calls.append(a) or real(*a))
    for s, t in (("1" + "0" * 9999, "1" + "0" * 4999), ("9" * 12_345, "9" * 12_345), ("123", "456")):
        assert bigmul.multiply(s, t, method="gpu") == str(int(s) * int(t))
        assert bigmul.square(s, method="gpu") == str(int(s) ** 2)
    assert len(calls) == 6


def test_profile_records_stages(device):
    device()
    gpu.profile(True)
    bigmul.multiply(3**100_000, 7**90_000, method="gpu")
    bigmul.multiply("7" * 20_000, "3" * 20_000, method="gpu")
    stages = gpu.profile(False)
    for k in ("upload", "check residues", "limbs", "transforms", "carry", "pack", "download", "format"):
        assert k in stages and stages[k] >= 0


def test_pylong_self_check_catches_a_wrong_layout(monkeypatch):
    from bigmul import pylong

    pylong.available.cache_clear()
    try:
        assert pylong.available() is (sys_impl() == "CPython")
        monkeypatch.setattr(pylong, "_OFFSET", pylong._OFFSET - 8)  # a layout change
        pylong.available.cache_clear()
        assert pylong.available() is False
        assert pylong.digits_to_int(np.array([5, 1], dtype=np.uint32)) == 5 + 2**30  # slow path
        monkeypatch.undo()
        monkeypatch.setenv("BIGMUL_PYLONG", "0")
        pylong.available.cache_clear()
        assert pylong.available() is False
    finally:
        monkeypatch.undo()
        pylong.available.cache_clear()


def sys_impl():
    import platform

    return platform.python_implementation()


def test_pylong_round_trip():
    import random

    from bigmul import pylong

    if not pylong.available():
        pytest.skip("no zero-copy int access here")
    rng = random.Random(7)
    for bits in (1, 29, 30, 31, 60, 61, 1000, 123_457):
        n = rng.getrandbits(bits) | 1 << (bits - 1)
        v = pylong.digit_view(n)
        assert len(v) == pylong.digit_count(n)
        assert pylong.digits_to_int(v.copy()) == n
    with pytest.raises(ValueError):
        pylong.digits_to_int(np.array([1, 0], dtype=np.uint32))
