"""FFT backends for the 1-D transforms, through ``scipy.fft``'s backend protocol.

What this is for: scipy's pocketfft is the default and runs everything;
pyFFTW (extra ``[fftw]``; FFTW itself is GPL) and mkl_fft (extra ``[mkl]``),
when installed, run the 1-D transforms of the lengths where they are faster
-- from ``tuning.current.FFT_PYFFTW_MIN_LEN`` / ``FFT_MKL_MIN_LEN`` up to
the four-step crossover, measured by ``bigmul tune`` (below, their call
overhead loses to pocketfft) -- each with its own good transform lengths.  The four-step
transforms (batched along an axis) stay on scipy, whose batched transforms
are vectorised and threaded.  ``BIGMUL_FFT_BACKEND=scipy`` (or ``pyfftw``,
``mkl``) forces one backend for every 1-D length.
What it is not for: exactness -- every backend runs under the same error
bound (mixed-radix margin included) and the same round-off guard.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.fft as sfft

from .. import bounds, envvars, tuning

try:  # scipy's own binding of pocketfft: the public functions minus their per-call wrapping
    from scipy.fft._pocketfft import pypocketfft as _pocketfft
except ImportError:  # pragma: no cover - another scipy layout: the public API is used
    _pocketfft = None

__all__ = ["NAMES", "load", "installed", "available", "choose", "next_fast_len", "describe", "pocketfft", "rfft", "irfft"]

NAMES = ("scipy", "pyfftw", "mkl")


@lru_cache(maxsize=None)
def load(name: str) -> Any:
    """The backend module for ``scipy.fft.set_backend`` (None for scipy itself); ImportError if missing."""
    if name == "scipy":
        return None
    if name == "pyfftw":
        import pyfftw
        import pyfftw.interfaces.scipy_fft as mod

        pyfftw.interfaces.cache.enable()
        pyfftw.interfaces.cache.set_keepalive_time(60.0)
        pyfftw.config.PLANNER_EFFORT = "FFTW_ESTIMATE"  # MEASURE plans take minutes at large sizes
        return mod
    if name == "mkl":
        import mkl_fft.interfaces.scipy_fft as mod

        return mod
    raise ValueError(f"unknown FFT backend {name!r}; valid: {', '.join(NAMES)}")


def available() -> dict[str, str]:
    """Backend name -> its version, or why it cannot run here."""
    out = {"scipy": f"scipy {__import__('scipy').__version__} (pocketfft)"}
    for name, mod in (("pyfftw", "pyfftw"), ("mkl", "mkl_fft")):
        try:
            load(name)
            out[name] = f"{mod} {getattr(__import__(mod), '__version__', 'installed')}"
        except Exception as exc:  # noqa: BLE001 - a broken install is reported, never fatal
            out[name] = f"not available ({type(exc).__name__})"
    return out


def _forced() -> str | None:
    name: str | None = (envvars.values or envvars.check())["BIGMUL_FFT_BACKEND"]
    return name


def choose(L: int) -> str:
    """The backend that runs a 1-D transform of length ``L``: forced, else the measured ranges, else scipy."""
    forced = _forced()
    if forced:
        try:
            load(forced)
        except ImportError as exc:  # forced but missing: say so, never fall back silently
            raise ValueError(f"BIGMUL_FFT_BACKEND={forced}, but it cannot be used here ({exc}); "
                             f"install bigmul's [{'fftw' if forced == 'pyfftw' else forced}] extra") from None
        return forced
    th = tuning.current
    if L >= tuning.current.FOURSTEP_MIN_LEN:  # the four-step transforms stay on scipy
        return "scipy"
    for name, low in (("mkl", th.FFT_MKL_MIN_LEN), ("pyfftw", th.FFT_PYFFTW_MIN_LEN)):
        if L >= low and installed(name):
            return name
    return "scipy"


@lru_cache(maxsize=None)
def installed(name: str) -> bool:
    """Whether backend ``name`` loads here, tried once per process (a failed import is not cached
    by Python: ~60 us per attempt, paid by every transform when it was tried per call)."""
    try:
        load(name)
        return True
    except ImportError:
        return False


def next_fast_len(n: int) -> int:
    """The transform length for ``n`` points: the good sizes of the backend that would run it."""
    L = sfft.next_fast_len(n, real=True)
    name = choose(L)
    if name == "scipy":
        return L
    own = getattr(load(name), "next_fast_len", None)  # pyFFTW's: FFTW's good sizes; mkl_fft has none
    return L if own is None else int(own(n))


def describe() -> list[str]:
    """One line per backend: what is installed and which 1-D lengths it runs (for ``bigmul info``)."""
    from .. import bounds

    av = available()
    th = tuning.current
    lines = []
    forced = os.environ.get("BIGMUL_FFT_BACKEND", "").strip()
    for name in NAMES:
        if name == "scipy":
            use = "every length not given to another backend; all four-step transforms"
        else:
            low = th.FFT_PYFFTW_MIN_LEN if name == "pyfftw" else th.FFT_MKL_MIN_LEN
            use = (f"1-D lengths {low:,} to {tuning.current.FOURSTEP_MIN_LEN - 1:,}" if low < tuning.current.FOURSTEP_MIN_LEN
                   else "not used (never faster here)") if not av[name].startswith("not") else "-"
            mkl_first = not av["mkl"].startswith("not") and th.FFT_MKL_MIN_LEN <= low
            if name == "pyfftw" and mkl_first and low < tuning.current.FOURSTEP_MIN_LEN:
                use = "not used: mkl_fft runs those lengths first"
        lines.append(f"  {name:<7} {av[name]}; runs: {use}")
    if forced:
        ok = forced.lower() in NAMES
        lines.append(f"  BIGMUL_FFT_BACKEND={forced}: " + ("every 1-D transform" if ok else
                     f"INVALID (must be one of {', '.join(NAMES)}): products refuse to run"))
    return lines


@lru_cache(maxsize=1)
def pocketfft() -> Any:
    """scipy's pocketfft binding when it answers exactly as ``scipy.fft`` does (checked once), else None.

    ``scipy.fft.rfft``/``irfft`` reach pocketfft through the backend
    dispatch, argument normalisation and padding: ~4 us a call, a tenth of a
    whole product at ~10^4 bits.  The binding is private, so it is used only
    after it returned the public functions' results bit for bit here.
    """
    if _pocketfft is None:
        return None
    try:
        x = np.random.default_rng(5).standard_normal(1350)
        X = sfft.rfft(x)
        M = np.ascontiguousarray(np.outer(X[:6], X[:10]))
        out = np.empty_like(M)
        if np.array_equal(_pocketfft.r2c(x, (0,), True, 0, None, 1), X) and \
                np.array_equal(_pocketfft.c2r(X, (0,), 1350, False, 2, None, 1), sfft.irfft(X, 1350)) and \
                np.array_equal(_pocketfft.c2c(M, (1,), True, 0, out, 1), sfft.fft(M, axis=1)) and \
                np.array_equal(_pocketfft.c2c(out, (1,), False, 2, out, 1), sfft.ifft(sfft.fft(M, axis=1), axis=1)):
            return _pocketfft
    except Exception:  # noqa: BLE001 - any difference: the public API
        pass
    return None


def rfft(x: np.ndarray, L: int, out: np.ndarray | None = None) -> np.ndarray:
    """Real forward transform of a 1-D float64 ``x`` (zero padded to ``L``) by the backend for ``L``.

    ``out`` (optional, complex128, ``L // 2 + 1``): a buffer the result may be
    written into (scipy's binding only); always use the returned array.
    """
    name = choose(L)
    if name == "scipy":
        pp = pocketfft()
        if pp is not None and len(x) == L and x.dtype == np.float64 and x.flags.c_contiguous:
            return pp.r2c(x, (0,), True, 0, out, 1)
        return sfft.rfft(x, L)
    with sfft.set_backend(load(name), only=True):
        return sfft.rfft(x, L)


def irfft(X: np.ndarray, L: int, out: np.ndarray | None = None) -> np.ndarray:
    """Inverse real transform of length ``L`` of a 1-D half spectrum ``X`` (may be overwritten).

    ``out`` (optional, float64, ``L``): a buffer the result may be written into.
    """
    name = choose(L)
    if name == "scipy":
        pp = pocketfft()
        if pp is not None and X.dtype == np.complex128 and X.flags.c_contiguous and len(X) == L // 2 + 1:
            return pp.c2r(X, (0,), L, False, 2, out, 1)
        return sfft.irfft(X, L, overwrite_x=True)
    with sfft.set_backend(load(name), only=True):
        return sfft.irfft(X, L)
