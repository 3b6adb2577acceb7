"""The numba kernels of the small-prime NTT (``smallprime.py``), at module level so numba's disk cache holds them.

What this is for: the compiled passes of a four-step number-theoretic
transform modulo primes below ``2**31``, with residues stored as ``uint32``
and computed in ``uint64`` lanes, and the CRT that turns three primes'
residues into the product's 30-bit digits.  Imported only by
``smallprime.kernels()``, on the first product that uses them.
What it is not for: calling directly -- ``smallprime.py`` wraps each kernel
with its contract.

Arithmetic (every bound below is what makes the kernels exact):

- ``mont(a, b)`` is Montgomery's product with ``R = 2**32``: for ``a, b < 2**32``
  and ``a * b < p * R`` it returns ``a * b / R mod p`` as a value in
  ``[0, 2p)``: ``t = a b``, ``m = (t mod R) * (-1/p) mod R``, ``(t + m p) / R``
  is an integer (``t + m p = 0 mod R``) and below ``(p R + R p) / R = 2p``.
  ``t + m p < 2**62 + 2**63`` does not wrap in ``uint64``.  Every call here
  has ``a < 2p < 2**32`` and ``b < p`` (so ``a b < 2 p**2 < p R`` for ``p < 2**31``).
  Both factors are masked to 32 bits, which changes no value and lets LLVM
  use the 32x32->64-bit vector multiply.
- ``red(x) = min(x, x - p)`` (unsigned) maps ``[0, 2p)`` to ``[0, p)``: below ``p``,
  ``x - p`` wraps to a huge value and ``x`` is the minimum.
- A butterfly's sum of two residues is below ``2p``; ``u + p - v`` is in ``[1, 2p)``.
- Constants (stage twiddles, four-step twiddles) are kept in Montgomery form
  ``w R mod p``, so ``mont(x, w R) = x w mod p``; the pointwise product
  ``mont(X, Y) = X Y / R`` leaves a factor ``1/R`` that the CRT's first
  multiplication removes together with ``1/L``.

The transform (``L = n1 * n2``, the array read as ``n2`` rows of ``n1``): the
columns' length-``n2`` transforms (radix-4 decimation in frequency, natural in,
bit-reversed out), each element times ``w_L**(j1 k2)``, then the rows' length-``n1``
transforms.  The output is in a scrambled order, which a convolution does not
see: the pointwise product is elementwise and the inverse undoes each step in
reverse (decimation in time, bit-reversed in, natural out).  Each pass works
on ``G`` columns (or rows, transposed) at once in a small buffer, so the
innermost loop runs over ``G`` independent lanes.
"""
from __future__ import annotations

import numba
import numpy as np

#: Lanes per pass: columns per column group, rows per row group.
G = 16
#: Coefficients per block of the CRT (Garner's step on a block in L1, then its carry chain).
CRT_BLOCK = 1024


@numba.njit(cache=True, nogil=True, inline="always")
def mont(a, b, p, pinv):  # type: ignore[no-untyped-def]
    M = np.uint64(0xFFFFFFFF)
    t = (a & M) * (b & M)
    m = ((t & M) * (pinv & M)) & M
    return (t + m * (p & M)) >> np.uint64(32)


@numba.njit(cache=True, nogil=True, inline="always")
def red(x, p):  # type: ignore[no-untyped-def]
    return min(x, x - p)


@numba.njit(cache=True, nogil=True, inline="always")
def reduce8(x, p):  # type: ignore[no-untyped-def]
    # x mod p for x < 8p: each step halves the range (x - 4p wraps past zero when x < 4p).
    x = min(x, x - np.uint64(4) * p)
    x = min(x, x - np.uint64(2) * p)
    return min(x, x - p)


@numba.njit(cache=True, nogil=True)
def mpow(b, e, p, pinv, one):  # type: ignore[no-untyped-def]
    """``b**e`` for ``b`` in Montgomery form (``one = R mod p``), in Montgomery form, in ``[0, p)``."""
    r = np.uint64(one)
    b = np.uint64(b)
    while e > 0:
        if e & 1:
            r = red(mont(r, b, p, pinv), p)
        b = red(mont(b, b, p, pinv), p)
        e >>= 1
    return r


@numba.njit(cache=True, nogil=True)
def stage_table_k(W, n, w, p, pinv, one):  # type: ignore[no-untyped-def]
    # W[h + i] = (w**(n / (2 h)))**i in Montgomery form, for every span h = n/2, ..., 1 (w: a
    # primitive n-th root in Montgomery form): the twiddles of a length-n transform's stages.
    h = n >> 1
    while h >= 1:
        wh = mpow(w, n // (2 * h), p, pinv, one)
        v = np.uint64(one)
        for i in range(h):
            W[h + i] = np.uint32(v)
            v = red(mont(v, wh, p, pinv), p)
        h >>= 1


@numba.njit(cache=True, nogil=True)
def four_table_k(TA, STEP, n2, w, p, pinv, one):  # type: ignore[no-untyped-def]
    # TA[r, g] = w**(g k2) and STEP[r] = w**(G k2), k2 the bit reversal of row r (w: a primitive
    # L-th root, Montgomery form): the four-step twiddles of column g of a group, and the step
    # from one group to the next.
    bits = 0
    while (1 << bits) < n2:
        bits += 1
    for r in range(n2):
        k2 = 0
        for j in range(bits):
            if (r >> j) & 1:
                k2 |= 1 << (bits - 1 - j)
        b = mpow(w, k2, p, pinv, one)
        v = np.uint64(one)
        for g in range(G):
            TA[r, g] = np.uint32(v)
            v = red(mont(v, b, p, pinv), p)
        STEP[r] = np.uint32(v)


@numba.njit(cache=True, nogil=True)
def dif_rows(T, n, W, p, pinv):  # type: ignore[no-untyped-def]
    # Length-n transform (decimation in frequency: natural in, bit-reversed out) of each of
    # T's G columns, over T's n rows; radix 4, one radix-2 stage first when log2(n) is odd.
    h = n >> 1
    lg = 0
    while (1 << lg) < n:
        lg += 1
    if lg % 2 == 1:
        for i in range(h):
            w = np.uint64(W[h + i])
            for g in range(G):
                u = np.uint64(T[i, g])
                v = np.uint64(T[i + h, g])
                T[i, g] = np.uint32(red(u + v, p))
                T[i + h, g] = np.uint32(red(mont(u + p - v, w, p, pinv), p))
        h >>= 1
    while h >= 2:
        q = h >> 1
        for s in range(0, n, 2 * h):
            for i in range(q):
                w1 = np.uint64(W[h + i])
                w2 = np.uint64(W[h + i + q])
                w3 = np.uint64(W[q + i])
                a = s + i
                for g in range(G):
                    x0 = np.uint64(T[a, g])
                    x1 = np.uint64(T[a + q, g])
                    x2 = np.uint64(T[a + 2 * q, g])
                    x3 = np.uint64(T[a + 3 * q, g])
                    y0 = red(x0 + x2, p)
                    y2 = red(mont(x0 + p - x2, w1, p, pinv), p)
                    y1 = red(x1 + x3, p)
                    y3 = red(mont(x1 + p - x3, w2, p, pinv), p)
                    T[a, g] = np.uint32(red(y0 + y1, p))
                    T[a + q, g] = np.uint32(red(mont(y0 + p - y1, w3, p, pinv), p))
                    T[a + 2 * q, g] = np.uint32(red(y2 + y3, p))
                    T[a + 3 * q, g] = np.uint32(red(mont(y2 + p - y3, w3, p, pinv), p))
        h >>= 2


@numba.njit(cache=True, nogil=True)
def dit_rows(T, n, W, p, pinv):  # type: ignore[no-untyped-def]
    # The inverse of dif_rows up to the factor n (W: the inverse root's stage table):
    # decimation in time, bit-reversed in, natural out; radix 4, the odd radix-2 stage last.
    lg = 0
    while (1 << lg) < n:
        lg += 1
    h = 1
    for _ in range(lg // 2):
        H = 2 * h
        for s in range(0, n, 2 * H):
            for i in range(h):
                w0 = np.uint64(W[h + i])
                w1 = np.uint64(W[H + i])
                w2 = np.uint64(W[H + i + h])
                a = s + i
                for g in range(G):
                    x0 = np.uint64(T[a, g])
                    x1 = np.uint64(T[a + h, g])
                    x2 = np.uint64(T[a + 2 * h, g])
                    x3 = np.uint64(T[a + 3 * h, g])
                    t1 = red(mont(x1, w0, p, pinv), p)
                    t3 = red(mont(x3, w0, p, pinv), p)
                    y0 = red(x0 + t1, p)
                    y1 = red(x0 + p - t1, p)
                    y2 = red(x2 + t3, p)
                    y3 = red(x2 + p - t3, p)
                    z2 = red(mont(y2, w1, p, pinv), p)
                    z3 = red(mont(y3, w2, p, pinv), p)
                    T[a, g] = np.uint32(red(y0 + z2, p))
                    T[a + 2 * h, g] = np.uint32(red(y0 + p - z2, p))
                    T[a + h, g] = np.uint32(red(y1 + z3, p))
                    T[a + 3 * h, g] = np.uint32(red(y1 + p - z3, p))
        h *= 4
    if lg % 2 == 1:
        for i in range(h):
            w = np.uint64(W[h + i])
            for g in range(G):
                u = np.uint64(T[i, g])
                t = red(mont(np.uint64(T[i + h, g]), w, p, pinv), p)
                T[i, g] = np.uint32(red(u + t, p))
                T[i + h, g] = np.uint32(red(u + p - t, p))


@numba.njit(cache=True, nogil=True)
def group_start(STEP, n2, m0, p, pinv, one):  # type: ignore[no-untyped-def]
    # Row r's four-step twiddle factor w**(G m0 k2) at column group m0 (Montgomery form).
    cur = np.empty(n2, dtype=np.uint64)
    for r in range(n2):
        cur[r] = mpow(STEP[r], m0, p, pinv, one)
    return cur


@numba.njit(cache=True, nogil=True)
def twiddle_rows(T, n2, TA, STEP, cur, p, pinv):  # type: ignore[no-untyped-def]
    # T[r, g] *= cur[r] * TA[r, g] (this column group's four-step twiddles), then cur[r] moves on
    # to the next group (times STEP[r]).
    for r in range(n2):
        c = cur[r]
        for g in range(G):
            t = red(mont(np.uint64(TA[r, g]), c, p, pinv), p)
            T[r, g] = np.uint32(red(mont(np.uint64(T[r, g]), t, p, pinv), p))
        cur[r] = red(mont(c, np.uint64(STEP[r]), p, pinv), p)


@numba.njit(cache=True, nogil=True, inline="always")
def cols_out(T, dst, c0, n1, n2, n_out):  # type: ignore[no-untyped-def]
    # T's rows into columns c0 .. c0 + G - 1 of dst (read as rows of n1), the first n_out values:
    # the strided stores as a plain copy, the arithmetic done in T.
    for r in range(n2):
        base = r * n1 + c0
        if base + G <= n_out:
            for g in range(G):
                dst[base + g] = T[r, g]
        elif base < n_out:
            for g in range(n_out - base):
                dst[base + g] = T[r, g]


@numba.njit(cache=True, nogil=True)
def col_fwd_k(src, n_src, A, n1, n2, m0, m1, W2, TA, STEP, p, pinv, one):  # type: ignore[no-untyped-def]
    # Column groups m0 <= m < m1 (columns G m .. G m + G - 1) of the forward transform: the
    # columns read from src (limbs below 2**33 < 8p, reduced mod p; zeros from n_src on),
    # transformed, multiplied by the four-step twiddles, written to A.
    T = np.empty((n2, G), dtype=np.uint32)
    cur = group_start(STEP, n2, m0, p, pinv, one)
    for m in range(m0, m1):
        c0 = m * G
        for r in range(n2):
            base = r * n1 + c0
            if base + G <= n_src:
                for g in range(G):
                    T[r, g] = np.uint32(reduce8(np.uint64(src[base + g]), p))
            else:
                for g in range(G):
                    T[r, g] = np.uint32(reduce8(np.uint64(src[base + g]), p)) if base + g < n_src else 0
        dif_rows(T, n2, W2, p, pinv)
        twiddle_rows(T, n2, TA, STEP, cur, p, pinv)
        cols_out(T, A, c0, n1, n2, len(A))


@numba.njit(cache=True, nogil=True)
def col_inv_k(A, out, n_out, n1, n2, m0, m1, W2, TA, STEP, p, pinv, one):  # type: ignore[no-untyped-def]
    # Column groups m0 <= m < m1 of the inverse transform (TA, STEP, W2: the inverse root's):
    # twiddles, the columns' inverse transforms, the first n_out values written to out.
    T = np.empty((n2, G), dtype=np.uint32)
    cur = group_start(STEP, n2, m0, p, pinv, one)
    for m in range(m0, m1):
        c0 = m * G
        for r in range(n2):
            base = r * n1 + c0
            for g in range(G):
                T[r, g] = A[base + g]
        twiddle_rows(T, n2, TA, STEP, cur, p, pinv)
        dit_rows(T, n2, W2, p, pinv)
        cols_out(T, out, c0, n1, n2, n_out)


@numba.njit(cache=True, nogil=True, inline="always")
def rows_in(A, T, rr, n1):  # type: ignore[no-untyped-def]
    # Rows rr .. rr + G - 1 of A (n1 points each) into T's columns.
    for g in range(G):
        base = (rr + g) * n1
        for j in range(n1):
            T[j, g] = A[base + j]


@numba.njit(cache=True, nogil=True, inline="always")
def rows_out(T, A, rr, n1):  # type: ignore[no-untyped-def]
    # T's columns back into rows rr .. rr + G - 1 of A.
    for g in range(G):
        base = (rr + g) * n1
        for j in range(n1):
            A[base + j] = T[j, g]


@numba.njit(cache=True, nogil=True)
def row_fwd_k(A, n1, r0, r1, W1, p, pinv):  # type: ignore[no-untyped-def]
    # Rows r0 <= r < r1 (a multiple of G apart) of A: their length-n1 forward transforms.
    T = np.empty((n1, G), dtype=np.uint32)
    for rr in range(r0, r1, G):
        rows_in(A, T, rr, n1)
        dif_rows(T, n1, W1, p, pinv)
        rows_out(T, A, rr, n1)


@numba.njit(cache=True, nogil=True)
def row_mul_inv_k(A, B, square, n1, r0, r1, W1, Wi1, p, pinv):  # type: ignore[no-untyped-def]
    # Rows r0 <= r < r1 of A: forward transforms, times B's transformed rows (square: times
    # themselves) -- Montgomery products, a factor 1/R -- and the rows' inverse transforms.
    T = np.empty((n1, G), dtype=np.uint32)
    for rr in range(r0, r1, G):
        rows_in(A, T, rr, n1)
        dif_rows(T, n1, W1, p, pinv)
        if square:
            for j in range(n1):
                for g in range(G):
                    x = np.uint64(T[j, g])
                    T[j, g] = np.uint32(red(mont(x, x, p, pinv), p))
        else:
            for g in range(G):
                base = (rr + g) * n1
                for j in range(n1):
                    T[j, g] = np.uint32(red(mont(np.uint64(T[j, g]), np.uint64(B[base + j]), p, pinv), p))
        dit_rows(T, n1, Wi1, p, pinv)
        rows_out(T, A, rr, n1)


@numba.njit(cache=True, nogil=True)
def limbs_k(d, w, n, out):  # type: ignore[no-untyped-def]
    # The first n w-bit limbs (31 <= w <= 33) of the number with 30-bit digits d, into out
    # (uint64; zeros past the number's end).  Limb j is bits j w .. j w + w - 1: at most three
    # digits from digit (j w) // 30, shifted by s = j w mod 30 <= 29, and s + w <= 62 < 64.
    mask = (np.uint64(1) << np.uint64(w)) - np.uint64(1)
    nd = len(d)
    for j in range(n):
        bit = j * w
        i = bit // 30
        s = bit - 30 * i
        x = np.uint64(0)
        if i < nd:
            x = np.uint64(d[i])
        if i + 1 < nd:
            x |= np.uint64(d[i + 1]) << np.uint64(30)
        if i + 2 < nd:
            x |= np.uint64(d[i + 2]) << np.uint64(60)
        out[j] = (x >> np.uint64(s)) & mask


@numba.njit(cache=True, nogil=True, inline="always")
def emit30(acc, accbits, out, oi, over):  # type: ignore[no-untyped-def]
    # Whole 30-bit words from the bit accumulator into out (a non-zero word past its end sets over).
    while accbits >= 30:
        word = acc & np.uint64((1 << 30) - 1)
        if oi < len(out):
            out[oi] = np.uint32(word)
        elif word:
            over = True
        oi += 1
        acc >>= np.uint64(30)
        accbits -= 30
    return acc, accbits, oi, over


@numba.njit(cache=True, nogil=True)
def crt_pack_k(R1, R2, R3, lo, hi, w, P, C, out, tail, drop_at):  # type: ignore[no-untyped-def]
    # Coefficients lo <= k < hi (lo w a multiple of 30) from their residues modulo three primes
    # (R1, R2, R3: the inverse transforms' values c L / R mod p), carried in base 2**w and packed
    # into the 30-bit digits out[lo w / 30 ...]; the carry chain starts at 0 at lo (tail: and runs
    # on to the end of out, every digit written).  P = (p1, p2, p3, pinv1, pinv2, pinv3);
    # C = (S1, S2, S3, I12, I13, I23): S_i = R**2 / L mod p_i (so mont(r, S_i) = c mod p_i),
    # I_ij = R / p_i mod p_j (Garner's inverses, Montgomery form).  Garner: t1 = c mod p1,
    # t2 = (c - t1) / p1 mod p2, t3 = ((c - t1) / p1 - t2) / p2 mod p3, c = t1 + p1 (t2 + p2 t3)
    # (below p1 p2 p3 < 2**93; needs p1 < 2 p2, p1 < 2 p3, p2 < 2 p3 for the one-step reductions).
    # c + carry is kept as two words (h, l): v = t2 + p2 t3 < 2**62 splits into 32-bit halves,
    # A = t1 + p1 v_lo < 2**64 and B = p1 v_hi < 2**61 give c = A + B 2**32; the carry after a
    # limb is (c + carry) >> w < 2**(93 - w) + 1, so h stays below 2**31 and no sum wraps.
    # R1 may be out itself when w = 30: Garner's step reads a block's R1[k] before its carry
    # chain writes out[k] (one word per coefficient, word k at coefficient k), and a half's words
    # start at its own first coefficient.
    # Returns (the carry left: past out's end with tail, else to add at digit hi w / 30; whether a
    # word past out's end was non-zero; whether drop_at lost a carry).
    p1, p2, p3 = P[0], P[1], P[2]
    q1, q2, q3 = P[3], P[4], P[5]
    S1, S2, S3, I12, I13, I23 = C[0], C[1], C[2], C[3], C[4], C[5]
    M32 = np.uint64(0xFFFFFFFF)
    uw = np.uint64(w)
    MW = (np.uint64(1) << uw) - np.uint64(1)
    back = np.uint64(64 - w)
    cl = np.uint64(0)
    ch = np.uint64(0)
    acc = np.uint64(0)
    accbits = 0
    oi = lo * w // 30
    over = False
    dropped = False
    T1 = np.empty(CRT_BLOCK, dtype=np.uint64)
    V = np.empty(CRT_BLOCK, dtype=np.uint64)
    for k0 in range(lo, hi, CRT_BLOCK):
        m = min(CRT_BLOCK, hi - k0)
        for i in range(m):  # Garner on a block: independent lanes, vectorised
            k = k0 + i
            t1 = red(mont(np.uint64(R1[k]), S1, p1, q1), p1)
            c2 = red(mont(np.uint64(R2[k]), S2, p2, q2), p2)
            t2 = red(mont(c2 + p2 - red(t1, p2), I12, p2, q2), p2)
            c3 = red(mont(np.uint64(R3[k]), S3, p3, q3), p3)
            u = red(mont(c3 + p3 - red(t1, p3), I13, p3, q3), p3)
            t3 = red(mont(u + p3 - red(t2, p3), I23, p3, q3), p3)
            T1[i] = t1
            V[i] = t2 + p2 * t3
        for i in range(m):  # the carry chain through the block
            v = V[i]
            A = T1[i] + p1 * (v & M32)
            B = p1 * (v >> np.uint64(32))
            l = A + (B << np.uint64(32))
            h = (B >> np.uint64(32)) + (np.uint64(1) if l < A else np.uint64(0))
            l2 = l + cl
            h += ch + (np.uint64(1) if l2 < l else np.uint64(0))
            acc |= (l2 & MW) << np.uint64(accbits)
            accbits += w
            cl = (l2 >> uw) | (h << back)
            ch = h >> uw
            if k0 + i == drop_at and (cl != 0 or ch != 0):
                cl = np.uint64(0)
                ch = np.uint64(0)
                dropped = True
            acc, accbits, oi, over = emit30(acc, accbits, out, oi, over)
    if tail:  # the carry's own limbs, then the last partial word, then zeros
        while cl != 0 or ch != 0:
            acc |= (cl & MW) << np.uint64(accbits)
            accbits += w
            cl = (cl >> uw) | (ch << back)
            ch >>= uw
            acc, accbits, oi, over = emit30(acc, accbits, out, oi, over)
        if accbits > 0:
            if oi < len(out):
                out[oi] = np.uint32(acc)
            elif acc:
                over = True
            oi += 1
        for j in range(oi, len(out)):
            out[j] = 0
    return cl, over or ch != 0, dropped
