"""Products of operands larger than memory, on Dask: files in, file out.

What this is for: ``multiply_files(a_path, b_path, out_path)`` for operands
that do not fit one machine's memory as Python objects (10^9 digits and
beyond).  The pipeline is a Dask graph of blocks; Dask does the scheduling,
the spilling to disk and the transport (nothing home-made for those):

1. read chunks of each file into base-``B`` limbs (decimal: ``B = 10**k``,
   limbs counted from the end of the text, so each chunk is local; raw:
   little-endian bytes, ``B = 256**k``), balanced, and pack both operands in
   one complex signal ``z = a + i b``, laid out as an ``n1 x n2`` matrix of
   row blocks (contiguous limb ranges);
2. the four-step transform (``engines/fourstep.py``): rechunk to column
   blocks (the transposition is a Dask rechunk), FFTs down the columns and
   the twiddles per block, rechunk to row blocks, FFTs along the rows;
3. pointwise ``Z**2``: since ``z**2 = a*a - b*b + 2i a*b``, the product's
   coefficients are half the imaginary part of the inverse -- one forward
   and one inverse transform for the whole product;
4. the inverse steps backwards, then per row block: round, the round-off and
   magnitude guards, and a carry within the block;
5. the carries between blocks: a small scan on the driver over the blocks'
   carry-outs (with the rare long ripple through a block of ``B - 1`` digits
   decided from each block's summary), then one pass that adds them;
6. a modular check of the finished product, blockwise: residues of each
   operand chunk and of each product block modulo two random 31-bit primes,
   combined with powers of the base;
7. the product is written block by block, in order, to a temporary name,
   renamed to ``out_path`` only when every check has passed.

Exactness: the limb width is the largest for which Percival's bound for the
whole length (the norm of ``z``, a power-of-two four-step length, the
twiddle stage's error) proves the rounding exact; a tripped guard redoes the
product with narrower limbs (counted as ``retry_fft``).
What it is not for: products that fit in memory (``bigmul.multiply`` is
much faster there).
"""
from __future__ import annotations

import math
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from . import bounds, guards
from .guards import GuardTrip
from .text import decimal_to_limbs

__all__ = ["FORMATS", "multiply_files", "plan_files", "dask_versions"]

FORMATS = ("decimal", "raw")
#: Complex points per block (64 MiB): blocks much smaller cost scheduling,
#: much larger cost worker memory.
DEFAULT_CHUNK = 1 << 22
_READ = 1 << 24  # bytes per read when scanning a file


def dask_versions() -> dict[str, str]:
    """Installed versions of dask and distributed (``"not installed"`` otherwise)."""
    out = {}
    for name in ("dask", "distributed"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = "not installed"
    return out


def _require_dask() -> Any:
    try:
        import dask
        import dask.array  # noqa: F401
    except ImportError:
        raise ImportError("the Dask engine needs the 'distributed' extra: pip install 'bigmul[distributed]'") from None
    return dask


# --- operands in files -----------------------------------------------------------
@dataclass(frozen=True)
class Operand:
    """A validated operand file: where its digits (or bytes) are and how many."""

    path: str
    fmt: str
    sign: int     # -1, 0 or 1
    start: int    # byte offset of the first digit (decimal) or 0 (raw)
    units: int    # significant decimal digits (leading zeros skipped) or bytes (high zero bytes dropped)


def scan(path: str, fmt: str) -> Operand:
    """Validate an operand file in one streaming pass; ``ValueError`` names the file and the byte.

    Decimal: optional surrounding whitespace, one optional sign, ASCII digits.
    Raw: the file's bytes are the magnitude, least significant first.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    size = os.path.getsize(path)  # FileNotFoundError / PermissionError name the path
    with open(path, "rb") as f:
        if fmt == "raw":
            top = size
            while top > 0:  # drop high zero bytes, reading backwards in chunks
                f.seek(max(0, top - _READ))
                chunk = np.frombuffer(f.read(top - max(0, top - _READ)), np.uint8)
                nz = np.flatnonzero(chunk)
                if len(nz):
                    top = max(0, top - _READ) + int(nz[-1]) + 1
                    break
                top = max(0, top - _READ)
            return Operand(path, fmt, 1 if top else 0, 0, top)
        pos, sign, start, end, first_nz = 0, 1, -1, -1, -1
        state = "lead"  # lead -> digits -> trail
        while True:
            raw = f.read(_READ)
            if not raw:
                break
            a = np.frombuffer(raw, np.uint8)
            ws = (a == 32) | ((a >= 9) & (a <= 13))
            dig = (a >= 48) & (a <= 57)
            i = 0
            while i < len(a):
                if state == "lead":
                    nws = np.flatnonzero(~ws[i:])
                    if not len(nws):
                        i = len(a)
                        continue
                    i += int(nws[0])
                    if a[i] in (43, 45):  # + -
                        sign = -1 if a[i] == 45 else 1
                        i += 1
                        if i >= len(a):  # sign at a chunk end: the next chunk must start with a digit
                            state = "digits-start"
                            continue
                    if not dig[i]:
                        raise _bad_byte(path, pos + i, a[i])
                    start, state = pos + i, "digits"
                elif state == "digits-start":
                    if not dig[i]:
                        raise _bad_byte(path, pos + i, a[i])
                    start, state = pos + i, "digits"
                elif state == "digits":
                    nd = np.flatnonzero(~dig[i:])
                    if first_nz < 0:
                        nzs = np.flatnonzero(a[i:(i + int(nd[0]) if len(nd) else len(a))] != 48)
                        if len(nzs):
                            first_nz = pos + i + int(nzs[0])
                    if not len(nd):
                        i = len(a)
                        continue
                    i += int(nd[0])
                    if not ws[i]:
                        raise _bad_byte(path, pos + i, a[i])
                    end, state = pos + i, "trail"
                else:  # trail: only whitespace
                    bad = np.flatnonzero(~ws[i:])
                    if len(bad):
                        j = i + int(bad[0])
                        raise _bad_byte(path, pos + j, a[j])
                    i = len(a)
            pos += len(a)
        if state in ("lead", "digits-start"):
            raise ValueError(f"{path}: no digits (an operand file holds one decimal integer)")
        if end < 0:
            end = pos
        if first_nz < 0:
            return Operand(path, fmt, 0, end, 0)
        return Operand(path, fmt, sign, first_nz, end - first_nz)


def _bad_byte(path: str, pos: int, byte: int) -> ValueError:
    ch = chr(byte) if 32 < byte < 127 else f"\\x{byte:02x}"
    return ValueError(f"{path}: invalid character {ch!r} at byte {pos} (expected decimal digits)")


def read_limbs(op: Operand, k: int, lo: int, hi: int) -> np.ndarray:
    """Limbs ``lo .. hi - 1`` (little-endian, base ``10**k`` or ``256**k``) of an operand, int64, zeros past its end."""
    out = np.zeros(hi - lo, dtype=np.int64)
    n = -(-op.units // k)
    if lo >= n or op.units == 0:
        return out
    top = min(hi, n)
    with open(op.path, "rb") as f:
        if op.fmt == "raw":
            first, last = lo * k, min(top * k, op.units)
            f.seek(first)
            b = np.zeros((top - lo) * k, np.uint8)
            b[: last - first] = np.frombuffer(f.read(last - first), np.uint8)
            m: np.ndarray = b.reshape(-1, k).astype(np.int64)
            v = m[:, k - 1]
            for j in range(k - 2, -1, -1):
                v = v * 256 + m[:, j]
            out[: top - lo] = v
            return out
        # decimal: limb i holds digits [units - (i+1)k, units - ik) counted from op.start
        d_hi = op.units - lo * k
        d_lo = max(0, op.units - top * k)
        f.seek(op.start + d_lo)
        d = np.frombuffer(f.read(d_hi - d_lo), np.uint8) - np.uint8(48)
    v = decimal_to_limbs(d, k)  # leading zero limbs dropped: they are the zeros already in ``out``
    out[: len(v)] = v
    return out


# --- the plan ---------------------------------------------------------------------
@dataclass(frozen=True)
class FilePlan:
    """Limb width, transform shape and blocks for one product of files."""

    k: int          # digits (decimal) or bytes (raw) per limb
    base: int
    n_a: int        # limbs
    n_b: int
    n1: int         # four-step matrix: n1 x n2 = L
    n2: int
    rows: int       # rows per row block
    cols: int       # columns per column block

    @property
    def length(self) -> int:
        return self.n1 * self.n2

    @property
    def row_blocks(self) -> int:
        return -(-self.n1 // self.rows)


def _exact(n_a: int, n_b: int, base: int, L: int) -> bool:
    """Percival's bound proves ``Im(ifft(fft(a + ib)**2)) / 2`` exact for balanced limbs of ``base``."""
    half = base / 2
    norm = half * math.sqrt(n_a + n_b)  # ||a + ib|| with |a_i|, |b_i| <= base/2
    if (n_a + n_b) * half * half >= bounds.FLOAT_EXACT:
        return False
    return bounds.percival_bound(norm, norm, bounds.levels(L), stage_beta=bounds.stage_twiddle_error(L)) \
        <= bounds.ROUNDOFF_LIMIT


def plan_files(units_a: int, units_b: int, fmt: str = "decimal", chunk: int = DEFAULT_CHUNK,
               max_k: int | None = None) -> FilePlan:
    """The widest exact limbs for these operand sizes, the four-step shape and the block sizes.

    >>> p = plan_files(10**6, 10**6)
    >>> p.k, p.length >= p.n_a + p.n_b, p.base
    (3, True, 1000)
    """
    unit = 10 if fmt == "decimal" else 256
    top = max_k or (8 if fmt == "decimal" else 2)
    for k in range(top, 0, -1):
        base = unit ** k
        n_a, n_b = max(1, -(-units_a // k)), max(1, -(-units_b // k))
        need = n_a + n_b + 1  # the product's limbs, one carry position and the balanced tops
        n1, n2 = _shape(need)
        if _exact(n_a + 1, n_b + 1, base, n1 * n2):
            rows = max(1, min(n1, chunk // n2))
            cols = max(1, min(n2, chunk // n1))
            return FilePlan(k, base, n_a, n_b, n1, n2, rows, cols)
    raise MemoryError(f"operands of {units_a:,} and {units_b:,} units are beyond the float64 "
                      "bound even with one-digit limbs")


def _shape(need: int) -> tuple[int, int]:
    p = max(2, (max(need, 4) - 1).bit_length())
    return 1 << (p // 2), 1 << (p - p // 2)


# --- block tasks (module level: picklable for worker processes) ------------------------
def _z_block(a: Operand, b: Operand, p: FilePlan, r0: int, r1: int) -> np.ndarray:
    """Rows ``r0 .. r1 - 1`` of the signal ``a + ib`` (balanced limbs) as a complex block."""
    lo, hi = r0 * p.n2, r1 * p.n2
    out = np.empty(hi - lo, dtype=np.complex128)
    for op, part in ((a, out.real), (b, out.imag)):
        limbs = read_limbs(op, p.k, max(0, lo - 1), hi)  # one limb below: its borrow comes in
        c = limbs >= p.base // 2
        v = limbs - c * p.base
        v[1:] += c[:-1]
        part[:] = v[1:] if lo else v
    return out.reshape(r1 - r0, p.n2)


def _columns_forward(blk: np.ndarray, n1: int, n2: int, c0: int) -> np.ndarray:
    from .engines.fourstep import twiddle_block

    S = np.fft.fft(blk, axis=0)
    S *= twiddle_block(n1, n2, (0, n1), (c0, c0 + blk.shape[1]))
    return S


def _rows_square_inverse(blk: np.ndarray) -> np.ndarray:
    S = np.fft.fft(blk, axis=1)
    S *= S
    return np.fft.ifft(S, axis=1)


def _columns_inverse(blk: np.ndarray, n1: int, n2: int, c0: int) -> np.ndarray:
    from .engines.fourstep import twiddle_block

    blk = blk * np.conj(twiddle_block(n1, n2, (0, n1), (c0, c0 + blk.shape[1])))
    return np.fft.ifft(blk, axis=0)


def _coefficients(blk: np.ndarray) -> tuple[np.ndarray, float, float]:
    """A row block of the inverse -> the product's coefficients there, the round-off and the magnitude."""
    z = blk.imag.reshape(-1) * 0.5
    r = np.rint(z)
    return r.astype(np.int64), float(np.max(np.abs(z - r))), float(np.max(np.abs(r)))


def _head(base: int) -> int:
    """Headroom limbs for a block's carry-out: ``base**(head - 2)`` exceeds ``2**55`` (coefficients are below ``2**53``)."""
    return 2 + -(-55 // (base.bit_length() - 1))


def _carry_block(c: np.ndarray, base: int) -> tuple[np.ndarray, int]:
    """Digits in ``[0, base)`` of a block's coefficients and its carry-out (a Python int, any sign).

    >>> d, co = _carry_block(np.array([-3, 25, 7]), 10)
    >>> d.tolist(), co, -3 + 25 * 10 + 7 * 100 == sum(v * 10**i for i, v in enumerate(d.tolist())) + co * 1000
    ([7, 4, 9], 0, True)
    """
    from .carrying import normalize

    head = _head(base)
    ext = np.zeros(len(c) + head, dtype=np.int64)
    ext[: len(c)] = c
    ext[-1] = 1  # + base**(m + head - 1): makes the value non-negative, taken off below
    d = normalize(ext, base, copy=False)
    co = 0
    for v in d[len(c):][::-1].tolist():
        co = co * base + v
    return d[: len(c)], co - base ** (head - 1)


_CAP = 1 << 62


def _summary(d: np.ndarray, base: int) -> tuple[int, int, int]:
    """``(value, room, span)``: the block's digit value and ``base**m - value``, each capped at
    ``2**62``, and ``base**m`` when below ``2**62`` (else 0).

    With a carry-in ``ci`` (``|ci| < 2**62``), ``(value + ci) // span`` units
    leave a short block; a long one (``span == 0``) passes one more unit up
    exactly when ``ci >= room``, one down (a borrow) when ``ci < -value``.
    """
    def capped(digits: np.ndarray) -> int:
        nz = np.flatnonzero(digits)
        if not len(nz):
            return 0
        h = int(nz[-1])
        if h * (base.bit_length() - 1) >= 62:  # base**h >= 2**62 (never computed: h may be huge)
            return _CAP
        v = 0
        for x in digits[: h + 1][::-1].tolist():
            v = v * base + x
        return min(v, _CAP)

    m = len(d)
    span = base ** m if m * (base.bit_length() - 1) < 62 and base ** m < _CAP else 0
    return capped(d), capped(base - 1 - d) + 1, span


def _residues(limbs: np.ndarray, base: int, qs: tuple[int, ...]) -> tuple[int, ...]:
    """Residues modulo the driver's primes (passed in: worker processes draw their own at import)."""
    return tuple(guards.limb_residue(limbs, base, q) for q in qs)


def _finish(blk: np.ndarray, base: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Per row block: coefficients, guards' figures, local carry, summary for the scan."""
    c, err, mag = _coefficients(inverse_rows(blk))
    d, co = _carry_block(c, base)
    value, room, span = _summary(d, base)
    return d.astype(_digit_dtype(base)), {"err": err, "mag": mag, "co": co, "value": value, "room": room, "span": span}


def _digit_dtype(base: int) -> Any:
    """The narrowest unsigned dtype for digits below ``base`` (what the workers keep, or spill)."""
    return np.uint8 if base <= 256 else (np.uint16 if base <= 65536 else np.uint32)


def inverse_rows(blk: np.ndarray) -> np.ndarray:
    """Hook: a row block of the inverse transform as it comes (fault injection replaces it)."""
    return blk


def _apply_carry(d: np.ndarray, ci: int, base: int) -> np.ndarray:
    """The block's final digits: ``ci`` added, the unit it may push out of the block dropped (the scan counted it)."""
    if ci == 0:
        return d
    from .carrying import normalize

    ext = np.zeros(len(d) + _head(base), dtype=np.int64)
    ext[: len(d)] = d
    ext[0] += ci
    ext[-1] = 1
    return normalize(ext, base, copy=False)[: len(d)].astype(d.dtype)


def _top_nonzero(d: np.ndarray) -> int:
    nz = np.flatnonzero(d)
    return int(nz[-1]) if len(nz) else -1


def _decimal_text(d: np.ndarray, k: int, strip: bool) -> bytes:
    """Base ``10**k`` digits (little-endian) as ASCII, most significant first; ``strip``: no leading zeros."""
    out = np.empty((len(d), k), dtype=np.uint8)
    v = d[::-1].astype(np.int64)
    for j in range(k - 1, -1, -1):
        out[:, j] = v % 10 + 48
        v //= 10
    raw = out.tobytes()
    return raw.lstrip(b"0") if strip else raw


def _raw_bytes(d: np.ndarray, k: int, strip: bool) -> bytes:
    b = np.empty((len(d), k), dtype=np.uint8)
    v = d.astype(np.int64)
    for j in range(k):
        b[:, j] = v & 0xFF
        v >>= 8
    raw = b.tobytes()
    return raw.rstrip(b"\0") if strip else raw


def scan_carries(summaries: list[dict[str, Any]]) -> list[int]:
    """Carry into each block (little-endian), from the blocks' carry-outs and summaries; the last is the overflow.

    (A hook for fault injection, like :func:`inverse_rows`.)
    """
    ci, out = 0, []
    for s in summaries:
        out.append(ci)
        if s["span"]:
            extra = (s["value"] + ci) // s["span"]
        else:
            extra = 1 if ci >= s["room"] else (-1 if ci < -s["value"] else 0)
        ci = s["co"] + extra
    out.append(ci)
    return out


# --- the product ---------------------------------------------------------------------
def multiply_files(a_path: str | os.PathLike, b_path: str | os.PathLike, out_path: str | os.PathLike, *,
                   format: str = "decimal", client: Any = None, chunk: int = DEFAULT_CHUNK,
                   progress: bool = False, max_k: int | None = None) -> dict[str, Any]:
    """Multiply two integers stored in files and write the exact product to ``out_path``.

    ``format``: ``"decimal"`` (text: optional whitespace, one optional sign,
    digits) or ``"raw"`` (unsigned magnitude, little-endian bytes).
    ``client``: ``None`` runs on Dask's local threaded scheduler; a
    ``distributed.Client`` (a ``LocalCluster`` or a scheduler's address) runs
    the blocks on its workers, which spill to disk under their memory limits.
    ``chunk``: complex points per block.  The product is written to a
    temporary file beside ``out_path`` and renamed at the end: a failed run
    never leaves a truncated product under that name.  Returns a report
    (limb width, shape, blocks, guard figures, retries).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("99999"); _ = (d / "b.txt").write_text("-12345")
    >>> r = multiply_files(d / "a.txt", d / "b.txt", d / "c.txt", chunk=64)
    >>> (d / "c.txt").read_text() == str(99999 * -12345)
    True
    """
    dask = _require_dask()
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if chunk < 1:
        raise ValueError("chunk must be a positive number of points")
    a, b = scan(os.fspath(a_path), format), scan(os.fspath(b_path), format)
    out_path = os.fspath(out_path)
    out_dir = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(out_dir):
        raise FileNotFoundError(f"output directory {out_dir!r} does not exist")
    sign = a.sign * b.sign
    report: dict[str, Any] = {"format": format, "units": (a.units, b.units), "retries": 0}
    fd, tmp = tempfile.mkstemp(prefix=".bigmul-", suffix=".part", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            if sign == 0:
                f.write(b"0" if format == "decimal" else b"")
            else:
                top = max_k
                lost = 0
                while True:
                    p = plan_files(a.units, b.units, format, chunk, top)
                    report.update(k=p.k, length=p.length, shape=(p.n1, p.n2), row_blocks=p.row_blocks)
                    try:
                        _run(dask, client, a, b, p, sign, f, progress, report)
                        break
                    except GuardTrip as trip:
                        guards.count("trip_" + trip.reason)
                        if p.k == 1:
                            raise
                        guards.count("retry_fft")
                        report["retries"] += 1
                        f.seek(0)
                        f.truncate()
                        top = p.k - 1
                    except Exception as exc:
                        # A shuffle that lost a worker (Dask recomputes lost tasks, but a p2p rechunk
                        # cut by a dead worker can fail as a whole): run the product again, counted.
                        if not _lost_to_a_worker(exc) or lost >= MAX_RERUNS:
                            raise
                        lost += 1
                        guards.count("rerun_dask")
                        report["reruns"] = lost
                        f.seek(0)
                        f.truncate()
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600: give the product the usual mode
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return report


#: Times a product is run again after a shuffle was lost to a dead worker.
MAX_RERUNS = 2


def _lost_to_a_worker(exc: BaseException) -> bool:
    """A distributed shuffle error after a worker died (not ``KilledWorker``: workers that keep
    dying -- usually out of memory -- would die again)."""
    mod = type(exc).__module__ or ""
    return mod.startswith("distributed.shuffle") and type(exc).__name__ != "KilledWorker"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _graph(dask: Any, a: Operand, b: Operand, p: FilePlan) -> Any:
    """The Dask array of the inverse transform of ``(a + ib)**2``, in row blocks."""
    import dask.array as da

    rows = [da.from_delayed(dask.delayed(_z_block)(a, b, p, r0, min(p.n1, r0 + p.rows)),
                            shape=(min(p.n1, r0 + p.rows) - r0, p.n2), dtype=np.complex128)
            for r0 in range(0, p.n1, p.rows)]
    Z = da.concatenate(rows, axis=0)
    Zc = Z.rechunk((p.n1, p.cols))
    offsets = np.cumsum((0,) + Zc.chunks[1][:-1])
    F = da.concatenate([Zc.blocks[0, j].map_blocks(_columns_forward, p.n1, p.n2, int(offsets[j]),
                                                     dtype=np.complex128) for j in range(len(offsets))], axis=1)
    R = F.rechunk((p.rows, p.n2)).map_blocks(_rows_square_inverse, dtype=np.complex128)
    Rc = R.rechunk((p.n1, p.cols))
    inv = da.concatenate([Rc.blocks[0, j].map_blocks(_columns_inverse, p.n1, p.n2, int(offsets[j]),
                                                       dtype=np.complex128) for j in range(len(offsets))], axis=1)
    return inv.rechunk((p.rows, p.n2))


def _compute(dask: Any, client: Any, objs: list[Any], progress: bool) -> list[Any]:
    if client is not None:
        futs = client.compute(objs)
        if progress:
            from distributed import progress as dprogress

            dprogress(futs)
        return list(client.gather(futs))
    if progress:
        from dask.diagnostics import ProgressBar

        with ProgressBar(out=sys.stderr):
            return list(dask.compute(*objs))
    return list(dask.compute(*objs))


def _persist(dask: Any, client: Any, objs: list[Any], progress: bool = False) -> list[Any]:
    """Compute and keep (on the workers, spillable; in this process without a client), with a progress bar."""
    if client is not None:
        out = list(client.persist(objs))
        if progress:
            from distributed import progress as dprogress

            dprogress(out)
        return out
    if progress:
        from dask.diagnostics import ProgressBar

        with ProgressBar(out=sys.stderr):
            return list(dask.persist(*objs))
    return list(dask.persist(*objs))


def _run(dask: Any, client: Any, a: Operand, b: Operand, p: FilePlan, sign: int, f: Any,
         progress: bool, report: dict[str, Any]) -> None:
    inv = _graph(dask, a, b, p)
    blocks = inv.to_delayed().reshape(-1).tolist()
    done = [dask.delayed(_finish, nout=2)(blk, p.base) for blk in blocks]
    done = _persist(dask, client, done, progress)  # carried digits stay on the workers (spilled if need be)
    digits = [d[0] for d in done]
    summaries = _compute(dask, client, [d[1] for d in done], False)
    err = max(s["err"] for s in summaries)
    mag = max(s["mag"] for s in summaries)
    report.update(roundoff=err, magnitude=mag)
    guards.check_float(err, mag)
    carries = scan_carries(summaries)
    if carries[-1] != 0:
        raise GuardTrip("carry", float(carries[-1]))
    final = [dask.delayed(_apply_carry)(d, ci, p.base) for d, ci in zip(digits, carries)]
    final = _persist(dask, client, final)
    # The modular check, blockwise: operands from their files, the product from its blocks.
    rows_limbs = p.rows * p.n2
    qs = guards.LIMB_PRIMES
    res_tasks = [dask.delayed(_operand_residues)(op, p, lo, min(lo + rows_limbs, n), qs)
                 for op, n in ((a, p.n_a), (b, p.n_b)) for lo in range(0, n, rows_limbs)]
    na_blocks = -(-p.n_a // rows_limbs)
    small = _compute(dask, client, res_tasks + [dask.delayed(_residues)(d, p.base, qs) for d in final]
                     + [dask.delayed(_top_nonzero)(d) for d in final], False)
    nb_blocks = -(-p.n_b // rows_limbs)
    ra = small[:na_blocks]
    rb = small[na_blocks:na_blocks + nb_blocks]
    rc = small[na_blocks + nb_blocks:na_blocks + nb_blocks + len(final)]
    tops = small[na_blocks + nb_blocks + len(final):]
    def combine(parts: list[tuple[int, ...]]) -> list[int]:
        """Each prime's residue of the whole number from its blocks' residues."""
        out = []
        for i, q in enumerate(qs):
            step, acc = pow(p.base, rows_limbs, q), 0
            for r in reversed(parts):
                acc = (acc * step + r[i]) % q
            out.append(acc)
        return out

    guards.check_product(combine(ra), combine(rb), combine(rc), qs)
    top_block = max((j for j, t in enumerate(tops) if t >= 0), default=-1)
    report["blocks_written"] = top_block + 1
    if a.fmt == "decimal":
        if sign < 0:
            f.write(b"-")
        order: Iterator[int] = iter(range(top_block, -1, -1))
        render: Callable[..., bytes] = _decimal_text
    else:
        order = iter(range(0, top_block + 1))
        render = _raw_bytes
    pending = [dask.delayed(render)(final[j], p.k, j == top_block) for j in order]
    window = 4
    for s in range(0, len(pending), window):  # in order, a few blocks at a time (bounded driver memory)
        for text in _compute(dask, client, pending[s:s + window], False):
            f.write(text)


def _operand_residues(op: Operand, p: FilePlan, lo: int, hi: int, qs: tuple[int, ...]) -> tuple[int, ...]:
    return _residues(read_limbs(op, p.k, lo, hi), p.base, qs)
