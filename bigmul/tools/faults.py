"""Fault injection: deliberately break one stage to prove the guards catch it.

What this is for: tests, ``bigmul selftest`` and ``bigmul fuzz --inject``
show that every guard can fire -- a perturbed transform coefficient, a
dropped carry, limbs wider than the bound allows, float32 arithmetic -- and
that each fault is detected, recomputed exactly and counted.
What it is not for: production use.  Injection patches module globals, so
it affects every thread while active; use it from one thread.

>>> import bigmul
>>> bigmul.reset_guard_stats()
>>> with inject("shift") as record:
...     ok = bigmul.multiply(3**200000, 7**150000, method="fft") == 3**200000 * 7**150000
>>> ok, record.applied > 0, bigmul.guard_stats()["trip_modular"] > 0
(True, True, True)
"""
from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

__all__ = ["FAULTS", "PATCHERS", "Record", "inject"]

#: Fault name -> what it breaks and which guard is expected to catch it.
FAULTS = {
    "perturb": "adds 0.5 to one un-rounded FFT output coefficient (round-off guard)",
    "shift": "adds 1.0 to one un-rounded FFT output coefficient (modular check: round-off cannot see it)",
    "drop_carry": "drops one carry in a carry-propagation pass, in the fused kernel, the small-prime NTT's CRT or the Karatsuba engine (modular check)",
    "wide_limbs": "uses limbs 8 bits wider than the error bound allows (round-off / magnitude guard)",
    "float32": "runs the transforms in float32 (round-off guard)",
    "ntt_corrupt": "corrupts one NTT residue, in the numpy NTT and in the small-prime NTT (modular check)",
    "ntt_root": "gives the small-prime NTT a wrong root of unity in one stage table (carry guard or modular check)",
    "twiddle": "corrupts one four-step twiddle factor (round-off guard)",
    "narrow_slots": "packs convolve's Kronecker slots one byte too narrow (slot and evaluation checks)",
    "dask_block": "adds 1 to one product coefficient in one Dask block, once (modular check; client=None)",
    "dask_carry": "drops one carry between Dask blocks, once (modular check)",
    "transpose": "swaps two rows of the four-step spectrum, a wrong transposition (round-off guard)",
    "radix_power": "adds 1 to every cached power of the conversions (radix check; the uncached retry is exact)",
    "radix_carry": "drops a carry in one decimal recombination of to_str (the fused join's carry pass, or the addition), once (radix check)",
    "shared_spectrum": "corrupts the kept transform of a conversion level's shared power (radix check)",
    "newton_quotient": "makes every Newton quotient estimate one too large (divmod's exact correction)",
    "reciprocal": "corrupts every Newton reciprocal far past the correction's reach (division guard)",
    "div_check": "returns q + 1 with the correct r from the corrected division (modular check of q*b + r)",
    "root": "returns the square root plus one with its square from the Newton steps (root check)",
    "root_estimate": "makes every level's root estimate in isqrt three too large (the exact adjustment)",
    "root_reciprocal": "corrupts every reciprocal isqrt's levels pass up far past the adjustment's reach (root guard)",
    "wrap": "adds 1 to every product modulo 2**K - 1 (wrap.mulmod: the root's and the division's checks)",
    "scalar_carry": "drops a carry in the one-pass short x long text product (modular check)",
}


@dataclass
class Record:
    """How many times the injected fault actually changed something."""

    fault: str
    applied: int = 0


#: ``patch(module, name, replacement)``: replace a module global until the block ends.
Patch = Callable[[object, str, object], None]


def _perturb_shift(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from ..engines import fft
    from ..engines import fourstep

    orig_inv = fft.inverse
    delta = 0.5 if fault == "perturb" else 1.0

    def bad_inverse(X: np.ndarray, L: int, out: np.ndarray | None = None) -> np.ndarray:
        z = orig_inv(X, L, out)
        # The transform is zero padded to L < 2 * (n1 + n2 - 1): positions below
        # L/2 always hold a coefficient that is used.
        i = (len(z) // 3) if position is None else position % max(1, len(z) // 2)
        z[i] += delta
        rec.applied += 1
        return z

    patch(fft, "inverse", bad_inverse)
    orig_steps = fourstep.inverse_steps

    def bad_steps(S: np.ndarray, T: np.ndarray, n1: int, w: int, out: np.ndarray | None = None) -> np.ndarray:
        z = orig_steps(S, T, n1, w, out)
        flat = z.reshape(-1)
        i = (len(flat) // 3) if position is None else position % max(1, len(flat) // 2)
        flat[i] += delta
        rec.applied += 1
        return z

    patch(fourstep, "inverse_steps", bad_steps)


def _drop_carry(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import carrying as carry
    from ..engines import fused

    orig_pass = carry.carry_pass

    def bad_pass(c: np.ndarray, base: int, bits: int) -> np.ndarray:
        hi = (c >> bits) if bits else c // base
        nz = np.flatnonzero(hi[:-1])
        out = orig_pass(c, base, bits)
        if len(nz):
            i = int(nz[len(nz) // 2 if position is None else position % len(nz)])
            out[i + 1] -= hi[i]  # the carry out of position i is lost
            rec.applied += 1
        return out

    patch(carry, "carry_pass", bad_pass)
    def dropping(orig: Callable[..., tuple]) -> Callable[..., tuple]:
        """A fused round/carry kernel that loses the carry out of one limb (its ``drop_at``)."""
        def bad(z: np.ndarray, n: int, *args: object, drop_at: int = -1, **kw: object) -> tuple:
            res = orig(z, n, *args, drop_at=n // 2 if position is None else position % max(1, n), **kw)
            rec.applied += res[4]
            return res
        return bad

    for name in ("round_carry_pack", "round_carry_pack_residues", "decimal_round_carry_format",
                 "slot_round_carry_pack", "int_join", "join_rows"):
        patch(fused, name, dropping(getattr(fused, name)))
    from ..engines import smallprime

    orig_crt = smallprime.crt_carry

    def bad_crt(R: list, n: int, L: int, w: int, out: np.ndarray, threads: int,
                drop_at: int = -1) -> tuple[int, bool]:
        carry, dropped = orig_crt(R, n, L, w, out, threads, n // 2 if position is None else position % max(1, n))
        rec.applied += dropped
        return carry, dropped

    patch(smallprime, "crt_carry", bad_crt)
    from ..engines import karatsuba

    orig_bytes = karatsuba.product_bytes

    def bad_bytes(sa: bytes, sb: bytes | None, out: bytearray, drop_at: int = -1) -> tuple:
        n = len(out) // 3
        res = orig_bytes(sa, sb, out, n // 2 if position is None else position % max(1, n))
        rec.applied += bool(res[1])
        return res

    patch(karatsuba, "product_bytes", bad_bytes)


def _dask_block(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import distributed

    orig_rows = distributed.inverse_rows

    once = threading.Lock()

    def bad_rows(blk: np.ndarray) -> np.ndarray:
        blk = orig_rows(blk)
        if once.acquire(blocking=False):  # a transient fault: one block (blocks run on threads), once
            blk = blk.copy()
            blk.reshape(-1)[(blk.size // 3) if position is None else position % blk.size] += 2j
            rec.applied += 1
        return blk

    patch(distributed, "inverse_rows", bad_rows)


def _dask_carry(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import distributed

    orig_scan = distributed.scan_carries

    def dropped(summaries: list) -> list:
        out = orig_scan(summaries)
        nz = [i for i, c in enumerate(out[:-1]) if c]
        if nz and rec.applied == 0:
            out[nz[len(nz) // 2 if position is None else position % len(nz)]] = 0
            rec.applied += 1
        return out

    patch(distributed, "scan_carries", dropped)


def _narrow_slots(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import kronecker

    orig_slot = kronecker.slot_bytes

    def narrow(bound: int) -> int:
        rec.applied += 1
        return max(1, orig_slot(bound) - 1)

    patch(kronecker, "slot_bytes", narrow)


def _wide_limbs(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import bounds

    orig_bits = bounds.fft_limb_bits
    orig_k = bounds.fft_decimal_k

    def wide_bits(b1: int, b2: int, **kw: int) -> int:
        rec.applied += 1
        return min(orig_bits(b1, b2, **kw) + 8, 30)

    def wide_k(d1: int, d2: int, **kw: int) -> int:
        rec.applied += 1
        return min(orig_k(d1, d2, **kw) + 3, 9)

    patch(bounds, "fft_limb_bits", wide_bits)
    patch(bounds, "fft_decimal_k", wide_k)


def _float32(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    import scipy.fft as sfft

    from ..engines import fft, fourstep

    def f32_forward(x: np.ndarray, L: int, out: np.ndarray | None = None) -> np.ndarray:
        rec.applied += 1
        return sfft.rfft(x.astype(np.float32), L).astype(np.complex128)

    def f32_inverse(X: np.ndarray, L: int, out: np.ndarray | None = None) -> np.ndarray:
        return sfft.irfft(X.astype(np.complex64), L).astype(np.float64)

    patch(fft, "forward", f32_forward)
    patch(fft, "inverse", f32_inverse)
    orig_f, orig_i = fourstep.forward_steps, fourstep.inverse_steps

    def f32_fsteps(x2: np.ndarray, T: np.ndarray, w: int, out: np.ndarray | None = None) -> np.ndarray:
        rec.applied += 1
        return orig_f(x2.astype(np.float32), T.astype(np.complex64), w).astype(np.complex128)

    def f32_isteps(S: np.ndarray, T: np.ndarray, n1: int, w: int, out: np.ndarray | None = None) -> np.ndarray:
        return orig_i(S.astype(np.complex64), T.astype(np.complex64), n1, w).astype(np.float64)

    patch(fourstep, "forward_steps", f32_fsteps)
    patch(fourstep, "inverse_steps", f32_isteps)


def _twiddle(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from ..engines import fourstep

    orig_tw = fourstep.twiddles

    def bad_twiddles(n1: int, n2: int) -> np.ndarray:
        T = orig_tw(n1, n2).copy()
        k = (T.shape[0] // 2, T.shape[1] // 3) if position is None else np.unravel_index(
            position % T.size, T.shape)
        T[k] *= np.exp(1e-3j)  # a twiddle off by a thousandth of a radian
        rec.applied += 1
        return T

    patch(fourstep, "twiddles", bad_twiddles)


def _transpose(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from ..engines import fourstep

    orig_isteps = fourstep.inverse_steps

    def transposed(S: np.ndarray, T: np.ndarray, n1: int, w: int, out: np.ndarray | None = None) -> np.ndarray:
        S = S.copy()
        a, b = 1, S.shape[0] // 2
        S[[a, b]] = S[[b, a]]  # two rows of the spectrum exchanged
        rec.applied += 1
        return orig_isteps(S, T, n1, w, out)

    patch(fourstep, "inverse_steps", transposed)


def _ntt_corrupt(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from ..engines import ntt
    from .. import bounds

    orig_res = ntt.ntt_residues

    def bad_residues(x: np.ndarray, y: np.ndarray | None) -> tuple:
        t1, t2, t3 = orig_res(x, y)
        t1 = t1.copy()
        t1[len(t1) // 2] = (int(t1[len(t1) // 2]) + 1) % bounds.NTT_PRIMES[0][0]
        rec.applied += 1
        return t1, t2, t3

    patch(ntt, "ntt_residues", bad_residues)
    from ..engines import smallprime

    orig_prime = smallprime.prime_residues

    def bad_prime(*args: object) -> np.ndarray:
        out = orig_prime(*args)  # type: ignore[arg-type]
        i = len(out) // 2 if position is None else position % len(out)
        out[i] = (int(out[i]) + 1) % int(args[5][0])  # type: ignore[index]
        rec.applied += 1
        return out

    patch(smallprime, "prime_residues", bad_prime)


def _ntt_root(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from ..engines import smallprime

    orig = smallprime.tables

    def bad_tables(p: int, g: int, L: int) -> smallprime.Tables:
        good = orig(p, g, L)
        t = smallprime.Tables.__new__(smallprime.Tables)
        t.__dict__.update(good.__dict__)
        t.W1 = good.W1.copy()  # the cached tables stay right
        t.W1[len(t.W1) // 2 + 1] = t.W1[len(t.W1) // 2 + 2]  # the top stage's second root replaced by its third
        rec.applied += 1
        return t

    patch(smallprime, "tables", bad_tables)


def _radix_power(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import radix

    orig_pow5, orig_dec = radix._pow5, radix._dec_power

    def bad_pow5(m: int, use_cache: bool, method: str) -> int:
        v = orig_pow5(m, use_cache, method)
        if use_cache:
            rec.applied += 1
            return v + 1
        return v

    def bad_dec(h: int, use_cache: bool, method: str) -> object:
        v = orig_dec(h, use_cache, method)
        if not use_cache:
            return v
        rec.applied += 1
        if isinstance(v, np.ndarray):
            v = v.copy()
            v[-1] = (int(v[-1]) + 1) % 10
            return v
        return v + 1

    patch(radix, "_pow5", bad_pow5)
    patch(radix, "_dec_power", bad_dec)


def _radix_carry(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import radix
    from ..engines import fused

    orig_add = radix._add
    orig_join = fused.decimal_join

    def bad_join(z: np.ndarray, n: int, k: int, out: np.ndarray, lo: np.ndarray, drop_at: int = -1) -> object:
        if rec.applied:
            return orig_join(z, n, k, out, lo, drop_at)
        # drop the carry out of a middle limb that has one (the kernel reports whether it did)
        for at in range(n // 2, n):
            flags = orig_join(z.copy(), n, k, out, lo, at)
            if flags.dropped:
                rec.applied += 1
                return flags._replace(dropped=False)
        return orig_join(z, n, k, out, lo, drop_at)

    patch(fused, "decimal_join", bad_join)

    def bad_add(p: np.ndarray, lo: np.ndarray) -> np.ndarray:
        out = orig_add(p, lo)
        if rec.applied == 0:
            out = out.copy()
            i = len(out) // 2
            out[i] = (int(out[i]) + 9) % 10  # a carry into position i lost (and its borrow kept)
            rec.applied += 1
        return out

    patch(radix, "_add", bad_add)


def _newton_quotient(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import divide

    orig_q = divide._quotient

    def bad_q(a: int, v: int, k: int, sb: int) -> int:
        rec.applied += 1
        return orig_q(a, v, k, sb) + 1

    patch(divide, "_quotient", bad_q)


def _reciprocal(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import divide

    orig_r = divide.reciprocal

    def bad_r(d: int, k: int) -> int:
        rec.applied += 1
        return orig_r(d, k) + (1 << (k // 2))

    patch(divide, "reciprocal", bad_r)


def _div_check(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import divide

    orig_c = divide._divmod_newton

    def bad_c(a: int, b: int) -> tuple[int, int]:
        q, r = orig_c(a, b)
        rec.applied += 1
        return q + 1, r

    patch(divide, "_divmod_newton", bad_c)


def _root(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import roots

    orig_root = roots.isqrt_newton

    def bad_root(n: int) -> tuple[int, int]:
        r, sq = orig_root(n)
        rec.applied += 1
        return r + 1, sq + 2 * r + 1

    patch(roots, "isqrt_newton", bad_root)


def _root_estimate(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import roots

    orig = roots._estimate

    def bad(n: int, s: int) -> tuple[int, int]:
        rec.applied += 1
        return orig(n, s + 3)

    patch(roots, "_estimate", bad)


def _root_reciprocal(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import roots

    orig = roots._reciprocal_from

    def bad(d: int, p: int, vh: int, h: int) -> int:
        rec.applied += 1
        return orig(d, p, vh, h) + (1 << (p // 2))

    patch(roots, "_reciprocal_from", bad)


def _wrap(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from .. import wrap

    orig = wrap.mulmod

    def bad(a: int, b: int | None, k_min: int) -> tuple[int, int]:
        c, K = orig(a, b, k_min)
        rec.applied += 1
        return (c + 1) % ((1 << K) - 1), K

    patch(wrap, "mulmod", bad)


def _shared_spectrum(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from ..engines import fft

    orig = fft.spectrum

    def bad(fill: Callable[[np.ndarray], None], L: int, steps: tuple[int, int] | None) -> np.ndarray:
        Y = orig(fill, L, steps).copy()
        Y.reshape(-1)[1] += 2.0 * L  # every coefficient of every product with it moves by up to +-4
        rec.applied += 1
        return Y

    patch(fft, "spectrum", bad)


def _scalar_carry(fault: str, patch: Patch, rec: Record, position: int | None) -> None:
    from ..engines import fused

    orig = fused.decimal_scale

    def dropped(d: np.ndarray, m: int) -> np.ndarray:
        out = orig(d, m).copy()
        i = len(out) // 2 if position is None else position % len(out)
        out[i] = 48 + (int(out[i]) - 48 + 9) % 10  # the carry into digit i lost
        rec.applied += 1
        return out

    patch(fused, "decimal_scale", dropped)


#: Fault name -> the function that installs it (``FAULTS`` says what each breaks).
PATCHERS: dict[str, Callable[[str, Patch, Record, int | None], None]] = {
    "perturb": _perturb_shift,
    "shift": _perturb_shift,
    "drop_carry": _drop_carry,
    "dask_block": _dask_block,
    "dask_carry": _dask_carry,
    "narrow_slots": _narrow_slots,
    "wide_limbs": _wide_limbs,
    "float32": _float32,
    "twiddle": _twiddle,
    "transpose": _transpose,
    "ntt_corrupt": _ntt_corrupt,
    "ntt_root": _ntt_root,
    "radix_power": _radix_power,
    "radix_carry": _radix_carry,
    "newton_quotient": _newton_quotient,
    "reciprocal": _reciprocal,
    "div_check": _div_check,
    "root": _root,
    "root_estimate": _root_estimate,
    "root_reciprocal": _root_reciprocal,
    "wrap": _wrap,
    "scalar_carry": _scalar_carry,
    "shared_spectrum": _shared_spectrum,
}


@contextlib.contextmanager
def inject(fault: str, *, position: int | None = None) -> Iterator[Record]:
    """Within the block, break the stage named by ``fault`` (see :data:`FAULTS`)."""
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; valid faults are {', '.join(FAULTS)}")
    rec = Record(fault)
    saved: list[tuple[object, str, object]] = []

    def patch(mod: object, name: str, new: object) -> None:
        saved.append((mod, name, getattr(mod, name)))
        setattr(mod, name, new)

    try:
        PATCHERS[fault](fault, patch, rec, position)
        yield rec
    finally:
        for mod, name, old in reversed(saved):
            setattr(mod, name, old)
