"""Every speed threshold bigmul's ``auto`` uses, each with the command that measures it.

What this is for: one place to read and change crossovers.  Each value has
one line: what it decides and where its evidence comes from (a ``bigmul
tune`` row, a benchmark script, or the measurements recorded in
``benchmarks/results/tuning_history.md``).  The module-level constants are
the package defaults; :data:`current` holds the values in force -- the
defaults, replaced by the user's config file (written by ``bigmul tune
--write``, named by ``BIGMUL_TUNING``), read once at import by :func:`load`
-- and every caller reads ``tuning.current.NAME`` at the moment it decides,
so a tuned or patched value is what both ``choose_method`` and ``multiply``
use.  Naming: a speed threshold ends in ``_MIN_<unit>`` or ``_MAX_<unit>``
(``BITS``, ``DIGITS``, ``LEN``, ``LIMBS``, ``CHARS``, ``WORK``, ``PIECES``,
``BYTES``); ``tests/test_layout.py`` keeps such names out of other modules.
What it is not for: exactness limits -- those are in ``bounds.py`` and are
never traded for speed here.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields

#: Ints: CPython's ``a * b`` below this many bits in the smaller operand (numba not loaded). ``bigmul tune``, row INT_FFT_MIN_BITS.
INT_FFT_MIN_BITS = 40_000

#: No int crossover below this (the hot path tests it first): a floor, not tuned; history in benchmarks/results/tuning_history.md.
INT_MIN_CROSSOVER_BITS = 1024

#: Ints once the fused kernels are loaded in the process: the float FFT against the Karatsuba engine below it. ``bigmul tune``, row INT_FFT_FUSED_MIN_BITS.
INT_FFT_FUSED_MIN_BITS = 16_000

#: Ints once the kernels are loaded: the Karatsuba engine (``engines/karatsuba.py``) from this many bits in the smaller operand, CPython's ``a * b`` below. ``bigmul tune``, row INT_KARATSUBA_MIN_BITS.
INT_KARATSUBA_MIN_BITS = 4_000

#: The Karatsuba engine's leaves: schoolbook on at most this many 24-bit limbs. ``python benchmarks/karatsuba_leaf.py``.
KARATSUBA_LEAF_MAX_LIMBS = 128

#: Ints may take the small-prime NTT first from this many bits in both operands together, where its
#: power-of-two length is at least NTT_MIN_FILL full (``bigmul bench --kind int --sizes 3e6 1e7 2e7 3e7 1e8
#: --engines bigmul-fft,bigmul-ntt``, with and without ``BIGMUL_THREADS=1``, and unbalanced shapes;
#: history in benchmarks/results/tuning_history.md).
NTT_FUSED_MIN_BITS = 60_000_000
NTT_MIN_FILL = 0.6

#: The small-prime NTT's CRT runs in two halves on two threads from this many coefficients (one pass below). ``bigmul tune --only NTT_CRT_SPLIT_MIN_LIMBS``.
NTT_CRT_SPLIT_MIN_LIMBS = 1 << 16

#: From this many bits in both operands together ints take the small-prime NTT however full its
#: length: the float FFT's working memory passes ~1.3 GB there (a judgement on memory, not a crossover).
NTT_MEMORY_MIN_BITS = 400_000_000

#: A product from this many bits (first operand) starts loading the numba kernels in the background.
#: A one-time trade, not a crossover of two routes (``bigmul tune`` row INT_FFT_FUSED_MIN_BITS times the
#: loaded side): a judgement, history in benchmarks/results/tuning_history.md.
FUSED_MIN_BITS = 100_000

#: The same for text, in digits of the first operand: a judgement, history in benchmarks/results/tuning_history.md.
FUSED_MIN_DIGITS = 2_000_000

#: Text: schoolbook in base 10**k up to this many limbs in the smaller operand. ``bigmul tune``, row STR_DIRECT_MAX_LIMBS.
STR_DIRECT_MAX_LIMBS = 1000

#: The same once the fused kernels are loaded. ``bigmul tune``, row STR_DIRECT_FUSED_MAX_LIMBS.
STR_DIRECT_FUSED_MAX_LIMBS = 64

#: Text of at most this many characters per operand goes through CPython ``int``. ``bigmul tune --only STR_INT_MAX_CHARS`` (history: benchmarks/results/tuning_history.md).
STR_INT_MAX_CHARS = 250

#: Text up to this many characters (longer operand) goes through the stdlib ``decimal``. ``bigmul tune --only STR_DECIMAL_MAX_CHARS`` (history: benchmarks/results/tuning_history.md).
STR_DECIMAL_MAX_CHARS = 8000

#: The same once the fused kernels are loaded. ``bigmul tune --only STR_DECIMAL_FUSED_MAX_CHARS`` (history: benchmarks/results/tuning_history.md).
STR_DECIMAL_FUSED_MAX_CHARS = 2000

#: ``convolve``: int64 schoolbook while ``len(x) * len(y)`` is at most this. ``bigmul tune``, row CONVOLVE_DIRECT_MAX_WORK.
CONVOLVE_DIRECT_MAX_WORK = 1_000_000

#: ``convolve`` past 2**63: Python-int schoolbook up to this work, Kronecker above. ``bigmul tune``, row CONVOLVE_OBJECT_MAX_WORK.
CONVOLVE_OBJECT_MAX_WORK = 2500

#: ``convolve`` on wide int64 values: float-exact pieces while the two counts add up to at most this. ``bigmul tune --only CONVOLVE_MAX_PIECES`` (history: benchmarks/results/tuning_history.md).
CONVOLVE_MAX_PIECES = 12

#: 1-D transforms on mkl_fft / pyFFTW (when installed) from these lengths. ``bigmul tune``, rows FFT_MKL_MIN_LEN, FFT_PYFFTW_MIN_LEN.
FFT_MKL_MIN_LEN = 2_048
FFT_PYFFTW_MIN_LEN = 16_384

#: ``BIGMUL_GPU=1``: ints on the GPU from this many bits. ``python benchmarks/gpu_check.py`` (benchmarks/results/gpu_check_2.txt).
GPU_MIN_BITS = 1_328_772

#: The same for decimal text, in digits. ``python benchmarks/gpu_check.py`` (benchmarks/results/gpu_check_2.txt).
GPU_STR_MIN_DIGITS = 200_000

#: The numpy route takes the operands' residues on the helper thread from this many bits. ``bigmul tune --only OVERLAP_BITS`` (history: benchmarks/results/tuning_history.md).
OVERLAP_BITS = 200_000

#: The two forward transforms run on two threads from this length. ``bigmul tune --only FFT_PARALLEL_MIN_LEN`` (history: benchmarks/results/tuning_history.md).
FFT_PARALLEL_MIN_LEN = 40_960

#: The four-step transform's batched FFTs use every core from this length. ``bigmul tune --only FOURSTEP_PARALLEL_MIN_LEN`` (history: benchmarks/results/tuning_history.md).
FOURSTEP_PARALLEL_MIN_LEN = 309_760

#: The four-step transform from this length (never below ``bounds.FOURSTEP_BOUND_LEN``). ``bigmul tune --only FOURSTEP_MIN_LEN`` (history: benchmarks/results/tuning_history.md).
FOURSTEP_MIN_LEN = 1 << 15

#: Kept transform buffers from this length; fresh allocations below. ``bigmul tune --only KEEP_MIN_LEN`` (history: benchmarks/results/tuning_history.md).
KEEP_MIN_LEN = 1 << 13

#: A product's memory need is checked against the machine's free memory from this many bytes (below,
#: only an explicit limit): a safety/cost judgement, not a crossover; history in benchmarks/results/tuning_history.md.
MEMORY_CHECK_MIN_BYTES = 64 << 20

#: A tripped float guard is retried with narrower limbs only above this width (the NTT below it,
#: where the retry gains little). A judgement, not measured: benchmarks/results/tuning_history.md.
FFT_RETRY_MIN_BITS = 6

#: ``from_str``: levels whose ``hi`` nodes have at most this many bits are joined all at once (one batched transform of every join, ``radix._batch_level``). ``python benchmarks/radix_params.py`` (benchmarks/results/radix_params.txt).
FROM_STR_BATCH_MAX_BITS = 60_000

#: ``from_str``: leaves of this many digits through ``int()``. ``python benchmarks/radix_params.py`` (benchmarks/results/radix_params.txt).
FROM_STR_LEAF_DIGITS = 1024

#: ``to_str``: ``str()`` up to this many bits; leaves of ``TO_STR_LEAF_BITS``; digit-array nodes from
#: ``TO_STR_ARRAY_MIN_DIGITS``. ``python benchmarks/radix_params.py`` (benchmarks/results/radix_params.txt).
TO_STR_INT_MAX_BITS = 14_000
TO_STR_LEAF_BITS = 1024
TO_STR_ARRAY_MIN_DIGITS = 3000

#: ``divmod``: Newton once divisor and quotient have this many bits. ``bigmul tune``, row DIV_NEWTON_MIN_BITS.
DIV_NEWTON_MIN_BITS = 20_000

#: ``divmod``: a block's remainder ``a - q*b`` modulo ``2**K - 1`` (``wrap.mulmod``) from this divisor size, else by the whole product. ``bigmul tune``, row DIV_WRAP_MIN_BITS.
DIV_WRAP_MIN_BITS = 40_000

#: Newton reciprocals start from CPython's ``(1 << 2k) // d`` below this. ``bigmul tune``, row RECIP_DIRECT_BITS.
RECIP_DIRECT_BITS = 4_000

#: ``isqrt``: Zimmermann's root from this many bits. ``bigmul tune``, row ISQRT_NEWTON_MIN_BITS.
ISQRT_NEWTON_MIN_BITS = 20_000


@dataclass
class Thresholds:
    """The thresholds in force (defaults above unless the user's config replaces them)."""

    INT_FFT_MIN_BITS: int = INT_FFT_MIN_BITS
    INT_FFT_FUSED_MIN_BITS: int = INT_FFT_FUSED_MIN_BITS
    INT_KARATSUBA_MIN_BITS: int = INT_KARATSUBA_MIN_BITS
    KARATSUBA_LEAF_MAX_LIMBS: int = KARATSUBA_LEAF_MAX_LIMBS
    NTT_FUSED_MIN_BITS: int = NTT_FUSED_MIN_BITS
    NTT_MIN_FILL: float = NTT_MIN_FILL
    NTT_CRT_SPLIT_MIN_LIMBS: int = NTT_CRT_SPLIT_MIN_LIMBS
    NTT_MEMORY_MIN_BITS: int = NTT_MEMORY_MIN_BITS
    STR_DIRECT_MAX_LIMBS: int = STR_DIRECT_MAX_LIMBS
    STR_DIRECT_FUSED_MAX_LIMBS: int = STR_DIRECT_FUSED_MAX_LIMBS
    STR_INT_MAX_CHARS: int = STR_INT_MAX_CHARS
    STR_DECIMAL_MAX_CHARS: int = STR_DECIMAL_MAX_CHARS
    STR_DECIMAL_FUSED_MAX_CHARS: int = STR_DECIMAL_FUSED_MAX_CHARS
    CONVOLVE_DIRECT_MAX_WORK: int = CONVOLVE_DIRECT_MAX_WORK
    CONVOLVE_OBJECT_MAX_WORK: int = CONVOLVE_OBJECT_MAX_WORK
    CONVOLVE_MAX_PIECES: int = CONVOLVE_MAX_PIECES
    FUSED_MIN_BITS: int = FUSED_MIN_BITS
    FUSED_MIN_DIGITS: int = FUSED_MIN_DIGITS
    FOURSTEP_MIN_LEN: int = FOURSTEP_MIN_LEN
    KEEP_MIN_LEN: int = KEEP_MIN_LEN
    MEMORY_CHECK_MIN_BYTES: int = MEMORY_CHECK_MIN_BYTES
    GPU_MIN_BITS: int = GPU_MIN_BITS
    GPU_STR_MIN_DIGITS: int = GPU_STR_MIN_DIGITS
    OVERLAP_BITS: int = OVERLAP_BITS
    FFT_PARALLEL_MIN_LEN: int = FFT_PARALLEL_MIN_LEN
    FOURSTEP_PARALLEL_MIN_LEN: int = FOURSTEP_PARALLEL_MIN_LEN
    FFT_MKL_MIN_LEN: int = FFT_MKL_MIN_LEN
    FFT_PYFFTW_MIN_LEN: int = FFT_PYFFTW_MIN_LEN
    FFT_RETRY_MIN_BITS: int = FFT_RETRY_MIN_BITS
    FROM_STR_LEAF_DIGITS: int = FROM_STR_LEAF_DIGITS
    FROM_STR_BATCH_MAX_BITS: int = FROM_STR_BATCH_MAX_BITS
    TO_STR_INT_MAX_BITS: int = TO_STR_INT_MAX_BITS
    TO_STR_LEAF_BITS: int = TO_STR_LEAF_BITS
    TO_STR_ARRAY_MIN_DIGITS: int = TO_STR_ARRAY_MIN_DIGITS
    DIV_NEWTON_MIN_BITS: int = DIV_NEWTON_MIN_BITS
    RECIP_DIRECT_BITS: int = RECIP_DIRECT_BITS
    DIV_WRAP_MIN_BITS: int = DIV_WRAP_MIN_BITS
    ISQRT_NEWTON_MIN_BITS: int = ISQRT_NEWTON_MIN_BITS

    def __post_init__(self) -> None:
        # The crossover with the kernels loaded is never above the cold one (a config that lowers
        # INT_FFT_MIN_BITS lowers both), so the hot path reads one of them without a min(); neither
        # is below INT_MIN_CROSSOVER_BITS, which the hot path tests first.
        self.INT_FFT_MIN_BITS = max(self.INT_FFT_MIN_BITS, INT_MIN_CROSSOVER_BITS)
        self.INT_FFT_FUSED_MIN_BITS = max(min(self.INT_FFT_FUSED_MIN_BITS, self.INT_FFT_MIN_BITS),
                                          INT_MIN_CROSSOVER_BITS)
        # The Karatsuba engine's leaves hold 4 to 2**15 limbs (jit_kara.MAX_LIMBS).
        self.KARATSUBA_LEAF_MAX_LIMBS = min(max(self.KARATSUBA_LEAF_MAX_LIMBS, 4), 1 << 15)
        # The four-step bound counts its twiddle stage only from bounds.FOURSTEP_BOUND_LEN.
        from .bounds import FOURSTEP_BOUND_LEN

        self.FOURSTEP_MIN_LEN = max(self.FOURSTEP_MIN_LEN, FOURSTEP_BOUND_LEN)
        # Conversions stay under CPython's 4300-digit int <-> str limit without lifting it.
        self.FROM_STR_LEAF_DIGITS = min(self.FROM_STR_LEAF_DIGITS, 4300)
        self.TO_STR_INT_MAX_BITS = min(self.TO_STR_INT_MAX_BITS, 14_000)
        self.TO_STR_LEAF_BITS = max(8, min(self.TO_STR_LEAF_BITS, self.TO_STR_INT_MAX_BITS) // 8 * 8)  # whole bytes


def config_path() -> str:
    """The user's config file: ``$BIGMUL_TUNING``, else ``~/.config/bigmul/tuning.json``."""
    return os.environ.get("BIGMUL_TUNING") or os.path.join(
        os.path.expanduser("~"), ".config", "bigmul", "tuning.json")


def _read_config(path: str | None = None) -> tuple[dict[str, int], list[str]]:
    """The config file's thresholds, and a line per problem with it.

    No file at the default path is no problem; a file named by
    ``BIGMUL_TUNING`` that is missing, a file that is not a JSON object,
    unknown names and values that are not positive integers (0 is allowed
    for the ``FFT_*_MAX_LEN`` backend ranges: never) are problems.
    """
    named = path or os.environ.get("BIGMUL_TUNING", "").strip() or None
    where = named or config_path()
    try:
        with open(where) as f:
            data = json.load(f)
    except FileNotFoundError:
        return {}, ([f"{where!r} does not exist"] if named else [])
    except (OSError, ValueError) as exc:
        return {}, [f"{where!r} cannot be read as JSON ({exc})"]
    if not isinstance(data, dict):
        return {}, [f"{where!r} must hold a JSON object of threshold names and values"]
    names = {f.name for f in fields(Thresholds)}
    applied: dict[str, int] = {}
    problems = []
    for k, v in data.items():
        if k not in names:
            problems.append(f"{where!r}: unknown threshold {k!r}")
        elif not isinstance(v, int) or isinstance(v, bool) or not (
                v > 0 or (v == 0 and k.startswith("FFT_") and k.endswith("_MAX_LEN"))):
            problems.append(f"{where!r}: {k} must be a positive integer, got {v!r}")
        else:
            applied[k] = v
    return applied, problems


def load(path: str | None = None) -> tuple[Thresholds, dict[str, int]]:
    """The thresholds with the config file's valid values applied, and those values (problems with
    the file are reported by :func:`load_problems`, and raised by ``envvars.check``)."""
    applied, _ = _read_config(path)
    return Thresholds(**applied), applied


def load_problems() -> list[str]:
    """What is wrong with the config file in force (read again now), one line each; empty when fine."""
    return _read_config()[1]


def config_read() -> str:
    """Which config file the thresholds came from, for ``bigmul info``."""
    where = os.environ.get("BIGMUL_TUNING", "").strip() or config_path()
    if USER_OVERRIDES:
        return f"{where} ({len(USER_OVERRIDES)} values applied)"
    return f"{where} ({'rejected' if load_problems() else 'none there' if not os.path.exists(where) else 'no values'})"


#: The thresholds in force, and which of them came from the user's config.
current, USER_OVERRIDES = load()
