"""Every threshold bigmul's ``auto`` uses, each with the evidence behind it.

What this is for: one place to read and change crossovers.  Each value names
the machine, the date and the command that measured it.  The module-level
constants are the package defaults; :data:`current` holds the values in
force -- the defaults, replaced by the user's config file (written by
``bigmul tune --write``), read once at import by :func:`load` -- and every
caller reads ``tuning.current.NAME`` at the moment it decides, so a tuned or
patched value is what both ``choose_method`` and ``multiply`` use.
What it is not for: exactness limits -- those are in ``bounds.py`` and are
never traded for speed here.

Machine "dev-2core": 2-core Intel Xeon (KVM), 24 GB, Python 3.11.7,
numpy 2.4.6, scipy 1.17.1.  Command: ``bigmul tune`` (prints the evidence;
``--write`` stores a machine's own values in a user config read below).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields

#: ``auto`` multiplies ints with CPython's own ``a * b`` while the smaller
#: operand has fewer bits than this (CPython's Karatsuba beats the FFT's fixed
#: costs).  dev-2core, 2026-11-26, ``bigmul tune``: medians of 7, a*b vs fft:
#: 20k bits 0.141 vs 0.334 ms; 40k 0.418 vs 0.406; 60k 0.779 vs 0.428 ms.
INT_FFT_MIN_BITS = 40_000

#: No int crossover is below this many bits (a config asking for less gets
#: this): the FFT's fixed cost (~25 us) is fifty times CPython's 1024-bit
#: product.  ``multiply`` tests this constant first, sparing the threshold
#: lookups on the many tiny products of a binary-splitting computation (pi to
#: 10^6 digits: 350k products below it, ~0.06 us each).
INT_MIN_CROSSOVER_BITS = 1024

#: The same crossover once the fused kernels are loaded in the process (an
#: earlier product from ``plan.FUSED_MIN_BITS`` loaded numba): the FFT path's
#: fixed cost is then ~30 us.  dev-2core, 2026-11-27 (after the per-product
#: bookkeeping was trimmed), best of 5x300 products, fft vs a*b (same operands,
#: ``multiply`` with the crossover forced to 1): 8k bits 38.0 vs 33.4 us; 9k
#: 38.4 vs 37.1; 10k 43.3 vs 44.0; 12k 47.1 vs 62.0; 14k 51.2 vs 79.9 us.  In
#: a stream of mixed sizes the FFT does better than alone: pi to 10^6 digits
#: (the series' products, 7 interleaved runs in one process, medians) 0.545-0.575 s
#: with the crossover at 7k-9k bits against 0.598 s at 10k and 0.593 s at 12k,
#: gmpy2 0.29-0.30 s.
INT_FFT_FUSED_MIN_BITS = 9_000

#: Decimal strings: schoolbook (direct) convolution in base 10**k up to this
#: many limbs in the smaller operand, FFT above.  dev-2core, 2026-11-26,
#: ``bigmul tune``: direct vs fft, 4000 digits 0.276 vs 0.281 ms, 8000 digits
#: 0.700 vs 0.430 ms (base 10**7 there: ~1140 limbs).
STR_DIRECT_MAX_LIMBS = 1000

#: The same once the fused kernels are loaded (the text FFT then has a few
#: tens of microseconds of fixed cost): direct only for very unbalanced
#: products.  dev-2core, 2026-11-27, best of 5, direct vs fft (numba loaded):
#: 3000 x 3000 digits 311 vs 93 us; 100 x 10^5 digits 634 vs 848 us; 300 x
#: 10^5 830 vs 844 us; 1000 x 10^5 1446 vs 845 us; 50 x 10^6 13.9 vs 11.5 ms;
#: ``bigmul tune``'s row (short operand x 10^5 digits, medians of 5): 400
#: digits 1.01 vs 1.13 ms, 800 digits 1.38 vs 1.27 ms (base 10^8 limbs: 64
#: limbs ~ 500 digits).
STR_DIRECT_FUSED_MAX_LIMBS = 64

#: Decimal strings with ``auto``: operands of at most this many characters
#: each go through CPython ``int`` (its quadratic conversions are cheapest
#: for short text).  dev-2core, 2026-11-27, best of 5, text in -> text out,
#: int vs the stdlib decimal module: 100 digits 1.2 vs 2.4 us, 200 digits 3.5
#: vs 3.9, 300 digits 6.9 vs 5.7, 500 digits 17.7 vs 10.3 us.
STR_INT_MAX_CHARS = 250

#: Decimal strings with ``auto``, past ``STR_INT_MAX_CHARS``: while the
#: longer operand has at most this many characters, the stdlib ``decimal``
#: module multiplies them (libmpdec: linear conversions, exact products in
#: C); above, bigmul's array path.  Same runs, decimal vs the array path
#: without numba (a fresh process): 2000 digits 75 vs 246 us, 6000 211 vs 315,
#: 8000 329 vs 378, 10^4 601 vs 411 us, 1.2*10^4 644 vs 483 us.
STR_DECIMAL_MAX_CHARS = 8000

#: The same once the fused kernels are loaded (the text FFT is then one pass
#: in, one pass out): 1000 digits 25 vs 58 us, 2000 75.5 vs 74.4, 4000 251
#: vs 107 us.
STR_DECIMAL_FUSED_MAX_CHARS = 2000

#: ``convolve(method="auto")``: direct while ``len(x) * len(y)`` is at most
#: this.  dev-2core, 2026-11-27, ``bigmul tune``'s cases (values below 1000,
#: direct = the float64 schoolbook, exact below 2**53), direct vs fft: n x n
#: n=800 0.170 vs 0.196 ms, n=1600 0.400 vs 0.217 ms; n x n/2 n=800 0.114 vs
#: 0.147 ms, n=1600 0.249 vs 0.182 ms.
CONVOLVE_DIRECT_MAX_WORK = 1_000_000

#: ``convolve(method="auto")`` with coefficients past ``2**63``: schoolbook
#: on Python ints while ``len(x) * len(y)`` is at most this, Kronecker
#: substitution above.  dev-2core, 2026-11-27, ``bigmul tune`` (n x n values
#: of 70 bits, medians of 7): n=48 0.173 vs 0.201 ms, n=64 0.291 vs 0.232 ms,
#: n=128 1.10 vs 0.38 ms (schoolbook vs Kronecker).
CONVOLVE_OBJECT_MAX_WORK = 2500

#: ``convolve(method="auto")`` on int64 values too wide for a float FFT of
#: them: split them into float-exact pieces while the two piece counts add up
#: to at most this, Kronecker substitution above.  dev-2core, 2026-11-27,
#: pieces vs Kronecker on n x (n/2+1) signed values, medians of 5: n=10^4 at
#: 20 bits 2.6 vs 5.6 ms, 62 bits (10 pieces) 8.9 vs 11.8 ms; n=10^5 at 40
#: bits 73 vs 108 ms, 62 bits 94 vs 131 ms.  Pieces won at every int64 size
#: tried, and int64 values never need more than 12 pieces in all.
CONVOLVE_MAX_PIECES = 12

#: 1-D transforms (lengths below the four-step crossover) run on mkl_fft
#: (extra ``[mkl]``) from this length, and on pyFFTW (extra ``[fftw]``) from
#: ``FFT_PYFFTW_MIN_LEN``, when installed (mkl first where both could); a
#: length at or past the four-step crossover means never.  The four-step
#: transforms stay on scipy's batched, threaded transforms.  dev-2core,
#: 2026-11-27, ``bigmul tune``, one rfft + irfft, medians of 7 (scipy /
#: pyFFTW 0.15 ESTIMATE / mkl_fft 2.3): 1,024: 0.032 / 0.082 / 0.036 ms;
#: 2,048: 0.032 / 0.041 / 0.023; 8,192: 0.105 / 0.211 / 0.090; 16,384:
#: 0.254 / 0.210 / 0.165; 49,152: 0.742 / 0.450 / 0.277; 65,536: 1.60 /
#: 0.96 / 0.76.
FFT_MKL_MIN_LEN = 2_048
FFT_PYFFTW_MIN_LEN = 16_384

#: ``auto`` (with ``BIGMUL_GPU=1`` and a device) uses the GPU engine for ints
#: from this many bits in the smaller operand.  NVIDIA H200 with 16 host CPUs
#: (CuPy 14.2, CUDA 13), 2026-11-27, ``python benchmarks/gpu_check.py``,
#: medians of 5, GPU vs CPU bigmul (four-step transforms and fused passes on
#: the host's 16 cores; benchmarks/results/gpu_check_2.txt): 10^5 digits 5.1
#: vs 2.3 ms, 3*10^5 digits 5.5 vs 4.7 ms, 10^6 digits 8.1 vs 19 ms.  The GPU's
#: ~5 ms fixed cost (launches and small syncs) is passed at about 4*10^5
#: digits.  (The first run, before the CPU engine's four-step transforms,
#: crossed at 2*10^5: benchmarks/results/gpu_check.txt.)
GPU_MIN_BITS = 1_328_772

#: The same for decimal text, in digits of the smaller operand.  Same runs:
#: 10^5 digits 5.3 vs 3.6 ms, 3*10^5 digits 6.1 vs 9.9 ms (GPU vs CPU).
GPU_STR_MIN_DIGITS = 200_000

#: Int products on the numpy passes (numba not loaded) compute the operands'
#: residues for the modular check on a helper thread (during the transforms)
#: from this many bits.  dev-2core, 2026-11-27: ``a % PRIME`` takes 92 us at
#: 2*10^5 bits (the product there takes ~1 ms, a thread hand-off ~50 us);
#: below it the residues run inline.  (The fused path's residues, 2 ns per
#: digit, always run inline: see ``engines/fft.int_product``.)
OVERLAP_BITS = 200_000

#: Run the two forward transforms on two threads from this transform length.
#: dev-2core, 2026-11-26: two 5M-point rffts 0.19 s in sequence, 0.12 s on
#: two threads; below ~64k points the thread hand-off costs more than it saves.
FFT_PARALLEL_MIN_LEN = 65_536

#: The four-step transform's batched FFTs use every core (``workers=``) from
#: this length; below it they run on one thread (and the two operands'
#: forward transforms on two threads from FFT_PARALLEL_MIN_LEN).
FOURSTEP_PARALLEL_MIN_LEN = 1 << 20


#: ``from_str``: leaves of this many digits go through ``int()`` (never past
#: CPython's 4300-digit limit), then are joined pairwise.
#: Measured by ``python benchmarks/radix_params.py`` (benchmarks/results/radix_params.txt).
FROM_STR_LEAF_DIGITS = 1024

#: ``to_str``: ints up to this many bits go through ``str()`` (at most
#: ~4215 digits, under CPython's limit); leaves of the split have
#: ``TO_STR_LEAF_BITS`` bits; decimal nodes are libmpdec ``Decimal`` values
#: while the power they are multiplied by has fewer than
#: ``TO_STR_ARRAY_MIN_DIGITS`` digits, digit arrays through bigmul's decimal
#: engine above.  Measured by ``python benchmarks/radix_params.py``.
TO_STR_INT_MAX_BITS = 14_000
TO_STR_LEAF_BITS = 1024
TO_STR_ARRAY_MIN_DIGITS = 3000

#: ``divmod``: Newton reciprocal division once both the divisor and the
#: quotient have at least this many bits, CPython's ``divmod`` below.
#: ``bigmul tune``'s ``DIV_NEWTON_MIN_BITS`` row.
DIV_NEWTON_MIN_BITS = 20_000

#: Newton reciprocals start from CPython's exact ``(1 << 2k) // d`` below
#: this precision.  ``bigmul tune``'s ``RECIP_DIRECT_BITS`` row.
RECIP_DIRECT_BITS = 4_000

#: ``isqrt``: Zimmermann's square root on bigmul's divisions from this many
#: bits, ``math.isqrt`` below (also its recursion's base case, a quarter of
#: this per half-root).  ``bigmul tune``'s ``ISQRT_NEWTON_MIN_BITS`` row.
ISQRT_NEWTON_MIN_BITS = 20_000


@dataclass
class Thresholds:
    """The thresholds in force (defaults above unless the user's config replaces them)."""

    INT_FFT_MIN_BITS: int = INT_FFT_MIN_BITS
    INT_FFT_FUSED_MIN_BITS: int = INT_FFT_FUSED_MIN_BITS
    STR_DIRECT_MAX_LIMBS: int = STR_DIRECT_MAX_LIMBS
    STR_DIRECT_FUSED_MAX_LIMBS: int = STR_DIRECT_FUSED_MAX_LIMBS
    STR_INT_MAX_CHARS: int = STR_INT_MAX_CHARS
    STR_DECIMAL_MAX_CHARS: int = STR_DECIMAL_MAX_CHARS
    STR_DECIMAL_FUSED_MAX_CHARS: int = STR_DECIMAL_FUSED_MAX_CHARS
    CONVOLVE_DIRECT_MAX_WORK: int = CONVOLVE_DIRECT_MAX_WORK
    CONVOLVE_OBJECT_MAX_WORK: int = CONVOLVE_OBJECT_MAX_WORK
    CONVOLVE_MAX_PIECES: int = CONVOLVE_MAX_PIECES
    GPU_MIN_BITS: int = GPU_MIN_BITS
    GPU_STR_MIN_DIGITS: int = GPU_STR_MIN_DIGITS
    OVERLAP_BITS: int = OVERLAP_BITS
    FFT_PARALLEL_MIN_LEN: int = FFT_PARALLEL_MIN_LEN
    FOURSTEP_PARALLEL_MIN_LEN: int = FOURSTEP_PARALLEL_MIN_LEN
    FFT_MKL_MIN_LEN: int = FFT_MKL_MIN_LEN
    FFT_PYFFTW_MIN_LEN: int = FFT_PYFFTW_MIN_LEN
    FROM_STR_LEAF_DIGITS: int = FROM_STR_LEAF_DIGITS
    TO_STR_INT_MAX_BITS: int = TO_STR_INT_MAX_BITS
    TO_STR_LEAF_BITS: int = TO_STR_LEAF_BITS
    TO_STR_ARRAY_MIN_DIGITS: int = TO_STR_ARRAY_MIN_DIGITS
    DIV_NEWTON_MIN_BITS: int = DIV_NEWTON_MIN_BITS
    RECIP_DIRECT_BITS: int = RECIP_DIRECT_BITS
    ISQRT_NEWTON_MIN_BITS: int = ISQRT_NEWTON_MIN_BITS

    def __post_init__(self) -> None:
        # The crossover with the kernels loaded is never above the cold one (a config that lowers
        # INT_FFT_MIN_BITS lowers both), so the hot path reads one of them without a min(); neither
        # is below INT_MIN_CROSSOVER_BITS, which the hot path tests first.
        self.INT_FFT_MIN_BITS = max(self.INT_FFT_MIN_BITS, INT_MIN_CROSSOVER_BITS)
        self.INT_FFT_FUSED_MIN_BITS = max(min(self.INT_FFT_FUSED_MIN_BITS, self.INT_FFT_MIN_BITS),
                                          INT_MIN_CROSSOVER_BITS)
        # Conversions stay under CPython's 4300-digit int <-> str limit without lifting it.
        self.FROM_STR_LEAF_DIGITS = min(self.FROM_STR_LEAF_DIGITS, 4300)
        self.TO_STR_INT_MAX_BITS = min(self.TO_STR_INT_MAX_BITS, 14_000)
        self.TO_STR_LEAF_BITS = max(8, min(self.TO_STR_LEAF_BITS, self.TO_STR_INT_MAX_BITS) // 8 * 8)  # whole bytes


def config_path() -> str:
    """The user's config file: ``$BIGMUL_TUNING``, else ``~/.config/bigmul/tuning.json``."""
    return os.environ.get("BIGMUL_TUNING") or os.path.join(
        os.path.expanduser("~"), ".config", "bigmul", "tuning.json")


def load(path: str | None = None) -> tuple[Thresholds, dict[str, int]]:
    """The thresholds with the config file's positive integer values applied, and those values.

    A missing or unreadable file, unknown names and non-positive (0 is
    allowed for the ``FFT_*_MAX_LEN`` backend ranges: never) or
    non-integer values are ignored (the defaults stay).
    """
    try:
        with open(path or config_path()) as f:
            data = json.load(f)
    except (OSError, ValueError):
        data = {}
    names = {f.name for f in fields(Thresholds)}
    applied = {k: v for k, v in (data.items() if isinstance(data, dict) else ())
               if k in names and isinstance(v, int) and not isinstance(v, bool)
               and (v > 0 or (v == 0 and k.startswith("FFT_") and k.endswith("_MAX_LEN")))}
    return Thresholds(**applied), applied


#: The thresholds in force, and which of them came from the user's config.
current, USER_OVERRIDES = load()
