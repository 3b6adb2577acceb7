"""The numba kernels of the fused passes, at module level so numba's disk cache holds them.

What this is for: the compiled loops behind ``fused.py`` (split into
balanced limbs, round/guard/carry/pack, two-prime residues, their decimal
and slot twins).  Imported only by ``fused.kernels()``, on the first product
that uses them: ``import bigmul`` never imports numba.
What it is not for: calling directly -- ``fused.py`` wraps each kernel with
its contract and argument checks.

Why a module: numba's cache key for a closure includes its captured cells,
pickled; a captured dispatcher pickles differently in every process, so
kernels defined inside a function that call other kernels (``round_k``
calls ``round_one`` and ``emit``, ``res_k`` the Horner helpers) were
recompiled in every process (seconds on the first large product; the
figures are in ``benchmarks/results/tuning_history.md``).  Kernels that
call each other as module globals are cached normally.
"""
from __future__ import annotations

import numba
import numpy as np

@numba.njit(cache=True, nogil=True)
def round_one(x, err, mag):  # type: ignore[no-untyped-def]
    """Round one coefficient; update the round-off and magnitude maxima; flag NaN or |x| >= 2**53."""
    r = np.rint(x)
    d = abs(x - r)
    bad = False
    if not (d <= err):  # NaN lands here too
        if d != d:
            bad = True
        else:
            err = d
    a = abs(r)
    if a > mag:
        mag = a
    if not (a < 9.007199254740992e15):  # 2**53: past it int64(r) is not the coefficient
        return np.int64(0), err, mag, True
    return np.int64(r), err, mag, bad

@numba.njit(cache=True, nogil=True, inline="always")
def emit(acc, accbits, out, oi, over, width, final):  # type: ignore[no-untyped-def]
    # Move whole width-bit words from the bit accumulator into out (all remaining bits with
    # final); a non-zero word past the end of out sets over.
    wmask = (np.uint64(1) << np.uint64(width)) - np.uint64(1)
    while accbits >= width or (final and accbits > 0):
        word = acc & wmask
        if oi < len(out):
            out[oi] = np.uint32(word)
        elif word != 0:
            over = True
        oi += 1
        acc >>= np.uint64(width)
        accbits = accbits - width if accbits > width else 0
    if final:
        for j in range(oi, len(out)):
            out[j] = 0
    return acc, accbits, oi, over

@numba.njit(cache=True, nogil=True, inline="always")
def take(acc, accbits, src, si, bits, mask, width):  # type: ignore[no-untyped-def]
    # The next bits-bit field of the little-endian stream of width-bit words src (zeros past its
    # end), refilling the bit accumulator as needed: the field and the accumulator's new state.
    while accbits < bits:
        if si < len(src):
            acc |= np.uint64(src[si]) << np.uint64(accbits)
            si += 1
        accbits += width
    return np.int64(acc & mask), acc >> np.uint64(bits), accbits - bits, si


@numba.njit(cache=True, nogil=True, inline="always")
def carry_limb(c, bits, mask, acc, accbits, out, oi, over, width):  # type: ignore[no-untyped-def]
    # One limb of the running sum c (base 2**bits): its low bits packed into out through the bit
    # accumulator (width-bit words); returns the carry on and the accumulator's state.
    acc |= np.uint64(c & mask) << np.uint64(accbits)
    acc, accbits, oi, over = emit(acc, accbits + bits, out, oi, over, width, False)
    return c >> np.int64(bits), acc, accbits, oi, over


@numba.njit(cache=True, nogil=True, inline="always")
def split_one(src, bits, n, out, width):  # type: ignore[no-untyped-def]
    # Balanced bits-bit limbs of the number whose width-bit words are src into out[:n + 1].
    mask = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    half = np.int64(1) << np.int64(bits - 1)
    acc = np.uint64(0)
    accbits = 0
    si = 0
    carry = np.int64(0)
    for i in range(n):
        field, acc, accbits, si = take(acc, accbits, src, si, bits, mask, width)
        v = field + carry
        carry = (v + half) >> bits  # 0 or 1: no branch on random data
        out[i] = v - (carry << bits)
    out[n] = carry

@numba.njit(cache=True, nogil=True)
def split_k(src, bits, n, out):  # type: ignore[no-untyped-def]
    split_one(src, bits, n, out, 30)

@numba.njit(cache=True, nogil=True)
def split_rows_k(V, bits, n, X):  # type: ignore[no-untyped-def]
    # Row r of X: the balanced limbs of row 2r + 1 of V (32-bit words): the his of a batched level.
    for r in range(X.shape[0]):
        split_one(V[2 * r + 1], bits, n, X[r], 32)

@numba.njit(cache=True, nogil=True, inline="always")
def round_fast(x, err, mag, ok):  # type: ignore[no-untyped-def]
    # round_one without branches on the data: the rounded value (0 where it is NaN or |x| >= 2**53,
    # which clears ok), the round-off and magnitude maxima (a NaN changes neither; it clears ok).
    r = np.rint(x)
    d = abs(x - r)
    a = abs(r)
    good = a < 9.007199254740992e15  # False for NaN
    return (np.int64(r) if good else np.int64(0)), (d if d > err else err), (a if a > mag else mag), ok & good

@numba.njit(cache=True, nogil=True, inline="always")
def pack30(c, bits, mask, acc, accbits):  # type: ignore[no-untyped-def]
    # carry_limb for limbs of bits <= 30 into 30-bit words, the word returned instead of written:
    # with accbits < 30 on entry at most one word is complete (``full``), and accbits < 30 again on
    # return.  (No array argument: passed into an inlined helper in the hot loop, an array keeps
    # the loop from being optimised.)
    acc |= np.uint64(c & mask) << np.uint64(accbits)
    accbits += bits
    full = accbits >= 30
    word = acc & np.uint64(0x3FFFFFFF)
    if full:
        acc >>= np.uint64(30)
        accbits -= 30
    return c >> np.int64(bits), acc, accbits, word, full

@numba.njit(cache=True, nogil=True)
def round_k(z, n, bits, out, drop_at):  # type: ignore[no-untyped-def]
    # Round z[:n], carry in base 2**bits (1 <= bits <= 30: ``fused`` checks), pack into the 30-bit
    # words out; then the carry on past the top (at most 64 limbs more, else bad): one part,
    # round_part_k over all the limbs.
    err, mag, bad, over, dropped, _ = round_part_k(z, 0, n, n, bits, out, drop_at, False)
    return err, mag, bad, over, dropped

@numba.njit(cache=True, nogil=True)
def round_part_k(z, lo, hi, n, bits, out, drop_at, wrap):  # type: ignore[no-untyped-def]
    # round_k over limbs [lo, hi) alone, for two threads that split one product's pass: the chain
    # starts with carry 0 and packs from word lo * bits / 30 (lo * bits a multiple of 30, so the
    # words start whole).  hi < n: hi * bits is a multiple of 30 too; the part's words end whole
    # and its carry out is returned, not carried on (``carry_in_k`` adds it into the next part's
    # words).  hi == n: the carry runs on past the top and the rest of out is zeroed, as round_k;
    # with wrap (a cyclic convolution, round_wrap_k) the last partial word is written and the
    # carry out of the top returned instead.
    mask = (np.int64(1) << np.int64(bits)) - np.int64(1)
    err = 0.0
    mag = 0.0
    ok = True
    carry = np.int64(0)
    acc = np.uint64(0)
    accbits = 0
    oi = lo * bits // 30
    nout = len(out)
    over = False
    dropped = False
    # Two runs of the loop, split after limb drop_at (fault injection: the carry out of it is
    # lost), so that no test of drop_at sits on the carry chain.
    pending = lo <= drop_at < hi
    cut = drop_at + 1 if pending else hi
    start = lo
    for end in (cut, hi):
        for i in range(start, end):
            v, err, mag, ok = round_fast(z[i], err, mag, ok)
            carry, acc, accbits, word, full = pack30(carry + v, bits, mask, acc, accbits)
            if full:
                if oi < nout:
                    out[oi] = np.uint32(word)
                elif word != 0:
                    over = True
                oi += 1
        if pending and carry != 0:  # fault injection: the carry out of limb drop_at is lost
            carry = np.int64(0)
            dropped = True
        pending = False
        start = end
    bad = not ok
    if hi < n:
        return err, mag, bad, over, dropped, carry
    if wrap:
        acc, accbits, oi, over = emit(acc, accbits, out, oi, over, 30, True)
        return err, mag, bad, over, dropped, carry
    i = n
    while carry != 0:
        if i > n + 64:  # a carry that keeps going: not a non-negative product
            bad = True
            break
        carry, acc, accbits, word, full = pack30(carry, bits, mask, acc, accbits)
        if full:
            if oi < nout:
                out[oi] = np.uint32(word)
            elif word != 0:
                over = True
            oi += 1
        if i == drop_at and carry != 0:
            carry = np.int64(0)
            dropped = True
        i += 1
    acc, accbits, oi, over = emit(acc, accbits, out, oi, over, 30, True)
    if carry < 0:
        bad = True
    return err, mag, bad, over, dropped, np.int64(0)

@numba.njit(cache=True, nogil=True)
def carry_in_k(out, w, c):  # type: ignore[no-untyped-def]
    # Add the signed carry c * 2**(30 w) into the 30-bit words out[w:], as far as it changes them.
    # True when it is absorbed; False when a carry or borrow runs past the end (not the product).
    i = w
    while c != 0 and i < len(out):
        v = np.int64(out[i]) + c
        out[i] = np.uint32(v & np.int64(0x3FFFFFFF))
        c = v >> np.int64(30)
        i += 1
    return c == 0

@numba.njit(cache=True, nogil=True)
def residues3_k(da, db, square, out, q1, q2, W):  # type: ignore[no-untyped-def]
    # The residues of round_check_k: the operands' digits and the written ones, modulo q1 and q2.
    a1, a2 = res_k(da, len(da), q1, q2, W)
    if square:
        b1, b2 = a1, a2
    else:
        b1, b2 = res_k(db, len(db), q1, q2, W)
    c1, c2 = res_k(out, len(out), q1, q2, W)
    return a1, a2, b1, b2, c1, c2

@numba.njit(cache=True, nogil=True)
def round_wrap_k(z, n, bits, out):  # type: ignore[no-untyped-def]
    # round_k for a cyclic convolution: round and carry z[:n] in base 2**bits, pack the n limbs
    # into out, and return the signed carry out of the top instead of carrying it on (it wraps
    # around: 2**(n*bits) is 1 modulo 2**(n*bits) - 1).
    err, mag, bad, over, _, carry = round_part_k(z, 0, n, n, bits, out, -1, True)
    return err, mag, bad, over, carry

@numba.njit(cache=True, nogil=True)
def join_one(z, n, bits, out, lo, m, drop_at, width):  # type: ignore[no-untyped-def]
    # (P << m) + lo into the width-bit words out, P the convolution z[:n] (rounded, carried in
    # base 2**bits) and lo the width-bit words of an int: lo's low m bits copied, its bits from m
    # on read in bits-bit fields and added into P's carry chain, which runs on while carry or lo
    # remain.
    mask = (np.int64(1) << np.int64(bits)) - np.int64(1)
    q = m // width
    rbits = m - width * q
    for j in range(min(q, len(out))):
        out[j] = lo[j] if j < len(lo) else np.uint32(0)
    first = np.uint64(lo[q]) if q < len(lo) else np.uint64(0)
    acc = first & ((np.uint64(1) << np.uint64(rbits)) - np.uint64(1))
    accbits = rbits
    oi = q
    lacc = first >> np.uint64(rbits)
    laccbits = width - rbits
    lsi = q + 1
    err = 0.0
    mag = 0.0
    bad = False
    over = False
    dropped = False
    carry = np.int64(0)
    i = 0
    while i < n or carry != 0 or lsi < len(lo) or lacc != 0:
        if i < n:
            v, err, mag, b = round_one(z[i], err, mag)
            bad |= b
            c = carry + v
        else:
            c = carry
        if i > n + 64 + width * len(lo) // bits:  # a carry that keeps going: not a non-negative sum
            bad = True
            break
        f, lacc, laccbits, lsi = take(lacc, laccbits, lo, lsi, bits, mask, width)
        carry, acc, accbits, oi, over = carry_limb(c + f, bits, mask, acc, accbits, out, oi, over, width)
        if i == drop_at and carry != 0:  # fault injection: the carry out of limb drop_at is lost
            carry = np.int64(0)
            dropped = True
        i += 1
    acc, accbits, oi, over = emit(acc, accbits, out, oi, over, width, True)
    if carry < 0:
        bad = True
    return err, mag, bad, over, dropped

@numba.njit(cache=True, nogil=True)
def int_join_k(z, n, bits, out, lo, m, drop_at):  # type: ignore[no-untyped-def]
    return join_one(z, n, bits, out, lo, m, drop_at, 30)

@numba.njit(cache=True, nogil=True)
def join_rows_k(Z, n, bits, Vn, V, m, drop_at):  # type: ignore[no-untyped-def]
    # Row r of Vn: (row r of Z's product << m) + row 2r of V (32-bit words): a batched level's
    # joins; the round-off and magnitude maxima and the flags over all rows (drop_at: row 0's).
    err = 0.0
    mag = 0.0
    bad = False
    over = False
    dropped = False
    for r in range(Z.shape[0]):
        e, g, b, o, d = join_one(Z[r], n, bits, Vn[r], V[2 * r], m, drop_at if r == 0 else -1, 32)
        err = max(err, e)
        mag = max(mag, g)
        bad |= b
        over |= o
        dropped |= d
    return err, mag, bad, over, dropped

@numba.njit(cache=True, nogil=True)
def powmod(b, e, q):  # type: ignore[no-untyped-def]
    # b**e mod q for b < q < 2**31.
    r = np.uint64(1)
    b = np.uint64(b) % np.uint64(q)
    Q = np.uint64(q)
    while e > 0:
        if e & 1:
            r = r * b % Q
        b = b * b % Q
        e >>= 1
    return r

@numba.njit(cache=True, nogil=True, inline="always")
def mulmod(a, b, v, Q, inv):  # type: ignore[no-untyped-def]
    # (a * b + v) mod Q for a, b < Q < 2**31 and v < 2**60 (v < 2**30 when Q < 2**20), without
    # an integer division.  t = a b + v < 2**62 + 2**60 < 2**63; inv = fl(1/Q).  The float
    # quotient fl(fl(t) * inv) is within (t/Q) * 3.0001 * 2**-53 of t/Q (three roundings of
    # relative size <= 2**-53), and t/Q < Q + v/Q < 2**33 for Q >= 2**20 (< 2**31 + 2**10
    # for smaller Q with v < 2**30): within 2**-18.  So its truncation q is floor(t/Q) - 1,
    # + 0 or + 1 and r = t - q Q lies in [-Q, 2Q): one correction each way gives t mod Q
    # exactly.  (Tested against Python's % at the edges.)
    t = np.int64(a) * np.int64(b) + np.int64(v)  # signed: native int <-> float conversions
    q = np.int64(np.float64(t) * inv)
    r = t - q * np.int64(Q)
    if r < 0:
        r += np.int64(Q)
    if r >= np.int64(Q):
        r -= np.int64(Q)
    return np.uint64(r)

@numba.njit(cache=True, nogil=True, inline="always")
def step4(a, v, b, Q, inv):  # type: ignore[no-untyped-def]
    # One Horner step of four independent chains: a[i] * b + v[i] (mod Q).
    return (mulmod(a[0], b, v[0], Q, inv), mulmod(a[1], b, v[1], Q, inv),
            mulmod(a[2], b, v[2], Q, inv), mulmod(a[3], b, v[3], Q, inv))

@numba.njit(cache=True, nogil=True, inline="always")
def join4(a, p, Q):  # type: ignore[no-untyped-def]
    # Four chains over equal ranges (a[0] the most significant) as one number: p = base**h mod Q.
    return (((a[0] * p + a[1]) % Q * p + a[2]) % Q * p + a[3]) % Q

#: Digits per block of ``res_k``'s weighted sums (the weight table's length, ``fused.residue_weights``).
RES_BLOCK = 2048

@numba.njit(cache=True, nogil=True)
def res_k(d, count, q1, q2, W):  # type: ignore[no-untyped-def]
    # The number with 30-bit digits d[:count] modulo q1 and q2 (2**20 <= q < 2**31), as weighted
    # sums over blocks of B = W.shape[1] digits: W[i, j] = 2**(30 j) mod q_i (< 2**31), so a
    # block's value is sum_j d_j W[i, j] (mod q_i); the blocks are combined by Horner steps with
    # 2**(30 B) mod q_i, from the top.  Each digit is split into its low 16 and high 14 bits, so
    # every product is of two 32-bit values (one vectorised multiply) below 2**47, and a block's
    # four sums of B <= 2**16 of them stay below 2**63 (uint64, no wrap): exact integer
    # arithmetic, reduced once per block.  (Words of up to 32 bits would still fit.)
    B = W.shape[1]
    w1 = W[0]
    w2 = W[1]
    Q1 = np.uint64(q1)
    Q2 = np.uint64(q2)
    inv1 = 1.0 / q1
    inv2 = 1.0 / q2
    P1 = powmod((1 << 30) % q1, B, q1)
    P2 = powmod((1 << 30) % q2, B, q2)
    r1 = np.uint64(0)
    r2 = np.uint64(0)
    s16 = np.uint64(16)
    low = np.uint32(0xFFFF)
    for k in range((count + B - 1) // B - 1, -1, -1):
        lo = k * B
        m = min(B, count - lo)
        dd = d[lo:lo + m]
        a0 = np.uint64(0)
        a1 = np.uint64(0)
        a2 = np.uint64(0)
        a3 = np.uint64(0)
        for j in range(m):
            x = dd[j]
            xl = np.uint64(x & low)
            xh = np.uint64(x >> np.uint32(16))
            u = np.uint64(w1[j])
            v = np.uint64(w2[j])
            a0 += xl * u
            a1 += xh * u
            a2 += xl * v
            a3 += xh * v
        v1 = (((a1 % Q1) << s16) + a0 % Q1) % Q1
        v2 = (((a3 % Q2) << s16) + a2 % Q2) % Q2
        r1 = mulmod(r1, P1, v1, Q1, inv1)
        r2 = mulmod(r2, P2, v2, Q2, inv2)
    return r1, r2

@numba.njit(cache=True, nogil=True)
def round_check_k(z, n, bits, out, drop_at, da, db, square, q1, q2, W):  # type: ignore[no-untyped-def]
    # round_k, then the residues of the operands' digits da, db (da again for a square) and of
    # the digits just written to out: one call instead of four (each call ~0.7 us of dispatch).
    err, mag, bad, over, dropped = round_k(z, n, bits, out, drop_at)
    a1, a2 = res_k(da, len(da), q1, q2, W)
    if square:
        b1, b2 = a1, a2
    else:
        b1, b2 = res_k(db, len(db), q1, q2, W)
    c1, c2 = res_k(out, len(out), q1, q2, W)
    return err, mag, bad, over, dropped, a1, a2, b1, b2, c1, c2

@numba.njit(cache=True, nogil=True)
def dec_split_k(d, k, n, out):  # type: ignore[no-untyped-def]
    # d: digit values, most significant first; limb i holds digits [m - (i+1)k, m - ik).
    base = np.int64(10) ** k
    half = base // 2
    m = len(d)
    carry = np.int64(0)
    for i in range(n):
        hi = m - i * k
        lo = hi - k if hi - k > 0 else 0
        v = np.int64(0)
        for j in range(lo, hi):
            v = v * 10 + np.int64(d[j])
        v += carry
        carry = np.int64(v >= half)  # no branch on random data
        out[i] = v - carry * base
    out[n] = carry

@numba.njit(cache=True, nogil=True)
def group9(d, offset, pad, g):  # type: ignore[no-untyped-def]
    # Value of the g-th group of 9 digits (most significant first) of d left-padded with ``pad`` zeros.
    v = np.int64(0)
    start = 9 * g - pad
    for t in range(start, start + 9):
        v = v * 10 + ((np.int64(d[t]) - offset) if t >= 0 else 0)
    return np.uint64(v)

@numba.njit(cache=True, nogil=True)
def dec_res_k(d, offset, q1, q2):  # type: ignore[no-untyped-def]
    # The decimal number in d (most significant first) modulo q1 and q2, over groups of 9
    # digits (10**9 * q < 2**62): four independent Horner chains over four equal contiguous
    # ranges of groups (zero groups padded at the top), combined with 10**(9h) at the end.
    m = len(d)
    h = ((m + 8) // 9 + 3) // 4
    pad = 36 * h - m  # leading zero digits so that 4h groups of 9 cover d exactly
    P1 = np.uint64(10 ** 9 % q1)
    P2 = np.uint64(10 ** 9 % q2)
    Q1 = np.uint64(q1)
    Q2 = np.uint64(q2)
    inv1 = 1.0 / q1
    inv2 = 1.0 / q2
    zero = np.uint64(0)
    A = (zero, zero, zero, zero)
    C = (zero, zero, zero, zero)
    for t in range(h):
        v = (group9(d, offset, pad, t), group9(d, offset, pad, h + t),
             group9(d, offset, pad, 2 * h + t), group9(d, offset, pad, 3 * h + t))
        A = step4(A, v, P1, Q1, inv1)
        C = step4(C, v, P2, Q2, inv2)
    return join4(A, powmod(P1, h, q1), Q1), join4(C, powmod(P2, h, q2), Q2)

@numba.njit(cache=True, nogil=True, inline="always")
def dec_div(c, base, inv):  # type: ignore[no-untyped-def]
    # (c // base, c % base) by a float reciprocal (|c| < 2**54: the floor is within one), corrected.
    q = np.int64(np.floor(c * inv))
    limb = c - q * base
    if limb < 0:
        q -= 1
        limb += base
    elif limb >= base:
        q += 1
        limb -= base
    return q, limb


@numba.njit(cache=True, nogil=True)
def dec_round_k(z, n, k, out, drop_at, table):  # type: ignore[no-untyped-def]
    # Round, carry in base 10**k, write ASCII from the end of ``out`` backwards.
    base = np.int64(10) ** k
    inv = 1.0 / float(base)
    nout = len(out)
    err = 0.0
    mag = 0.0
    bad = False
    over = False
    dropped = False
    carry = np.int64(0)
    pos = nout  # next digit goes to out[pos - 1]
    i = 0
    while i < n or carry != 0:
        if i < n:
            v, err, mag, b = round_one(z[i], err, mag)
            bad |= b
            c = carry + v
        else:
            c = carry
        if i > n + 64:
            bad = True
            break
        # No integer division on the carry chain's critical path.
        carry, limb = dec_div(c, base, inv)
        if i == drop_at and carry != 0:
            carry = np.int64(0)
            dropped = True
        if pos >= k:  # the usual case: k ASCII digits from the table
            pos -= k
            t0 = limb * k
            for j in range(k):
                out[pos + j] = table[t0 + j]
        else:
            for _ in range(k):
                dig = limb % 10
                limb //= 10
                if pos > 0:
                    pos -= 1
                    out[pos] = np.uint8(48 + dig)
                elif dig != 0:
                    over = True
        i += 1
    while pos > 0:
        pos -= 1
        out[pos] = np.uint8(48)
    if carry < 0:
        bad = True
    return err, mag, bad, over, dropped

@numba.njit(cache=True, nogil=True, inline="always")
def put_limb(out, i, k, limb, table):  # type: ignore[no-untyped-def]
    # The k digit values of limb i (from the table) at out[len(out) - (i+1)k:]; True when a
    # non-zero digit falls above out's first position.
    start = len(out) - (i + 1) * k
    t0 = limb * k
    if start >= 0:
        for j in range(k):
            out[start + j] = table[t0 + j]
        return False
    over = False
    for j in range(k):
        if start + j >= 0:
            out[start + j] = table[t0 + j]
        elif table[t0 + j] != 0:
            over = True
    return over


@numba.njit(cache=True, nogil=True, inline="always")
def get_limb(out, i, k):  # type: ignore[no-untyped-def]
    # The value of limb i as written by put_limb (digits above out's first position read as 0).
    start = len(out) - (i + 1) * k
    v = np.int64(0)
    for j in range(k):
        if start + j >= 0:
            v = v * 10 + np.int64(out[start + j])
    return v


@numba.njit(cache=True, nogil=True, inline="always")
def join_limb(z, i, lv, c, base, inv, e, drop_at):  # type: ignore[no-untyped-def]
    # One limb of a carry chain: rounded coefficient i plus lo's limb plus the chain's carry.
    # e = (round-off, magnitude, bad, dropped) of this chain, updated without branches on the
    # round-off and magnitude (a NaN or |x| >= 2**53 fails ``a < 2**53`` and sets bad).
    x = z[i]
    r = np.rint(x)
    d = abs(x - r)
    a = abs(r)
    ok = a < 9.007199254740992e15
    v = np.int64(r) if ok else np.int64(0)
    c, limb = dec_div(c + v + lv[i], base, inv)
    dropped = e[3]
    if i == drop_at and c != 0:  # fault injection: the carry out of limb drop_at is lost
        c = np.int64(0)
        dropped = True
    return c, limb, (d if d > e[0] else e[0], a if a > e[1] else e[1], e[2] or not ok, dropped)


@numba.njit(cache=True, nogil=True, inline="always")
def chains4(z, n, seg, lv, base, inv, drop_at, out, table, k):  # type: ignore[no-untyped-def]
    # dec_join_k's four interleaved carry chains over limbs [0, n) in ranges of seg (3 seg <= n).
    c0 = np.int64(0)
    c1 = np.int64(0)
    c2 = np.int64(0)
    c3 = np.int64(0)
    e0 = (0.0, 0.0, False, False)
    e1 = e0
    e2 = e0
    e3 = e0
    over = False
    for t in range(seg):
        c0, l0, e0 = join_limb(z, t, lv, c0, base, inv, e0, drop_at)
        c1, l1, e1 = join_limb(z, seg + t, lv, c1, base, inv, e1, drop_at)
        c2, l2, e2 = join_limb(z, 2 * seg + t, lv, c2, base, inv, e2, drop_at)
        over |= put_limb(out, t, k, l0, table)
        over |= put_limb(out, seg + t, k, l1, table)
        over |= put_limb(out, 2 * seg + t, k, l2, table)
        if 3 * seg + t < n:
            c3, l3, e3 = join_limb(z, 3 * seg + t, lv, c3, base, inv, e3, drop_at)
            over |= put_limb(out, 3 * seg + t, k, l3, table)
    return c0, c1, c2, c3, e0, e1, e2, e3, over


@numba.njit(cache=True, nogil=True)
def dec_join_k(z, n, k, out, lo, drop_at, table):  # type: ignore[no-untyped-def]
    # dec_round_k with the digit values lo (most significant first) added at the right end, and
    # digit values (0-9, from ``table``) written instead of ASCII: hi * P + lo in one pass.
    # lo < 10**(k n) is the caller's contract (a longer lo sets ``over``).  The carry chain (a
    # float division per limb, latency bound) runs as four independent chains over four
    # consecutive ranges of limbs, interleaved; each range's outgoing carry is then added into
    # the next range from its bottom, only as far as it changes digits.  Exact: every step is an
    # integer identity, in the order of the single chain's sum.
    base = np.int64(10) ** k
    inv = 1.0 / float(base)
    over = False
    lv = np.zeros(n + 1, dtype=np.int64)  # lo's limbs
    nlo = len(lo)
    for i in range(min(n, (nlo + k - 1) // k)):
        top = nlo - i * k
        t = np.int64(0)
        for j in range(top - k if top > k else 0, top):
            t = t * 10 + np.int64(lo[j])
        lv[i] = t
    seg = (n + 3) // 4 if n >= 16 else n  # 3 seg <= n from n >= 9: chains 0-2 need no bound check
    c0 = np.int64(0)
    c1 = np.int64(0)
    c2 = np.int64(0)
    c3 = np.int64(0)
    e0 = (0.0, 0.0, False, False)  # per chain: round-off, magnitude, bad, dropped
    e1 = e0
    e2 = e0
    e3 = e0
    if n < 16:
        for i in range(n):
            c0, l0, e0 = join_limb(z, i, lv, c0, base, inv, e0, drop_at)
            over |= put_limb(out, i, k, l0, table)
    else:
        # The same loop with k a constant where it usually is (the digit copies unrolled).
        if k == 4:
            c0, c1, c2, c3, e0, e1, e2, e3, over = chains4(z, n, seg, lv, base, inv, drop_at, out, table, 4)
        elif k == 3:
            c0, c1, c2, c3, e0, e1, e2, e3, over = chains4(z, n, seg, lv, base, inv, drop_at, out, table, 3)
        else:
            c0, c1, c2, c3, e0, e1, e2, e3, over = chains4(z, n, seg, lv, base, inv, drop_at, out, table, k)
    err = max(max(e0[0], e1[0]), max(e2[0], e3[0]))
    mag = max(max(e0[1], e1[1]), max(e2[1], e3[1]))
    bad = e0[2] or e1[2] or e2[2] or e3[2]
    dropped = e0[3] or e1[3] or e2[3] or e3[3]
    # Each range's carry into the next, bottom up.
    carry = c0
    for r in range(1, 4 if n >= 16 else 1):
        i = r * seg
        end = min((r + 1) * seg, n)
        while carry != 0 and i < end:
            carry, limb = dec_div(get_limb(out, i, k) + carry, base, inv)
            over |= put_limb(out, i, k, limb, table)
            i += 1
        carry += c1 if r == 1 else (c2 if r == 2 else c3)
    i = n
    while carry != 0:
        if i > n + 64:  # a carry that keeps going: not a non-negative result
            bad = True
            break
        carry, limb = dec_div(carry, base, inv)
        over |= put_limb(out, i, k, limb, table)
        i += 1
    for p in range(0, len(out) - i * k):  # above the last limb: zeros
        out[p] = 0
    if nlo > n * k:
        over = True
    if carry < 0:
        bad = True
    return err, mag, bad, over, dropped


@numba.njit(cache=True, nogil=True)
def slot_split_k(words, raw, nb, bits, n, out):  # type: ignore[no-untyped-def]
    # Balanced bits-bit limbs of X = sum x[i] 2**(w i) from the two's complement w-bit slots in
    # raw (their bytes; words: the same buffer as uint32, zero padded): the unsigned stream is
    # sum (x[i] mod 2**w) 2**(w i), and every negative slot owes 2**(w (i + 1)), subtracted in
    # the limb holding that bit.  |limb + carry - owed| < 2**bits + 1, so one balancing step
    # keeps every limb in [-2**(bits-1), 2**(bits-1)).
    mask = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    half = np.int64(1) << np.int64(bits - 1)
    w = 8 * nb
    nslots = len(raw) // nb
    acc = np.uint64(0)
    accbits = 0
    si = 0
    p = w  # the next borrow's bit, w * (i + 1) for slot i ...
    pend = w * (nslots + 1)
    top = nb - 1  # ... and the index of slot i's top byte
    carry = np.int64(0)
    lo = 0
    for i in range(n):
        field, acc, accbits, si = take(acc, accbits, words, si, bits, mask, 32)
        v = field + carry
        hi = lo + bits
        while p < hi and p < pend:
            if raw[top] >= 128:
                v -= np.int64(1) << np.int64(p - lo)
            p += w
            top += nb
        lo = hi
        carry = (v + half) >> bits  # -1, 0 or 1: no branch on random data
        out[i] = v - (carry << bits)
    out[n] = carry

@numba.njit(cache=True, nogil=True)
def slot_round_k(z, n, bits, w, count, out, drop_at):  # type: ignore[no-untyped-def]
    # Round z[:n], carry in base 2**bits and add H = sum 2**(w-1) 2**(w k) (k < count) on the
    # way: the result D = C + H is packed into the uint32 words of out.  D's w-bit slots are
    # c[k] + 2**(w-1) when every |c[k]| < 2**(w-1); over flags digits past out or D < 0.
    mask = (np.int64(1) << np.int64(bits)) - np.int64(1)
    err = 0.0
    mag = 0.0
    bad = False
    over = False
    dropped = False
    carry = np.int64(0)
    acc = np.uint64(0)
    accbits = 0
    oi = 0
    hp = w - 1  # next H bit
    hend = w * count
    i = 0
    lo = 0
    while i < n or carry != 0 or hp < hend:
        if i < n:
            v, err, mag, b = round_one(z[i], err, mag)
            bad |= b
            c = carry + v
        else:
            if hp >= hend and carry < 0:  # D < 0: the slots do not hold the coefficients
                over = True
                break
            c = carry
        hi = lo + bits
        while hp < hi and hp < hend:
            c += np.int64(1) << np.int64(hp - lo)
            hp += w
        lo = hi
        carry, acc, accbits, oi, over = carry_limb(c, bits, mask, acc, accbits, out, oi, over, 32)
        if i == drop_at and carry != 0:  # fault injection: the carry out of limb drop_at is lost
            carry = np.int64(0)
            dropped = True
        i += 1
    acc, accbits, oi, over = emit(acc, accbits, out, oi, over, 32, True)
    return err, mag, bad, over, dropped



@numba.njit(cache=True, nogil=True)
def dec_add_k(p, lo, out):  # type: ignore[no-untyped-def]
    # out[1:] = the ASCII digits p (most significant first) plus the digit values lo aligned at
    # the right end, as digit values; out[0] = the carry out of the top (0 or 1).
    n = len(p)
    shift = n - len(lo)
    c = 0
    for i in range(n - 1, -1, -1):
        v = np.int64(p[i]) - 48 + c
        if i >= shift:
            v += lo[i - shift]
        c = 1 if v >= 10 else 0
        out[i + 1] = v - 10 * c
    out[0] = c


@numba.njit(cache=True, nogil=True)
def dec_scale_k(d, m, out):  # type: ignore[no-untyped-def]
    # The ASCII digits of D * m into the right end of out (D: the digit values d, most significant
    # first; 0 <= m < 10**17, so every partial value v = d * m + carry < 10 * m fits 64 bits: the
    # carry stays below m).  Unsigned arithmetic: the division by 10 is a multiply and a shift.
    # Returns the index in out of the first digit written.
    j = len(out) - 1
    mu = np.uint64(m)
    ten = np.uint64(10)
    c = np.uint64(0)
    for i in range(len(d) - 1, -1, -1):
        v = np.uint64(d[i]) * mu + c
        c = v // ten
        out[j] = np.uint8(48 + (v - ten * c))
        j -= 1
    while c > 0:
        q = c // ten
        out[j] = np.uint8(48 + (c - ten * q))
        c = q
        j -= 1
    return j + 1


@numba.njit(cache=True, nogil=True)
def twiddle_fly_k(S, A, B, s, L, r0, conj):  # type: ignore[no-untyped-def]
    # S[i, j2] *= w**(k1 j2 mod L) (conj: its conjugate), k1 = r0 + i, each root computed as the
    # matrix twiddle_k builds holds it, A[m >> s] * B[m & mask]: the four-step's twiddle stage
    # without the matrix (sizes whose matrix would not fit the cache budget).
    mask = (1 << s) - 1
    n = S.shape[1]
    for i in range(S.shape[0]):
        k1 = r0 + i
        row = S[i]
        m = 0
        for j in range(n):
            t = A[m >> s] * B[m & mask]
            a = row[j].real
            b = row[j].imag
            c = t.real
            d = -t.imag if conj else t.imag
            row[j] = complex(a * c - b * d, a * d + b * c)
            m += k1
            if m >= L:
                m -= L

@numba.njit(cache=True, nogil=True)
def twiddle_conj_k(S, T):  # type: ignore[no-untyped-def]
    # S *= conj(T) elementwise (the four-step inverse's twiddle stage) in one pass: numpy needs
    # three (conj, multiply, conj) to avoid a full-size temporary.
    n = S.shape[1]
    for i in range(S.shape[0]):
        s = S[i]
        t = T[i]
        for j in range(n):
            a = s[j].real
            b = s[j].imag
            c = t[j].real
            d = t[j].imag
            s[j] = complex(a * c + b * d, b * c - a * d)

@numba.njit(cache=True, nogil=True)
def twiddle_k(A, B, s, L, T, r0):  # type: ignore[no-untyped-def]
    # Rows r0, r0 + 1, ... of the four-step twiddle matrix into T: T[i, j2] = w**(k1 * j2 mod L),
    # k1 = r0 + i, from the two tables A (w**(m >> s)) and B (w**(m & mask)): the same products as
    # the numpy path, in one pass.
    mask = (1 << s) - 1
    for i in range(T.shape[0]):
        k1 = r0 + i
        m = 0  # k1 * j2 mod L, stepped by k1
        for j2 in range(T.shape[1]):
            T[i, j2] = A[m >> s] * B[m & mask]
            m += k1
            if m >= L:
                m -= L
