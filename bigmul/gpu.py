"""Optional GPU engine: float64 cuFFT products through CuPy, with the CPU engine's bounds and guards.

What this is for: ``method="gpu"`` on huge operands -- raw bytes go to the
device, are cut into limbs there, transformed with cuFFT, rounded, checked
(round-off distance, magnitude), carried down to final limbs on the device,
packed back to bytes and downloaded once.  The finished product gets the
same modular check on the host as every CPU product.
What it is not for: small operands (transfer and launch costs dominate) or
machines without CUDA; bigmul imports and works fully without CuPy.

Enabling: ``method="gpu"`` always asks for it (and raises
:class:`GPUUnavailableError`, saying what is missing, when it cannot run).
``auto`` uses it only when ``BIGMUL_GPU=1`` is set, a device is present and
the smaller operand has at least ``tuning.GPU_MIN_BITS`` bits.  A device
failure (out of memory, CUDA error) or a tripped guard falls back to the CPU
engines and is counted (``fallback_cpu`` / ``trip_*``).

Limb widths come from ``bounds.fft_limb_bits``: the same Percival bound as
the CPU path (cuFFT's float64 error per level is of the same order as
pocketfft's; the round-off guard verifies every run regardless).
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

from .digits import balance, bytes_to_limbs, limbs_to_bytes

__all__ = ["GPUUnavailableError", "DeviceFailure", "gpu_status", "gpu_enabled", "gpu_info",
           "gpu_int_product", "gpu_float_convolve", "INSTALL_HINT"]

INSTALL_HINT = "install CuPy for your CUDA version, e.g. pip install 'bigmul[gpu]' (cupy-cuda12x)"


class GPUUnavailableError(RuntimeError):
    """``method="gpu"`` was asked for where it cannot run; the message says why and how to fix it."""


class DeviceFailure(Exception):
    """The device could not finish (out of memory, CUDA error): the caller falls back to the CPU."""


def _device() -> Any:
    """The device array module (CuPy).  Tests replace this with a numpy stand-in."""
    import cupy

    return cupy


@lru_cache(maxsize=1)
def _probe() -> tuple[bool, str]:
    try:
        dev = _device()
    except ImportError:
        return False, f"CuPy is not installed ({INSTALL_HINT})"
    except Exception as exc:  # noqa: BLE001 - a broken CUDA install must not break import
        return False, f"CuPy failed to import: {type(exc).__name__}: {exc}"
    try:
        n = dev.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001
        return False, f"no usable CUDA device ({type(exc).__name__}: {exc})"
    if n < 1:
        return False, "CuPy is installed but no CUDA device is visible"
    return True, "ok"


def gpu_status() -> tuple[bool, str]:
    """``(True, 'ok')`` when the GPU engine can run here, else ``(False, reason)``."""
    return _probe()


def gpu_enabled() -> bool:
    """Whether ``auto`` may use the GPU: ``BIGMUL_GPU=1`` and a device present."""
    return os.environ.get("BIGMUL_GPU", "") == "1" and gpu_status()[0]


def gpu_info() -> dict[str, str]:
    """Device, CuPy and CUDA versions, or why the engine is unavailable (for ``bigmul info``)."""
    ok, why = gpu_status()
    if not ok:
        return {"gpu": f"unavailable: {why}"}
    dev = _device()
    out = {"gpu": "available", "cupy": getattr(dev, "__version__", "?")}
    try:
        props = dev.cuda.runtime.getDeviceProperties(0)
        name = props.get("name", b"?")
        out["device"] = name.decode() if isinstance(name, bytes) else str(name)
        out["memory"] = f"{props.get('totalGlobalMem', 0) / 2**30:.1f} GiB"
        out["cuda runtime"] = str(dev.cuda.runtime.runtimeGetVersion())
    except Exception as exc:  # noqa: BLE001
        out["device"] = f"? ({type(exc).__name__})"
    out["enabled for auto"] = "yes (BIGMUL_GPU=1)" if gpu_enabled() else "no (set BIGMUL_GPU=1)"
    return out


def _free_memory(dev: Any) -> int:
    try:
        free, _total = dev.cuda.Device().mem_info
        return int(free)
    except Exception:  # noqa: BLE001 - stand-ins and odd drivers: do not block
        return 1 << 62


def _oom_types(dev: Any) -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [MemoryError]
    try:
        types.append(dev.cuda.memory.OutOfMemoryError)
    except AttributeError:
        pass
    try:
        types.append(dev.cuda.runtime.CUDARuntimeError)
    except AttributeError:
        pass
    return tuple(types)


def _transform(dev: Any, xb: Any, yb: Any, L: int, n: int) -> tuple[Any, float, float]:
    X = dev.fft.rfft(xb, L)
    if yb is None:
        X *= X
    else:
        X *= dev.fft.rfft(yb, L)
    z = dev.fft.irfft(X, L)[:n]
    r = dev.rint(z)
    z -= r
    err = max(float(z.max()), -float(z.min()))
    mag = max(float(r.max()), -float(r.min()))
    return r, err, mag


def gpu_int_product(a: int, b: int | None, bits: int) -> int:
    """``a * b`` (``b=None``: ``a * a``) for non-negative ints on the device, unchecked by modulus.

    Raises :class:`bigmul.engines.GuardTrip` when the round-off or magnitude
    guard fires and :class:`DeviceFailure` when the device cannot finish.
    """
    from .engines import carry_checked, check_float
    from .fft import transform_length

    dev = _device()
    base = 1 << bits
    na = -(-a.bit_length() // bits)
    nb = na if b is None else -(-b.bit_length() // bits)
    L = transform_length(na + 1, nb + 1)
    need = 48 * L + 16 * (na + nb)
    if need > _free_memory(dev):
        raise DeviceFailure(f"needs about {need / 2**30:.1f} GiB of device memory")
    try:
        def upload(v: int, count: int) -> Any:
            raw = np.frombuffer(v.to_bytes(-(-count // 8) * bits, "little"), dtype=np.uint8)
            return balance(bytes_to_limbs(dev.asarray(raw), bits, count), base)

        xb = upload(a, na)
        yb = None if b is None else upload(b, nb)
        r, err, mag = _transform(dev, xb, yb, L, na + nb + 1)
        check_float(err, mag)
        c = dev.zeros(len(r) + 2, dtype=dev.int64)
        c[: len(r)] = r.astype(dev.int64)
        d = carry_checked(c, base)
        raw = dev.asnumpy(limbs_to_bytes(d, bits))
    except _oom_types(dev) as exc:
        raise DeviceFailure(f"{type(exc).__name__}: {exc}") from None
    return int.from_bytes(raw.tobytes(), "little")


def gpu_float_convolve(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Device version of :func:`bigmul.fft.fft_convolve` for ``convolve(method="gpu")`` (host arrays in/out)."""
    from .fft import transform_length

    dev = _device()
    L = transform_length(len(x), len(y))
    try:
        r, err, mag = _transform(dev, dev.asarray(x), dev.asarray(y), L, len(x) + len(y) - 1)
        return dev.asnumpy(r), err, mag
    except _oom_types(dev) as exc:
        raise DeviceFailure(f"{type(exc).__name__}: {exc}") from None
