"""Run-time guards: the modular product check and the counters of every guard.

What this is for: deciding, after the fact and in linear time, whether a
product is right, and counting what fired so tests and users can see it.
What it is not for: the a-priori bounds (``bounds.py``).

Modular check: ``a*b == c`` implies ``(a mod p)(b mod p) == c mod p``.  For
Python ints we use one random prime ``p`` of 62 bits drawn at import (not a
Mersenne prime: errors of the form ``k * 2**j`` must not cancel modulo ``p``;
``2**j mod p`` is never 0 for odd ``p``, so every single-limb error is
caught, and a random ``p`` makes a structured multi-limb error escape with
probability about ``1/p``).  Limb arrays are checked modulo two random
31-bit primes (products of two residues fit in ``uint64``), together about
the same strength, without ever building a Python int.
"""
from __future__ import annotations

import random
import threading
from functools import lru_cache

import numpy as np

from .bounds import FLOAT_EXACT, ROUNDOFF_LIMIT

__all__ = ["GuardTrip", "DeviceFailure", "check_float", "PRIME", "LIMB_PRIMES", "EVAL_POINTS", "is_prime", "random_prime",
           "check_product", "check_int", "powers_mod", "limb_residue", "check_limbs", "count", "stats", "reset_stats"]


class GuardTrip(Exception):
    """A guard rejected a result; ``reason`` is 'roundoff', 'magnitude', 'carry' or 'modular'."""

    def __init__(self, reason: str, value: float):
        super().__init__(f"{reason} guard tripped ({value})")
        self.reason = reason
        self.value = value


class DeviceFailure(Exception):
    """A device (GPU) could not finish (out of memory, CUDA error): the next plan step runs."""


def check_float(err: float, mag: float) -> None:
    """The in-flight guards of a float transform: raise :class:`GuardTrip` if either fails.

    >>> check_float(0.01, 1e6)
    >>> check_float(float("nan"), 1.0)
    Traceback (most recent call last):
    ...
    bigmul.guards.GuardTrip: roundoff guard tripped (nan)
    """
    if not err <= ROUNDOFF_LIMIT:  # also catches NaN
        raise GuardTrip("roundoff", err)
    if not mag < FLOAT_EXACT:
        raise GuardTrip("magnitude", mag)

_MR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)


def is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for ``n < 3.3e24``.

    >>> is_prime(2**61 - 1), is_prime(2**62 + 1)
    (True, False)
    """
    if n < 2:
        return False
    for p in _MR_BASES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(lo: int, hi: int, rng: random.Random) -> int:
    """A random prime in ``[lo, hi)``, never a Mersenne prime."""
    while True:
        n = rng.randrange(lo, hi) | 1
        if is_prime(n) and (n + 1) & n != 0:  # never a Mersenne prime
            return n


_rng = random.SystemRandom()
#: The 62-bit prime for Python-int products, drawn at import.
PRIME = random_prime(2 ** 61, 2 ** 62, _rng)
#: Two 31-bit primes for limb-array products.
LIMB_PRIMES = (random_prime(2 ** 30, 2 ** 31, _rng), random_prime(2 ** 30, 2 ** 31, _rng))
#: One random evaluation point per limb prime, drawn at import (``convolve``'s
#: check evaluates polynomials there).  A wrong result of degree ``d`` passes
#: one prime's check for at most ``d`` of the ``q`` points; the point is drawn
#: independently of any computation, as the primes are.
EVAL_POINTS = {q: _rng.randrange(2, q) for q in LIMB_PRIMES}


def check_product(ra: tuple[int, ...] | list[int], rb: tuple[int, ...] | list[int],
                  rc: tuple[int, ...] | list[int], primes: tuple[int, ...] | list[int]) -> None:
    """The modular check, the one form every product path uses: count it, then raise
    ``GuardTrip("modular")`` unless ``ra[i] * rb[i] == rc[i]`` modulo ``primes[i]`` for every ``i``.

    ``ra``, ``rb``, ``rc``: residues of the operands and the result modulo each
    prime (Python ints, limb arrays, text and device arrays all reduce to these;
    ``convolve`` passes its polynomials' values at the random points).

    >>> check_product((3,), (5,), (15 % 7,), (7,))
    >>> check_product((3,), (5,), (2,), (7,))
    Traceback (most recent call last):
    ...
    bigmul.guards.GuardTrip: modular guard tripped (7.0)
    """
    count("checks")
    for x, y, z, q in zip(ra, rb, rc, primes):
        if x * y % q != z % q:
            raise GuardTrip("modular", float(q))


def check_int(a: int, b: int | None, c: int, p: int | None = None) -> bool:
    """True when ``c == a*b`` passes :func:`check_product` modulo ``p`` (``b=None``: ``a*a``).

    >>> check_int(123, 456, 56088), check_int(123, 456, 56089)
    (True, False)
    """
    p = PRIME if p is None else p
    ra = a % p
    try:
        check_product((ra,), (ra if b is None else b % p,), (c % p,), (p,))
    except GuardTrip:
        return False
    return True


_BLOCK = 4096


def powers_mod(x: int, q: int, n: int) -> np.ndarray:
    """``x**i mod q`` for ``i < n`` as a read-only uint64 array (``q < 2**32``), by doubling.

    >>> powers_mod(3, 7, 5).tolist()
    [1, 3, 2, 6, 4]
    """
    Q = np.uint64(q)
    out: np.ndarray = np.ones(1, dtype=np.uint64)
    step = x % q
    while len(out) < n:
        out = np.concatenate([out, out * np.uint64(step) % Q])
        step = step * step % q
    out = out[:n]
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)
def _block_powers(base: int, q: int) -> np.ndarray:
    """``base**i mod q`` for one block (bounded cache: callers may use random bases)."""
    return powers_mod(base, q, _BLOCK)


def limb_residue(limbs: np.ndarray, base: int, q: int) -> int:
    """``sum(limbs[i] * base**i) mod q`` for little-endian limbs in ``[0, 2**32)``, ``q < 2**31``.

    Two levels, with no per-limb ``%``: blocks of 4096 limbs are summed
    against ``base**i mod q`` (each product below ``2**63 / 4096`` when limbs
    are below ``2**20``; wider limbs use smaller blocks), then the block
    residues are combined with ``(base**4096)**j mod q``.

    >>> limb_residue(np.array([8, 8, 0, 6, 5]), 10, 1000003)
    56088
    """
    n = len(limbs)
    if n == 0:
        return 0
    top = int(limbs.max())
    prod_bits = max(top, 1).bit_length() + 31
    block = min(_BLOCK, 1 << max(0, 63 - prod_bits))
    nb = -(-n // block)
    padded = np.zeros(nb * block, dtype=np.uint64)
    padded[:n] = limbs
    t = padded.reshape(nb, block) * _block_powers(base, q)[:block]
    r = t.sum(axis=1, dtype=np.uint64) % np.uint64(q)  # per-block residues
    if nb == 1:
        return int(r[0])
    W = powers_mod(pow(base, block, q), q, nb)
    return int((r * W % np.uint64(q)).sum(dtype=np.uint64)) % q


def check_limbs(x: np.ndarray, y: np.ndarray | None, z: np.ndarray, base: int,
                zbase: int | None = None) -> None:
    """:func:`check_product` of limb arrays ``X*Y == Z`` modulo both limb primes (``y=None``: ``X*X``).

    ``x``/``y`` are in ``base``; ``z`` in ``zbase`` (default ``base``).
    """
    zbase = base if zbase is None else zbase
    rx = [limb_residue(x, base, q) for q in LIMB_PRIMES]
    ry = rx if y is None else [limb_residue(y, base, q) for q in LIMB_PRIMES]
    check_product(rx, ry, [limb_residue(z, zbase, q) for q in LIMB_PRIMES], LIMB_PRIMES)


# --- counters ---------------------------------------------------------------
_stats_lock = threading.Lock()
_stats: dict[str, int] = {}


def count(name: str, n: int = 1) -> None:
    """Add ``n`` to counter ``name`` (thread-safe)."""
    with _stats_lock:
        _stats[name] = _stats.get(name, 0) + n


def stats() -> dict[str, int]:
    """A copy of the guard and fallback counters since import (or the last reset).

    Keys: ``checks`` (products checked), ``trip_roundoff``, ``trip_magnitude``,
    ``trip_carry`` (a carry out of the top limb), ``trip_modular`` (guards that fired), ``retry_fft`` (redone with smaller
    limbs), ``fallback_ntt``, ``fallback_int``, ``fallback_decimal`` (redone by an exact
    engine), ``fallback_cpu`` and ``device_failure`` (GPU engine).
    """
    with _stats_lock:
        return dict(_stats)


def reset_stats() -> None:
    """Zero every counter."""
    with _stats_lock:
        _stats.clear()
