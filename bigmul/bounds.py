"""Error bounds and exactness limits for every convolution engine.

What this is for: deciding, *before* a transform runs, which limb size and
transform length give an exact product, and stating the arithmetic that says
so as executable code (tested in ``tests/test_bounds.py``).
What it is not for: run-time checking (``guards.py``) or speed tuning
(``tuning.py``).

Floating-point FFT (float64, ``scipy.fft``)
-------------------------------------------
Percival (Math. Comp. 72 (2003), Thm. 5.1) bounds the error of a
floating-point FFT convolution ``z = x * y`` of transform length ``2**N``::

    |z' - z|_inf  <  |x|_2 |y|_2 ((1+e)^(3N) (1+e*sqrt5)^(3N+1) (1+beta)^(3N) - 1)

with ``e = 2**-53`` (unit round-off) and ``beta`` the error of the
pre-computed twiddle factors (pocketfft computes them to within ``e``; we
take ``beta = 2e`` for margin).  For limbs in balanced form, every limb lies
in ``[-B/2, B/2]``, so ``|x|_2 <= (B/2) sqrt(n1)`` and likewise for ``y``.
Transform lengths from ``next_fast_len`` are 2-, 3- and 5-smooth rather than
powers of two; we apply the bound with ``N = ceil(log2 L) + 1`` (one extra
level of margin for the radix-3/5 butterflies) and demand a result
``<= 1/4`` so a rounding to the nearest integer is right with a factor-two
margin, and the run-time round-off guard (threshold ``ROUNDOFF_LIMIT``) can
never trip on a correct run.  The exact coefficients must also stay below
``2**53`` so they are representable: ``min(n1, n2) * (B/2)**2 < 2**53``.

Number-theoretic transform (exact, integer only)
------------------------------------------------
Three primes ``p = c * 2**k + 1`` below ``2**31`` (the 32-bit primes of
libmpdec), so every product of two residues fits in ``uint64``.  A cyclic
convolution of length ``L`` is exact when ``L`` divides every ``p - 1`` and
the true coefficients lie in ``[0, p1 p2 p3)``:
``min(n1, n2) * (B - 1)**2 < p1 * p2 * p3``.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable

__all__ = [
    "EPS", "ROUNDOFF_LIMIT", "percival_bound", "fft_error_bound", "fft_limb_bits",
    "fft_decimal_k", "values_fft_ok", "piece_bits", "NTT_PRIMES", "NTT_MAX_LOG2", "ntt_limit_ok", "direct_fits", "direct_limb_bits",
    "direct_decimal_k", "levels", "stage_twiddle_error", "FOURSTEP_BOUND_LEN", "NTT_INT_BITS", "NTT_DECIMAL_K", "SCALAR_EXACT_DIGITS", "FFT_RETRY_NARROWER_BITS",
   
]

EPS = 2.0 ** -53
#: Largest round-off distance a correct run may show; above it the guard trips.
ROUNDOFF_LIMIT = 0.25
#: Exact integers in float64 stop at 2**53.
FLOAT_EXACT = 2 ** 53


def percival_bound(norm_x: float, norm_y: float, log2_len: int, beta: float = 2 * EPS,
                   stage_beta: float | None = None) -> float:
    """Percival's bound on ``max |z' - z|`` for a float64 FFT convolution.

    ``norm_x``/``norm_y`` are the Euclidean norms of the inputs and
    ``log2_len`` the number of radix-2 levels ``N``.

    >>> percival_bound(1.0, 1.0, 10) < 1e-13
    True
    """
    e = EPS
    N = log2_len
    # log1p/expm1 keep the tiny terms exact enough.  ``stage_beta``: one of the
    # N levels has this twiddle error instead of ``beta`` (the four-step stage).
    tw = 3 * N * math.log1p(beta) if stage_beta is None else \
        3 * (N - 1) * math.log1p(beta) + 3 * math.log1p(max(beta, stage_beta))
    s = 3 * N * math.log1p(e) + (3 * N + 1) * math.log1p(e * math.sqrt(5)) + tw
    return norm_x * norm_y * math.expm1(s)


#: From this real transform length the bound counts the four-step transform
#: (``engines/fourstep.py``) on the power-of-two length ``2**ceil(log2 L)``:
#: pure radix-2 inner transforms plus one twiddle stage, so ``levels``
#: (``ceil(log2 L) + 1``: the margin that covers mixed radices for the 1-D
#: transform) covers the twiddle stage instead, and that one stage's twiddle
#: error is taken as ``4 eps`` (two extended-precision table entries
#: multiplied; measured below 1.7 eps per component).  The four-step runs
#: from ``tuning.FOURSTEP_MIN_LEN``, a speed crossover that is never below this.
FOURSTEP_BOUND_LEN = 1 << 14


def levels(length: int) -> int:
    """Radix-2 levels ``N`` the bound is applied with: ``ceil(log2 L) + 1`` (one level of margin:
    mixed radices for the 1-D transform, the twiddle stage for the four-step one)."""
    return max(1, math.ceil(math.log2(max(length, 2)))) + 1


def stage_twiddle_error(length: int) -> float:
    """The twiddle error of the one extra stage at this length: ``4 eps`` for four-step lengths, else ``2 eps``."""
    return 4 * EPS if length >= FOURSTEP_BOUND_LEN else 2 * EPS


def fft_error_bound(n1: int, n2: int, base: int, length: int, mixed_four_step: bool = False) -> float:
    """Worst-case round-off of a balanced-limb product of ``n1`` x ``n2`` limbs.

    Limbs are in ``[-base/2, base/2]``; ``length`` is the real transform length.

    >>> fft_error_bound(1000, 1000, 2**16, 2048) < 0.25
    True
    """
    half = base / 2
    extra = 1 if mixed_four_step else 0  # mixed-radix inner transforms: their margin level comes back
    return percival_bound(half * math.sqrt(n1), half * math.sqrt(n2), levels(length) + extra,
                          stage_beta=stage_twiddle_error(length))


def fft_ok(n1: int, n2: int, base: int, length: int, mixed_four_step: bool = False) -> bool:
    """True when the bound proves the balanced product exact (with margin).

    ``mixed_four_step``: the four-step transform on a length that is not a
    power of two (mixed-radix row transforms) -- one more level of margin.
    """
    if min(n1, n2) * (base // 2) ** 2 >= FLOAT_EXACT:
        return False
    return fft_error_bound(n1, n2, base, length, mixed_four_step) <= ROUNDOFF_LIMIT


def values_fft_ok(norm_x: float, norm_y: float, n1: int, n2: int, bound: int) -> bool:
    """A float64 FFT convolution of the values themselves is proven exact (``convolve``).

    ``norm_x``/``norm_y``: the sequences' Euclidean norms; ``bound``: a bound
    on every coefficient (``min(n1, n2) * max|x| * max|y|``), which must be
    below ``2**53``.  Percival's bound is taken at the next power-of-two length
    with one more level than it has (the margin for a mixed-radix four-step
    transform), with the four-step stage's twiddle error where that applies.

    >>> values_fft_ok(100.0, 100.0, 10, 10, 10 * 255 * 255), values_fft_ok(2e9, 2e9, 10**4, 10**4, 2**60)
    (True, False)
    """
    if bound >= FLOAT_EXACT:
        return False
    L = 1 << max(1, (n1 + n2 - 2).bit_length())
    return percival_bound(norm_x, norm_y, levels(L) + 1, stage_beta=stage_twiddle_error(L)) <= ROUNDOFF_LIMIT


def piece_bits(n1: int, n2: int, bits_x: int, bits_y: int, max_b: int = 26) -> tuple[int, int, int] | None:
    """Piece width ``b`` and piece counts ``(sx, sy)`` for ``pieces.py``, or None.

    Values of up to ``bits_x`` / ``bits_y`` bits are cut into balanced pieces of
    ``b`` bits, ``s * b >= bits + 2`` of them (``s`` balanced pieces reach
    just below ``2**(s*b - 1)`` in magnitude, so ``2**bits - 1`` needs the
    second extra bit); up to ``min(sx, sy)`` piece products
    are summed into one output, so Percival's bound for one product (pieces of
    magnitude ``2**(b-1)``, the next power-of-two length and one level of
    margin for a mixed radix) times that count must stay below the round-off
    limit, and every sum below ``2**53``.  The fewest pieces, each as narrow as
    those counts allow (more margin at the same cost).

    >>> piece_bits(10**4, 5001, 20, 20)
    (11, 2, 2)
    >>> piece_bits(3, 3, 62, 62)
    (16, 4, 4)
    """
    L = 1 << max(1, (n1 + n2 - 2).bit_length())
    for b in range(max_b, 3, -1):
        sx, sy = -(-(bits_x + 2) // b), -(-(bits_y + 2) // b)
        m = min(sx, sy)
        half = 2.0 ** (b - 1)
        if m * min(n1, n2) * half * half >= FLOAT_EXACT:
            continue
        err = percival_bound(half * math.sqrt(n1), half * math.sqrt(n2), levels(L) + 1,
                             stage_beta=stage_twiddle_error(L))
        if m * err <= ROUNDOFF_LIMIT:
            # The same counts with the narrowest pieces that still fit: more margin, same cost.
            return max(-(-(bits_x + 2) // sx), -(-(bits_y + 2) // sy)), sx, sy
    return None


def fft_limb_bits(bits1: int, bits2: int, *, max_bits: int = 24) -> int:
    """Largest limb width (bits) whose float64 FFT product is provably exact.

    ``bits1``/``bits2`` are the operand sizes in bits.  Returns 0 when not even
    4-bit limbs are safe (far beyond any size that fits in memory).

    >>> fft_limb_bits(10**6, 10**6)  # two operands of 10**6 bits
    14
    """
    return _sandwich(_fft_limb_bits, bits1, bits2, max_bits)


def fft_decimal_k(digits1: int, digits2: int, *, max_k: int = 6) -> int:
    """Largest ``k`` so that base ``10**k`` limbs give a provably exact FFT product.

    >>> fft_decimal_k(10**6, 10**6)
    4
    """
    return _sandwich(_fft_decimal_k, digits1, digits2, max_k)


@lru_cache(maxsize=2048)
def _fft_limb_bits(bits1: int, bits2: int, max_bits: int) -> int:
    return _widest(bits1, bits2, range(max_bits, 3, -1), lambda b: 1 << b)


@lru_cache(maxsize=2048)
def _fft_decimal_k(digits1: int, digits2: int, max_k: int) -> int:
    return _widest(digits1, digits2, range(max_k, 0, -1), lambda k: 10 ** k)


#: Grid of the width caches: sizes rounded to 5 significant bits (steps of 3-6%).
_GRID_BITS = 5


def _grid(n: int) -> tuple[int, int]:
    """``n`` rounded down and up to the grid (equal when ``n`` is on it)."""
    step = 1 << max(0, n.bit_length() - _GRID_BITS)
    down = n - n % step
    return down, down if down == n else down + step


def _sandwich(widest: Callable[[int, int, int], int], size1: int, size2: int, top: int) -> int:
    """``widest(size1, size2, top)``, exact, from a cache that a stream of varying sizes still hits.

    The widest provable width never grows with either size (every term of the
    bound -- limb counts, transform length, levels, the twiddle stage's error
    -- is non-decreasing in them), so when the sizes rounded down and rounded
    up to the grid give the same width, that is the width of the sizes between
    them; only near a step between widths is the exact sizes' width computed.
    (Each computation tries up to 20 widths at ~4 us: a new size cost ~80 us
    before, in a stream like pi's binary splitting where nearly every product
    has new sizes.)
    """
    d1, u1 = _grid(size1)
    d2, u2 = _grid(size2)
    w = widest(u1, u2, top)
    if w == widest(max(d1, 1), max(d2, 1), top):
        return w
    return widest(size1, size2, top)


def _widest(size1: int, size2: int, widths: range, base_of: Callable[[int], int]) -> int:
    """First width (in the order given) whose limbs, base ``base_of(width)``, pass :func:`fft_ok`.

    Sizes are in the width's own units (bits for binary limbs, digits for
    base ``10**k``); each operand gets one extra limb, which balancing may add.
    """
    from scipy.fft import next_fast_len

    for w in widths:
        n1 = -(-max(size1, 1) // w) + 1
        n2 = -(-max(size2, 1) // w) + 1
        if fft_ok(n1, n2, base_of(w), next_fast_len(n1 + n2 - 1, real=True)):
            return w
    return 0


# --- number-theoretic transform -------------------------------------------
#: (prime, primitive root, largest power of two dividing p - 1)
NTT_PRIMES = (
    (2113929217, 5, 25),  # 63 * 2**25 + 1
    (2013265921, 31, 27),  # 15 * 2**27 + 1
    (1811939329, 13, 26),  # 27 * 2**26 + 1
)
#: The Karatsuba engine (``engines/jit_kara.py``): at most 2**15 limbs of 24 bits in the shorter
#: operand, so every coefficient of the product (below n * 2**48) stays below 2**63 in uint64.
KARATSUBA_LIMIT_BITS = 24 << 15

NTT_MAX_LOG2 = min(k for _, _, k in NTT_PRIMES)
NTT_MODULUS = NTT_PRIMES[0][0] * NTT_PRIMES[1][0] * NTT_PRIMES[2][0]
#: NTT limb widths: 24-bit binary limbs and base 10**7 decimal limbs.  Exact
#: for every length the NTT accepts: ``n * (2**24)**2 < NTT_MODULUS`` and
#: ``n * (10**7)**2 < NTT_MODULUS`` for ``n <= 2**NTT_MAX_LOG2`` (checked in
#: tests/test_bounds.py).  Wider limbs would also fit; the widths were not
#: tuned for speed because the NTT only runs after a tripped guard or on request.
NTT_INT_BITS = 24
NTT_DECIMAL_K = 7
#: After a tripped float guard the plan retries with limbs 2 bits narrower
#: (decimal: base 10**(k-1)): the error bound scales with ``B**2``, so the
#: retry has 16x (decimal 100x) more margin than the bound already demanded.
#: (From which width the retry is made at all is ``tuning.FFT_RETRY_MIN_BITS``.)
FFT_RETRY_NARROWER_BITS = 2

#: A decimal text times a text of at most this many digits (``m < 10**17``)
#: is one pass over the long operand's digits in int64 (``fused.decimal_scale``):
#: each step computes ``v = digit * m + carry`` with ``carry < m`` (by induction:
#: ``carry' = v // 10 <= (9m + m - 1) // 10 < m``), so ``v < 10 m <= 10**18 < 2**63``.
SCALAR_EXACT_DIGITS = 17


def ntt_limit_ok(n1: int, n2: int, max_abs_x: int, max_abs_y: int) -> bool:
    """True when a 3-prime NTT recovers every coefficient exactly.

    Signed coefficients are recovered from the symmetric residue, so the
    bound is ``2 * min(n1, n2) * max|x| * max|y| < p1 p2 p3`` and the
    transform length must divide ``2**NTT_MAX_LOG2``.

    >>> ntt_limit_ok(10**6, 10**6, 2**24 - 1, 2**24 - 1)
    True
    """
    length = n1 + n2 - 1
    if length > (1 << NTT_MAX_LOG2):
        return False
    return 2 * min(n1, n2) * max_abs_x * max_abs_y < NTT_MODULUS


def direct_fits(n1: int, n2: int, base: int) -> bool:
    """Whether an int64 schoolbook convolution of ``n1`` x ``n2`` limbs in ``[0, base)`` cannot overflow.

    Every coefficient is at most ``min(n1, n2) * (base - 1)**2``; numpy's int64
    convolution wraps silently at ``2**63``.  The one statement of this limit.

    >>> direct_fits(36, 36, 2**28), direct_fits(37, 37, 2**29)
    (True, False)
    """
    return min(n1, n2) * (base - 1) ** 2 < 2 ** 63


def direct_limb_bits(bits1: int, bits2: int, *, max_bits: int = 30) -> int:
    """Largest limb width for which an int64 schoolbook convolution cannot overflow.

    >>> direct_limb_bits(1000, 1000)  # 36 limbs of 28 bits: 36 * (2**28 - 1)**2 < 2**63
    28
    """
    for b in range(max_bits, 0, -1):
        n1, n2 = -(-max(bits1, 1) // b), -(-max(bits2, 1) // b)
        if direct_fits(n1, n2, 1 << b):
            return b
    return 1


def direct_decimal_k(digits1: int, digits2: int, *, max_k: int = 9) -> int:
    """Largest ``k`` for which an int64 schoolbook convolution in base ``10**k`` cannot overflow.

    >>> direct_decimal_k(10, 10), direct_decimal_k(10**6, 10**6)
    (9, 6)
    """
    for k in range(max_k, 0, -1):
        if direct_fits(-(-digits1 // k), -(-digits2 // k), 10 ** k):
            return k
    return 1
