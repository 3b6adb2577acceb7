"""Numba kernels of the Karatsuba engine (``karatsuba.py``): mid-size int products in one call.

What this is for: the products of ~2k-20k bits, below the float FFT's fixed cost and above
CPython's own multiply (its Karatsuba runs on 30-bit digits one at a time): the operands' bytes
in, the product's bytes out, with the operands' and the product's residues for the modular check.
What it is not for: large products (the FFT and NTT engines) or recursion: numba's disk cache
does not hold recursive functions reliably (a cached recursive kernel crashed the process on its
second load), so the Karatsuba levels here run one after another over all the blocks of a level.

Exactness, in the ring of integers modulo 2**64 (``uint64`` arithmetic, which wraps):
- limbs are 24 bits (three bytes); a level of Karatsuba adds the halves of each block, so after
  ``d <= MAX_DEPTH = 8`` levels every leaf value is below ``2**d * 2**24 <= 2**32``: it fits the
  32-bit factors of one vector multiply (``vpmuludq``), masked so that LLVM emits it;
- evaluation (sums), leaf products and interpolation (``P1 - P0 - P2``) are ring operations, so
  every computed coefficient equals the true one modulo 2**64 whatever wraps on the way;
- a true coefficient is a sum of at most ``nb`` products of two limbs, ``nb`` the shorter
  operand's limb count (padding adds zeros only), so it is below ``nb * 2**48``: for
  ``nb <= MAX_LIMBS = 2**15`` below 2**63, and the computed value is the true one;
- the carry chain adds a carry below ``2**40`` to a coefficient below ``2**63``: no wrap.
A kernel returns the residues of its input bytes and of its output bytes modulo two primes, so
the caller's modular check covers everything from the bytes ``int.to_bytes`` gave to the bytes
``int.from_bytes`` reads, and a carry left over past the product's bytes is reported.
"""
from __future__ import annotations

import numba
import numpy as np

#: Karatsuba levels at most (leaf values below 2**32).
MAX_DEPTH = 8
#: Limbs of the shorter operand at most (coefficients below 2**63).
MAX_LIMBS = 1 << 15
_M = np.uint64(0xFFFFFFFF)


@numba.njit(cache=True, nogil=True)
def limbs_k(s, x, n):  # type: ignore[no-untyped-def]
    # The little-endian bytes s as 24-bit limbs into x[:n] (zero past the bytes' end).
    m = len(s)
    full = min(m // 3, n)
    for i in range(full):
        x[i] = np.uint64(s[3 * i]) | (np.uint64(s[3 * i + 1]) << np.uint64(8)) | (np.uint64(s[3 * i + 2]) << np.uint64(16))
    for i in range(full, n):
        x[i] = 0
    if full < n:
        v = np.uint64(0)
        for k in range(m - 3 * full):
            v |= np.uint64(s[3 * full + k]) << np.uint64(8 * k)
        x[full] = v


@numba.njit(cache=True, nogil=True)
def school_k(x, xo, y, yo, n, out, oo, X, Y, O):  # type: ignore[no-untyped-def]
    # out[oo:oo + 2n - 1] = the convolution of x[xo:xo + n] and y[yo:yo + n] (values < 2**32),
    # through zero-padded copies X, Y and the sum O (scratch of at least scratch_k(n) words each).
    # Four rows of x at a time, so each output word is loaded and stored once per four products;
    # the inner loop runs over a multiple of 32 words (LLVM's unrolled vector body) on zero-padded
    # y, so no word is left to a scalar remainder loop.
    m = (n + 3 + 31) // 32 * 32
    n4 = (n + 3) // 4 * 4
    for i in range(n):
        X[i] = x[xo + i]
    for i in range(n, n4):
        X[i] = 0
    for j in range(3):
        Y[j] = 0
    for j in range(n):
        Y[3 + j] = y[yo + j]
    for j in range(n + 3, m + 3):
        Y[j] = 0
    for k in range(n4 + m):
        O[k] = 0
    y3 = Y[3:3 + m]
    y2 = Y[2:2 + m]
    y1 = Y[1:1 + m]
    y0 = Y[0:m]
    for i in range(0, n4, 4):
        a0 = X[i] & _M
        a1 = X[i + 1] & _M
        a2 = X[i + 2] & _M
        a3 = X[i + 3] & _M
        ob = O[i:i + m]
        for j in range(m):
            ob[j] += a0 * (y3[j] & _M) + a1 * (y2[j] & _M) + a2 * (y1[j] & _M) + a3 * (y0[j] & _M)
    for k in range(2 * n - 1):
        out[oo + k] = O[k]


@numba.njit(cache=True, nogil=True)
def scratch_k(n):  # type: ignore[no-untyped-def]
    # Words of each of school_k's scratch arrays for leaves of n limbs.
    return (n + 3) // 4 * 4 + (n + 3 + 31) // 32 * 32 + 3


@numba.njit(cache=True, nogil=True)
def depth_k(n, base_max):  # type: ignore[no-untyped-def]
    # Levels d and leaf length base = ceil(n / 2**d) <= base_max (d at most MAX_DEPTH).
    d = 0
    while d < MAX_DEPTH and (n + (1 << d) - 1) >> d > base_max:
        d += 1
    return d, (n + (1 << d) - 1) >> d


@numba.njit(cache=True, nogil=True)
def evaluate_k(x, n, d, base):  # type: ignore[no-untyped-def]
    # x[:n], zero-padded to base * 2**d, split d times into (low, high, low + high) halves:
    # 3**d blocks of base limbs, block 3b, 3b + 1, 3b + 2 the children of block b.
    L = base << d
    cur = np.zeros(L, np.uint64)
    cur[:n] = x[:n]
    nblk = 1
    for _ in range(d):
        h = L // 2
        nxt = np.empty(3 * nblk * h, np.uint64)
        for b in range(nblk):
            lo = cur[b * L:b * L + h]
            hi = cur[b * L + h:b * L + L]
            o = nxt[3 * b * h:3 * b * h + 3 * h]
            for i in range(h):
                o[i] = lo[i]
            for i in range(h):
                o[h + i] = hi[i]
            for i in range(h):
                o[2 * h + i] = lo[i] + hi[i]
        cur = nxt
        nblk *= 3
        L = h
    return cur


@numba.njit(cache=True, nogil=True)
def interpolate_k(cur, nblk, d, base):  # type: ignore[no-untyped-def]
    # The leaves' products (blocks of 2 * base words, the last zero) combined level by level:
    # a parent of half length s is P0 + X**s (P1 - P0 - P2) + X**(2s) P2.
    s = base
    for _ in range(d):
        npar = nblk // 3
        nxt = np.zeros(npar * 4 * s, np.uint64)
        for b in range(npar):
            c = 6 * b * s
            p0 = cur[c:c + 2 * s]
            p2 = cur[c + 2 * s:c + 4 * s]
            p1 = cur[c + 4 * s:c + 6 * s]
            r = nxt[4 * b * s:4 * b * s + 4 * s]
            for i in range(2 * s):
                r[i] = p0[i]
            for i in range(2 * s):
                r[2 * s + i] = p2[i]
            rm = r[s:3 * s]
            for i in range(2 * s):
                rm[i] += p1[i] - p0[i] - p2[i]
        cur = nxt
        nblk = npar
        s *= 2
    return cur


@numba.njit(cache=True, nogil=True)
def kara_k(x, xo, y, n, base_max, square):  # type: ignore[no-untyped-def]
    # The convolution of x[xo:xo + n] and y[:n] (limbs < 2**24, n <= MAX_LIMBS; square: y is that
    # slice of x, evaluated once): an array whose first 2n - 1 words are its coefficients.
    d, base = depth_k(n, base_max)
    ex = evaluate_k(x[xo:xo + n], n, d, base)
    ey = ex if square else evaluate_k(y, n, d, base)
    nblk = 1
    for _ in range(d):
        nblk *= 3
    P = np.empty(nblk * 2 * base, np.uint64)
    w = scratch_k(base)
    X = np.empty(w, np.uint64)
    Y = np.empty(w, np.uint64)
    O = np.empty(w, np.uint64)
    for b in range(nblk):
        school_k(ex, b * base, ey, b * base, base, P, 2 * b * base, X, Y, O)
        P[2 * b * base + 2 * base - 1] = 0
    return interpolate_k(P, nblk, d, base)


@numba.njit(cache=True, nogil=True)
def res_bytes_k(s, W, q1, q2):  # type: ignore[no-untyped-def]
    # The little-endian bytes s as a number modulo q1 and q2 (< 2**31): weighted sums over blocks
    # of B = W.shape[1] <= 2**12 bytes (W[i, j] = 2**(8 j) mod q_i, fused.residue_weights: a term
    # below 2**39, a block's sum below 2**51), combined by Horner steps with 2**(8 B) mod q_i.
    B = W.shape[1]
    Q1 = np.uint64(q1)
    Q2 = np.uint64(q2)
    P1 = np.uint64(W[0, B - 1]) * np.uint64(256) % Q1
    P2 = np.uint64(W[1, B - 1]) * np.uint64(256) % Q2
    w1 = W[0]
    w2 = W[1]
    r1 = np.uint64(0)
    r2 = np.uint64(0)
    m = len(s)
    for k in range((m + B - 1) // B - 1, -1, -1):
        lo = k * B
        e = min(B, m - lo)
        a1 = np.uint64(0)
        a2 = np.uint64(0)
        for j in range(e):
            v = np.uint64(s[lo + j])
            a1 += v * w1[j]
            a2 += v * w2[j]
        r1 = (r1 * P1 + a1) % Q1
        r2 = (r2 * P2 + a2) % Q2
    return r1, r2


@numba.njit(cache=True, nogil=True)
def mul_bytes_k(sa, sb, square, base_max, W, q1, q2, drop_at, out):  # type: ignore[no-untyped-def]
    # The product of the little-endian byte strings sa and sb (sb ignored when square) into out,
    # len(sa) + len(sb) writable bytes (a bytearray).  Returns: the carry and any non-zero limb
    # left past out's bytes (0 for a product), whether drop_at (fault injection: the carry out of
    # that limb is lost) changed anything, and the residues of sa, sb and out modulo q1 and q2.
    if square:
        sb = sa
    la = len(sa)
    lb = len(sb)
    if la < lb:
        s_long, s_short = sb, sa
    else:
        s_long, s_short = sa, sb
    na = (len(s_long) + 2) // 3
    nb = (len(s_short) + 2) // 3
    # Pieces of the longer operand of L >= nb limbs, the shorter zero-padded to L: one piece while
    # na < 1.5 nb (a sliver of a second piece would cost a whole product), else about na / nb.
    p = max(1, (na + nb // 2) // nb)
    L = max(nb, (na + p - 1) // p)
    pieces = (na + L - 1) // L
    x = np.empty(pieces * L, np.uint64)
    limbs_k(s_long, x, pieces * L)
    if square:  # one piece, the operand's limbs read and evaluated once
        y = x
    else:
        y = np.empty(L, np.uint64)
        limbs_k(s_short, y, L)
    acc = np.zeros(pieces * L + L + 1, np.uint64)  # one word past the longest product: acc[full] below
    for q in range(pieces):
        part = kara_k(x, q * L, y, L, base_max, square)
        a = acc[q * L:q * L + 2 * L - 1]
        for k in range(2 * L - 1):
            a[k] += part[k]
    # The carry chain, three bytes per limb; the product has at most la + lb bytes, so what would
    # land past them, and every word of acc past them, must be zero.
    nout = la + lb
    full = nout // 3
    c = np.uint64(0)
    dropped = False
    for k in range(full):
        v = acc[k] + c
        out[3 * k] = v & np.uint64(0xFF)
        out[3 * k + 1] = (v >> np.uint64(8)) & np.uint64(0xFF)
        out[3 * k + 2] = (v >> np.uint64(16)) & np.uint64(0xFF)
        c = v >> np.uint64(24)
        if k == drop_at and c != 0:  # fault injection: this carry is lost
            c = np.uint64(0)
            dropped = True
    v = acc[full] + c
    for i in range(nout - 3 * full):
        out[3 * full + i] = (v >> np.uint64(8 * i)) & np.uint64(0xFF)
    left = v >> np.uint64(8 * (nout - 3 * full))
    for k in range(full + 1, len(acc)):
        left |= acc[k]
    a1, a2 = res_bytes_k(sa, W, q1, q2)
    if square:
        b1, b2 = a1, a2
    else:
        b1, b2 = res_bytes_k(sb, W, q1, q2)
    c1, c2 = res_bytes_k(out, W, q1, q2)
    return left, dropped, a1, a2, b1, b2, c1, c2
