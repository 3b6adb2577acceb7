"""Optional GPU engine: float64 cuFFT products through CuPy, with the CPU engine's bounds and guards.

What this is for: ``method="gpu"`` on huge operands.  Ints: the operands' own
30-bit digits (:mod:`bigmul.pylong`, zero copy; their bytes where that is
unavailable) are uploaded once, cut into balanced limbs on the device,
transformed with cuFFT, rounded, checked (round-off distance, magnitude),
carried, cut back into 30-bit digits and downloaded once, straight into the
result int.  Decimal text: the validated digit values are uploaded, cut into
base-``10**k`` limbs, multiplied, carried and formatted as ASCII on the
device, and the text is downloaded once.  The modular check runs on the
device too: residues modulo the two random 31-bit limb primes of the
uploaded words and of the words about to be downloaded, so it covers every
device stage (on a host, ``a % p`` of a 10^8-digit int alone costs 0.1-0.6 s).
What it is not for: small operands (a ~5 ms fixed cost: launches and small
synchronisations) or machines without CUDA; bigmul imports and works fully
without CuPy.

Enabling: ``method="gpu"`` always asks for it (and raises
:class:`GPUUnavailableError`, saying what is missing, when it cannot run).
``auto`` uses it only when ``BIGMUL_GPU=1`` is set, a device is present and
the smaller operand has at least ``tuning.GPU_MIN_BITS`` bits
(``tuning.GPU_STR_MIN_DIGITS`` digits for text).  A device failure (out of
memory, any CUDA/cuFFT error) or a tripped guard falls back to the CPU
engines and is counted (``device_failure`` / ``trip_*``, then ``fallback_cpu``).

Limb widths come from ``bounds.fft_limb_bits``: the same Percival bound as
the CPU path (cuFFT's float64 error per level is of the same order as
pocketfft's; the round-off guard verifies every run regardless).  Measured
on an H200 (benchmarks/results/gpu_check.txt): exact on random, all-max and
balanced-worst operands at 10^6-10^8 digits; 28x gmpy2 at 10^8 digits.
"""
from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from .. import carrying, envvars, pylong
from ..guards import LIMB_PRIMES, DeviceFailure, GuardTrip, check_float, check_product, powers_mod
from ..limbs import balance
from . import with_headroom

__all__ = ["GPUUnavailableError", "coefficients", "gpu_status", "gpu_enabled", "gpu_info",
           "gpu_int_product", "gpu_decimal_product", "gpu_float_convolve", "profile", "INSTALL_HINT"]

INSTALL_HINT = "install CuPy for your CUDA version, e.g. pip install 'bigmul[gpu]' (cupy-cuda12x)"


class GPUUnavailableError(RuntimeError):
    """``method="gpu"`` was asked for where it cannot run; the message says why and how to fix it."""


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
    return bool((envvars.values or envvars.check())["BIGMUL_GPU"]) and gpu_status()[0]


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


def _is_device_error(exc: BaseException, dev: Any) -> bool:
    """Out of memory or any error raised by the device library (CUDA, cuFFT, NVRTC): a device failure."""
    if isinstance(exc, _oom_types(dev)):
        return True
    mod = type(exc).__module__ or ""
    return mod.split(".")[0] in ("cupy", "cupy_backends", "cupyx")


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


def _gpu_length(n: int) -> int:
    """Smallest ``2**a 3**b 5**c 7**d >= n``: the radices cuFFT runs fastest.

    >>> _gpu_length(1000), _gpu_length(1025), _gpu_length(2**20 + 1)
    (1000, 1029, 1049760)
    """
    best = 1 << max(0, (n - 1).bit_length())
    p7 = 1
    while p7 < best:
        p5 = p7
        while p5 < best:
            p3 = p5
            while p3 < best:
                m = p3
                while m < n:
                    m *= 2
                best = min(best, m)
                p3 *= 3
            p5 *= 5
        p7 *= 7
    return best


# --- stage timings (for benchmarks/gpu_check.py) --------------------------------
_PROFILE: dict[str, float] | None = None


def profile(on: bool = True) -> dict[str, float] | None:
    """Start (``on``) or stop recording per-stage seconds of the next GPU products.

    While on, each stage ends with a device synchronisation (slightly slower
    overall); the dict returned by ``profile(False)`` maps stage -> seconds,
    summed over the products run.
    """
    global _PROFILE
    old = _PROFILE
    _PROFILE = {} if on else None
    return old


class _Stage:
    def __init__(self, dev: Any, name: str):
        self.dev, self.name = dev, name

    def __enter__(self) -> None:
        if _PROFILE is not None:
            self._sync()
            self.t = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        if _PROFILE is not None:
            self._sync()
            _PROFILE[self.name] = _PROFILE.get(self.name, 0.0) + time.perf_counter() - self.t

    def _sync(self) -> None:
        try:
            self.dev.cuda.runtime.deviceSynchronize()
        except AttributeError:  # the numpy stand-in has nothing to wait for
            pass


# --- device kernels, written once for CuPy and the numpy stand-in ---------------
def _repack(dev: Any, W: Any, s: int, b: int, count: int) -> Any:
    """Little-endian words of ``s`` bits (each ``< 2**s``) -> ``count`` words of ``b`` bits (uint64).

    Output word ``j`` holds bits ``[j*b, (j+1)*b)`` of the number: gathered
    from the at most ``ceil((b+s-1)/s)`` source words it overlaps, shifted
    and masked.  Bits past the end read as zero.  ``b, s <= 32``.
    """
    m = -(-(b + s - 1) // s)
    Wp = dev.zeros(max(len(W), count * b // s + 1) + m, dtype=dev.uint64)
    Wp[: len(W)] = W
    pos = dev.arange(count, dtype=dev.int64) * b
    w = pos // s
    off = (pos - w * s).astype(dev.uint64)
    del pos
    v = Wp[w] >> off
    for t in range(1, m):  # shifts t*s - off are in [1, b + s - 2] < 64
        v |= Wp[w + t] << dev.subtract(dev.uint64(t * s), off)
    v &= dev.uint64((1 << b) - 1)
    return v


def _residue(dev: Any, W: Any, base: int, q: int) -> int:
    """``sum(W[i] * base**i) mod q`` on the device: words ``< 2**32``, ``q < 2**31``.

    Each product ``W[i] * (base**i mod q) < 2**63`` is reduced mod ``q`` at
    once, summed in blocks of 4096 (``< 2**43``), and the block residues are
    combined with ``(base**4096)**j mod q`` (as ``guards.limb_residue``).
    """
    n = len(W)
    block = 4096
    nb = -(-n // block)
    Q = dev.uint64(q)
    Wp = dev.zeros(nb * block, dtype=dev.uint64)
    Wp[:n] = W
    P = dev.asarray(powers_mod(base % q, q, block))
    t = Wp.reshape(nb, block) * P
    t %= Q
    r = t.sum(axis=1, dtype=dev.uint64) % Q
    B = dev.asarray(powers_mod(pow(base, block, q), q, nb))
    return int(((r * B) % Q).sum(dtype=dev.uint64)) % q


def _residues(dev: Any, W: Any, base: int) -> tuple[int, ...]:
    return tuple(_residue(dev, W, base, q) for q in LIMB_PRIMES)


def _check_residues(ra: tuple[int, ...], rb: tuple[int, ...], rc: tuple[int, ...]) -> None:
    check_product(ra, rb, rc, LIMB_PRIMES)


def _transform(dev: Any, xb: Any, yb: Any, L: int, n: int) -> tuple[Any, float, float]:
    """Linear convolution by real cuFFT, rounded; round-off and magnitude in one host transfer."""
    X = dev.fft.rfft(xb, L)
    if yb is None:
        X *= X
    else:
        X *= dev.fft.rfft(yb, L)
    z = dev.fft.irfft(X, L)[:n]
    del X
    r = dev.rint(z)
    z -= r
    stats = dev.stack([dev.abs(z).max(), dev.abs(r).max()])
    err, mag = (float(v) for v in dev.asnumpy(stats))
    return r, err, mag


def _download_into(arr: Any, out: np.ndarray) -> None:
    if hasattr(arr, "get"):  # CuPy: device -> host straight into ``out``
        arr.get(out=out)
    else:
        out[:] = arr


def _host_words(v: int, fast: bool) -> np.ndarray:
    """The operand as little-endian words: its own 30-bit digits (zero copy) or its bytes."""
    if fast:
        return pylong.digit_view(v)
    return np.frombuffer(v.to_bytes(-(-v.bit_length() // 8), "little"), dtype=np.uint8)


def gpu_int_product(a: int, b: int | None, bits: int) -> int:
    """``a * b`` (``b=None``: ``a * a``) for positive ints on the device, checked.

    The operands' own 30-bit digits (or their bytes where
    :func:`bigmul.pylong.available` is False) are uploaded once, cut into
    ``bits``-bit balanced limbs on the device, transformed with cuFFT,
    rounded, carried and cut back into 30-bit digits (bytes), which are
    downloaded once, straight into the result int.  The modular check runs on
    the device: residues modulo the two limb primes of the uploaded words and
    of the words downloaded, so it covers every device stage.

    Raises :class:`bigmul.guards.GuardTrip` when the round-off, magnitude,
    carry or modular guard fires and :class:`DeviceFailure` when the device
    cannot finish.
    """
    dev = _device()
    fast = pylong.available()
    s = pylong.DIGIT_BITS if fast else 8
    base = 1 << bits
    ba = a.bit_length()
    bb = ba if b is None else b.bit_length()
    na, nb = -(-ba // bits), -(-bb // bits)
    L = _gpu_length(na + nb + 1)
    need = 48 * L + 40 * (na + nb)
    if need > _free_memory(dev):
        raise DeviceFailure(f"needs about {need / 2**30:.1f} GiB of device memory")
    try:
        with _Stage(dev, "upload"):
            wa = _host_words(a, fast)
            A = dev.asarray(wa)
            if b is not None:
                wb = _host_words(b, fast)
                B = dev.asarray(wb)
        with _Stage(dev, "check residues"):
            ra = _residues(dev, A, 1 << s)
            rb = ra if b is None else _residues(dev, B, 1 << s)
        with _Stage(dev, "limbs"):
            xb = balance(_repack(dev, A, s, bits, na).astype(dev.int64), base)
            yb = None if b is None else balance(_repack(dev, B, s, bits, nb).astype(dev.int64), base)
            del A
            if b is not None:
                del B
        with _Stage(dev, "transforms"):
            r, err, mag = _transform(dev, xb, yb, L, na + nb + 1)
            del xb, yb
        check_float(err, mag)
        with _Stage(dev, "carry"):
            c = dev.zeros(len(r) + 2, dtype=dev.int64)
            c[: len(r)] = r.astype(dev.int64)
            del r
            d = carrying.carry_checked(c, base)
        with _Stage(dev, "pack"):
            # The product has ba + bb or ba + bb - 1 bits: words at ``top`` and
            # above must be zero, and the top word is one of the last two.
            top = -(-(ba + bb) // s)
            D = _repack(dev, d, bits, s, top + 2).astype(dev.uint32)
            del d, c
            lo = max(0, top - 2)
            tail = [int(v) for v in dev.asnumpy(D[lo:])]
            if any(tail[top - lo:]):
                raise GuardTrip("carry", 0.0)  # bits above ba + bb: not a product of these operands
            count = top
            while count > lo and tail[count - 1 - lo] == 0:
                count -= 1
            if count == lo or count < top - 1:
                raise GuardTrip("carry", 0.0)  # too short to be the product
            D = D[:count]
        with _Stage(dev, "check residues"):
            _check_residues(ra, rb, _residues(dev, D, 1 << s))
        with _Stage(dev, "download"):
            if fast:
                out = pylong.new_int(count)
                _download_into(D, pylong.fill(out, count))
                return out
            raw = dev.asnumpy(D.astype(dev.uint8))
            return int.from_bytes(raw.tobytes(), "little")
    except Exception as exc:  # noqa: BLE001 - device errors become DeviceFailure, the rest propagate
        if not _is_device_error(exc, dev):
            raise
        raise DeviceFailure(f"{type(exc).__name__}: {exc}") from None


def _decimal_limbs(dev: Any, D: Any, k: int) -> Any:
    """Device digit values (most significant first, no leading zero) -> base ``10**k`` limbs, LSB first."""
    pad = (-len(D)) % k
    if pad:
        Dp = dev.zeros(len(D) + pad, dtype=dev.uint8)
        Dp[pad:] = D
        D = Dp
    m = D.reshape(-1, k)[::-1]
    limbs = m[:, 0].astype(dev.int64)
    for j in range(1, k):
        limbs *= 10
        limbs += m[:, j]
    return limbs


def _decimal_text(dev: Any, d: Any, kk: int) -> Any:
    """Base ``10**kk`` limbs (LSB first) -> device ASCII digits, most significant first, no leading zeros."""
    v = d[::-1].copy()
    out = dev.empty((len(v), kk), dtype=dev.uint8)
    for j in range(kk - 1, -1, -1):
        r = v % 10
        v //= 10
        out[:, j] = r.astype(dev.uint8) + dev.uint8(48)
    flat = out.reshape(-1)
    first = int(dev.argmax((flat != 48).astype(dev.uint8)))
    return flat[first:]


def gpu_decimal_product(da: np.ndarray, db: np.ndarray | None, k: int, group: int) -> str:
    """Decimal text product on the device: digit values in, ASCII digits out (no sign), checked.

    ``da``/``db`` are the validated digit values (uint8, most significant
    first, no leading zeros, non-empty) from ``digits.parse_decimal``; ``db=None``
    squares.  One upload of the digits, base ``10**k`` limbs cut on the
    device, cuFFT, carrying in base ``10**(k*group)``, ASCII formatted on the
    device and downloaded once.  The modular check compares residues of the
    uploaded digits with those of the finished ASCII digits, on the device.
    """
    dev = _device()
    base = 10 ** k
    n1 = -(-len(da) // k)
    n2 = n1 if db is None else -(-len(db) // k)
    L = _gpu_length(n1 + n2 + 1)
    need = 48 * L + 40 * (n1 + n2) * k
    if need > _free_memory(dev):
        raise DeviceFailure(f"needs about {need / 2**30:.1f} GiB of device memory")
    try:
        with _Stage(dev, "upload"):
            DA = dev.asarray(da)
            DB = None if db is None else dev.asarray(db)
        with _Stage(dev, "check residues"):
            ra = _residues(dev, DA[::-1], 10)
            rb = ra if DB is None else _residues(dev, DB[::-1], 10)
        with _Stage(dev, "limbs"):
            xb = balance(_decimal_limbs(dev, DA, k), base)
            yb = None if DB is None else balance(_decimal_limbs(dev, DB, k), base)
            del DA, DB
        with _Stage(dev, "transforms"):
            r, err, mag = _transform(dev, xb, yb, L, n1 + n2 + 1)
            del xb, yb
        check_float(err, mag)
        with _Stage(dev, "carry"):
            c = dev.zeros(len(r) + 2, dtype=dev.int64)
            c[: len(r)] = r.astype(dev.int64)
            del r
            d = carrying.carry_checked(c, base, group)
        with _Stage(dev, "format"):
            text = _decimal_text(dev, d, k * group)
            del d, c
        with _Stage(dev, "check residues"):
            _check_residues(ra, rb, _residues(dev, (text - dev.uint8(48))[::-1], 10))
        with _Stage(dev, "download"):
            return dev.asnumpy(text).tobytes().decode("ascii")
    except Exception as exc:  # noqa: BLE001 - device errors become DeviceFailure, the rest propagate
        if not _is_device_error(exc, dev):
            raise
        raise DeviceFailure(f"{type(exc).__name__}: {exc}") from None


def gpu_float_convolve(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Device version of :func:`bigmul.fft.fft_convolve` for ``convolve(method="gpu")`` (host arrays in/out)."""
    dev = _device()
    L = _gpu_length(len(x) + len(y) - 1)
    try:
        r, err, mag = _transform(dev, dev.asarray(x), dev.asarray(y), L, len(x) + len(y) - 1)
        return dev.asnumpy(r), err, mag
    except Exception as exc:  # noqa: BLE001 - device errors become DeviceFailure, the rest propagate
        if not _is_device_error(exc, dev):
            raise
        raise DeviceFailure(f"{type(exc).__name__}: {exc}") from None


def coefficients(x: np.ndarray, y: np.ndarray | None, base: int,
                 side_job: Callable[[], object] | None = None) -> np.ndarray:
    """The engine interface for host limb arrays (ints and text use the fuller device paths above)."""
    if side_job is not None:
        side_job()
    r, err, mag = gpu_float_convolve(balance(x, base), balance(x if y is None else y, base))
    check_float(err, mag)
    return with_headroom(r)
