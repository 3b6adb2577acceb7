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
from bigmul import gpu, tuning
from bigmul.choose import plan_int


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
    return types.SimpleNamespace(asarray=np.asarray, asnumpy=np.asarray, fft=fft, rint=np.rint,
                                 zeros=np.zeros, int64=np.int64, cuda=cuda, __version__="stand-in")


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
    big = tuning.GPU_MIN_BITS + 10
    monkeypatch.delenv("BIGMUL_GPU", raising=False)
    assert plan_int(big, big).method == "fft"
    monkeypatch.setenv("BIGMUL_GPU", "1")
    assert plan_int(big, big).method == "gpu"
    assert plan_int(1000, 1000).method == "int"
    assert plan_int(tuning.GPU_MIN_BITS - 1, big).method == "fft"


def test_info_reports_device(device, capsys):
    device()
    from bigmul.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "Stand-in GPU" in out and "12040" in out and "set BIGMUL_GPU=1" in out


def test_gpu_check_script_runs_on_standin(device, tmp_path, monkeypatch, capsys):
    import runpy
    import sys
    from pathlib import Path

    device()
    script = Path(__file__).parents[1] / "benchmarks" / "gpu_check.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--sizes", "1e4", "3e4", "--repeats", "1",
                                      "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(script), run_name="__main__")
    assert info.value.code == 0
    text = (tmp_path / "gpu_check.txt").read_text()
    assert "Stand-in GPU" in text and "wrong products: 0" in text and "30,000" in text


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
