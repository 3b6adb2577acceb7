"""Every threshold bigmul's ``auto`` uses, each with the evidence behind it.

What this is for: one place to read and change crossovers.  Each value names
the machine, the date and the command that measured it.
What it is not for: exactness limits -- those are in ``bounds.py`` and are
never traded for speed here.

Machine "dev-2core": 2-core Intel Xeon (KVM), 24 GB, Python 3.11.7,
numpy 2.4.6, scipy 1.17.1.  Command: ``bigmul tune`` (prints the evidence;
``--write`` stores a machine's own values in a user config read below).
"""
from __future__ import annotations

#: ``auto`` multiplies ints with CPython's own ``a * b`` while the smaller
#: operand has fewer bits than this (CPython's Karatsuba beats the FFT's fixed
#: costs).  dev-2core, 2026-11-26, ``bigmul tune``: medians of 7, a*b vs fft:
#: 20k bits 0.141 vs 0.334 ms; 40k 0.418 vs 0.406; 60k 0.779 vs 0.428 ms.
INT_FFT_MIN_BITS = 40_000

#: Decimal strings: schoolbook (direct) convolution in base 10**k up to this
#: many limbs in the smaller operand, FFT above.  dev-2core, 2026-11-26,
#: ``bigmul tune``: direct vs fft, 4000 digits 0.276 vs 0.281 ms, 8000 digits
#: 0.700 vs 0.430 ms (base 10**7 there: ~1140 limbs).
STR_DIRECT_MAX_LIMBS = 1000

#: Decimal strings with ``auto``: operands of at most this many characters
#: each go through CPython ``int`` (product < 4300 digits, the str limit).
#: dev-2core, 2026-11-26, ``bigmul bench --kind str --sizes 100 1000 2000 3000``:
#: int 60 us vs array path 240 us at 1000 digits; array path ahead from ~2500.
STR_INT_MAX_CHARS = 2000

#: ``convolve(method="auto")``: direct while ``len(x) * len(y)`` is at most
#: this.  dev-2core, 2026-11-26, ``bigmul tune``: n x n values below 1000,
#: direct vs fft, n=800 0.231 vs 0.255 ms, n=1600 0.904 vs 0.358 ms.
CONVOLVE_DIRECT_MAX_WORK = 1_000_000

#: ``auto`` (with ``BIGMUL_GPU=1`` and a device) uses the GPU engine for ints
#: from this many bits in the smaller operand.  NVIDIA H200 with 16 host CPUs
#: (CuPy 14.2, CUDA 13), 2026-11-27, ``python benchmarks/gpu_check.py``
#: (benchmarks/results/gpu_check.txt), medians of 5, GPU vs CPU bigmul:
#: 10^5 digits 5.3 vs 3.4 ms, 3*10^5 digits 5.3 vs 8.4 ms, 10^6 digits 7.3 vs
#: 37 ms.  The GPU's ~5 ms fixed cost (launches and small syncs) is passed at
#: about 2*10^5 digits.
GPU_MIN_BITS = 664_386

#: The same for decimal text, in digits of the smaller operand.  Same run:
#: 10^5 digits 5.3 vs 3.5 ms, 3*10^5 digits 5.7 vs 10.0 ms.
GPU_STR_MIN_DIGITS = 200_000

#: Run the two forward transforms on two threads from this transform length.
#: dev-2core, 2026-11-26: two 5M-point rffts 0.19 s in sequence, 0.12 s on
#: two threads; below ~64k points the thread hand-off costs more than it saves.
FFT_PARALLEL_MIN_LEN = 65_536


def _load_user_config() -> dict[str, int]:
    """Overrides from ``bigmul tune --write`` (``$BIGMUL_TUNING`` or ~/.config/bigmul/tuning.json)."""
    import json
    import os

    path = os.environ.get("BIGMUL_TUNING") or os.path.join(
        os.path.expanduser("~"), ".config", "bigmul", "tuning.json")
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    g = globals()
    applied = {}
    if isinstance(data, dict):
        for k, v in data.items():
            if k.isupper() and k in g and isinstance(v, int) and not isinstance(v, bool) and v > 0:
                g[k] = v
                applied[k] = v
    return applied


#: Thresholds replaced by the user's config file at import (empty: package defaults).
USER_OVERRIDES = _load_user_config()
