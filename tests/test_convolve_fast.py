"""convolve's size-aware plan and Kronecker substitution: exact at every extreme, guards that fire.

Oracle: a schoolbook in Python ints (independent of every bigmul path).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bigmul
from bigmul import conv, kronecker
from bigmul.guards import GuardTrip
from bigmul.plan import plan_convolve
from bigmul.tools.faults import inject
from test_convolve import ref_convolve as schoolbook  # the Python-int schoolbook oracle




def extremes(w, n, pattern):
    m = 2 ** w - 1
    if pattern == "plus":
        return [m] * n
    if pattern == "minus":
        return [-m] * n
    return [m if i % 2 == 0 else -m for i in range(n)]


@pytest.mark.parametrize("w", [7, 8, 20, 26, 27, 31, 32, 40, 63, 64, 65, 100, 1000])
@pytest.mark.parametrize("lengths", [(1, 1), (2, 1), (3, 2), (17, 5), (300, 299)])
@pytest.mark.parametrize("patterns", [("plus", "plus"), ("plus", "minus"), ("minus", "minus"),
                                      ("alt", "alt"), ("alt", "minus")])
def test_all_max_magnitudes_both_signs(w, lengths, patterns):
    x, y = extremes(w, lengths[0], patterns[0]), extremes(w, lengths[1], patterns[1])
    want = schoolbook(x, y)
    assert bigmul.convolve(x, y).tolist() == want
    bound = min(len(x), len(y)) * (2 ** w - 1) ** 2
    # The Kronecker path itself, whatever auto would pick for these sizes.
    got = conv._kronecker(np.array(x, dtype=object), np.array(y, dtype=object), bound, "auto", bound >= 2 ** 63)
    assert [int(v) for v in got] == want


@pytest.mark.parametrize("k", [6, 7, 14, 15, 30, 31, 54, 55, 61, 62, 126, 127])
def test_coefficients_at_the_slot_edge(k):
    """|c| = 2**k and 2**k - 1: slot_bytes puts the sign bit right above them when k + 1 is a byte edge."""
    for c in (2 ** k, 2 ** k - 1):
        for sx, sy in ((1, 1), (1, -1), (-1, -1)):
            x, y = [sx * c, 0, -sx * c], [sy]
            want = schoolbook(x, y)
            got = conv._kronecker(np.array(x, dtype=object), np.array(y, dtype=object), c, "auto", True)
            assert list(got) == want
            if c < 2 ** 63:
                got64 = conv._kronecker(np.array(x, dtype=np.int64), np.array(y, dtype=np.int64), c, "auto", False)
                assert got64.dtype == np.int64 and got64.tolist() == want


def test_int64_minimum_in_an_int64_array():
    x = np.array([-2 ** 63, 2 ** 63 - 1, -1], dtype=np.int64)
    y = np.array([-2 ** 63, 3], dtype=np.int64)
    r = bigmul.convolve(x, y)
    assert r.dtype == object and r.tolist() == schoolbook(x.tolist(), y.tolist())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-2 ** 200, 2 ** 200), min_size=1, max_size=12),
       st.lists(st.integers(-2 ** 70, 2 ** 70), min_size=1, max_size=12))
def test_kronecker_matches_schoolbook(x, y):
    want = schoolbook(x, y)
    bound = min(len(x), len(y)) * max(map(abs, x)) * max(map(abs, y))
    if bound:  # (convolve returns zeros itself when a side is all zero)
        got = conv._kronecker(np.array(x, dtype=object), np.array(y, dtype=object), bound, "auto", True)
        assert list(got) == want
    assert bigmul.convolve(x, y).tolist() == want


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-2 ** 63, 2 ** 63 - 1), min_size=1, max_size=20), st.integers(1, 20))
def test_pack_unpack_round_trip(vals, extra):
    nb = kronecker.slot_bytes(max(map(abs, vals))) + extra // 8
    for arr in (np.array(vals, dtype=object), np.array(vals, dtype=np.int64)):
        packed = kronecker.pack(arr, nb)
        assert packed == sum(v << (8 * nb * i) for i, v in enumerate(vals))
        assert list(kronecker.unpack(packed, nb, len(vals), True)) == vals
        if nb <= 8:
            assert kronecker.unpack(packed, nb, len(vals), False).tolist() == vals
        q = 2_147_483_647
        assert kronecker.slot_residues(kronecker.slots_of(arr, nb), (q, 1000003)).tolist() == [
            [v % q, v % 1000003] for v in vals]


def test_square_through_kronecker():
    x = [3 ** 90, -(5 ** 70), 7, 0, -(2 ** 200)]
    assert bigmul.convolve(x, x).tolist() == schoolbook(x, x)
    assert bigmul.convolve(np.array(x, dtype=object), np.array(x, dtype=object)).tolist() == schoolbook(x, x)


def test_auto_decides_from_length_and_coefficient_size():
    assert plan_convolve(1000, 501, 255, 255).method == "direct"            # small work, int64
    assert plan_convolve(10**4, 5001, 255, 255).method == "fft"             # the float bound allows it
    assert plan_convolve(10**4, 5001, 2**20, 2**20).method == "pieces"      # fits int64, not the float bound
    assert plan_convolve(10**4, 5001, 2**62, 2**62).method == "pieces"      # int64 values: float-exact pieces
    assert plan_convolve(10**4, 5001, 2**64, 2**64).method == "kronecker"   # wider than int64
    assert plan_convolve(10**5, 50001, 2**40, 2**40).method == "pieces"     # wide results, int64 values
    assert plan_convolve(4, 4, 2**64, 2**64).method == "object"             # wide but tiny
    assert plan_convolve(100, 51, 2**100000, 2**100000).method == "kronecker"
    assert "Kronecker" in str(bigmul.choose_method([2**70] * 100, [3] * 100))


def test_int64_in_int64_out_when_it_fits():
    rng = np.random.default_rng(5)
    x = rng.integers(-2**20, 2**20, 4000)
    y = rng.integers(-2**20, 2**20, 2001)
    assert bigmul.choose_method(x, y).method == "pieces"
    r = bigmul.convolve(x, y)
    assert r.dtype == np.int64
    want = np.array(schoolbook_fast(x, y), dtype=object)
    assert (r.astype(object) == want).all()


def schoolbook_fast(x, y):
    """Exact int64-free reference for long sequences: object-dtype numpy convolve."""
    return np.convolve(np.array(x.tolist(), dtype=object), np.array(y.tolist(), dtype=object)).tolist()


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32])
def test_small_integer_dtypes_convert_exactly(dtype):
    info = np.iinfo(dtype)
    x = np.array([info.max, info.min, info.max], dtype=dtype)
    y = np.array([info.max, info.max], dtype=dtype)
    assert bigmul.convolve(x, y).tolist() == schoolbook(x.tolist(), y.tolist())


@pytest.mark.parametrize("bad", [np.array([1.0]), np.array([1 + 2j]), np.array([True, False])])
def test_float_complex_bool_dtypes_refused(bad):
    with pytest.raises(TypeError):
        bigmul.convolve(bad, [1])


@pytest.mark.parametrize("x,y", [
    ([2**25 - 1] * 3000, [-(2**25 - 1)] * 400),              # int64 result (random-point check)
    ([2**70 + 5, -(2**69), 3] * 40, [-(2**71), 2**40] * 30),  # object result
])
def test_narrow_slots_are_caught_and_recomputed(x, y, monkeypatch):
    from bigmul import tuning

    monkeypatch.setattr(tuning.current, "CONVOLVE_MAX_PIECES", 0)  # Kronecker, not pieces, for int64 values
    assert bigmul.choose_method(x, y).method == "kronecker"
    bigmul.reset_guard_stats()
    with inject("narrow_slots") as rec:
        got = bigmul.convolve(x, y)
    assert rec.applied > 0
    assert got.tolist() == schoolbook(x, y)
    st_ = bigmul.guard_stats()
    assert st_.get("trip_modular", 0) + st_.get("trip_magnitude", 0) >= 1
    assert st_["fallback_object"] >= 1


def test_wrong_packed_product_is_caught(monkeypatch):
    """A product that the int engine got wrong (simulated here) fails the random-point check."""
    real = conv.multiply_int
    monkeypatch.setattr(conv, "multiply_int", lambda a, b, m, square=False: real(a, b, m, square) + (1 << 70))
    bigmul.reset_guard_stats()
    x, y = [2**70 + 1] * 80, [-(2**71)] * 80
    assert bigmul.convolve(x, y).tolist() == schoolbook(x, y)
    assert bigmul.guard_stats()["trip_modular"] >= 1


@pytest.mark.parametrize("w", [20, 27, 40, 52, 62, 63])
@pytest.mark.parametrize("patterns", [("plus", "plus"), ("plus", "minus"), ("alt", "alt"), ("alt", "minus")])
def test_pieces_at_int64_extremes(w, patterns):
    n = 2500  # past the direct threshold with the second side
    top = 2 ** 63 - 1 if w == 63 else 2 ** w - 1
    x = [top if patterns[0] == "plus" or i % 2 == 0 else -top for i in range(n)]
    y = [(-top if patterns[1] == "minus" else top) if patterns[1] != "alt" or i % 2 else -top for i in range(n // 2 + 1)]
    assert bigmul.choose_method(x, y).method == "pieces"
    want = schoolbook_fast(np.array(x, dtype=object), np.array(y, dtype=object))
    assert bigmul.convolve(x, y).tolist() == want
    X = np.array(x, dtype=np.int64)
    assert bigmul.convolve(X, X).tolist() == schoolbook_fast(X, X)  # the square path


def test_int64_minimum_through_pieces():
    x = np.array([-2 ** 63, 2 ** 63 - 1] * 1500, dtype=np.int64)
    y = np.array([-2 ** 63, -1, 1] * 500, dtype=np.int64)
    assert bigmul.choose_method(x, y).method == "pieces"
    assert bigmul.convolve(x, y).tolist() == schoolbook_fast(x, y)


def test_pieces_split_and_combine():
    from bigmul import pieces

    v = np.array([2 ** 63 - 1, -2 ** 63, 0, -1, 12345], dtype=np.int64)
    p = pieces.split(v, 13, 5)
    assert (np.abs(p) <= 2 ** 12).all()
    assert [sum(int(p[i, j]) << (13 * i) for i in range(5)) for j in range(5)] == v.tolist()
    with pytest.raises(GuardTrip):
        pieces.split(v, 13, 4)  # four pieces cannot hold 64-bit values
    C = [np.array([5, -7]), np.array([-(2 ** 50), 3]), np.array([2 ** 40, -1])]
    rows = pieces.combine_bytes(C, 20, 100)
    want = [sum(int(c[j]) << (20 * k) for k, c in enumerate(C)) for j in range(2)]
    assert kronecker.slot_values(rows, True) == want
    small = [np.array([5, -7]), np.array([-(2 ** 30), 3]), np.array([2 ** 20, -1])]
    assert pieces.combine_int64(small, 20).tolist() == [sum(int(c[j]) << (20 * k) for k, c in enumerate(small))
                                                       for j in range(2)]


@pytest.mark.parametrize("fault", ["perturb", "shift", "float32"])
def test_pieces_fault_is_caught(fault):
    rng = np.random.default_rng(3)
    x = rng.integers(-2**40, 2**40, 3000)
    y = rng.integers(-2**40, 2**40, 1000)
    assert bigmul.choose_method(x, y).method == "pieces"
    bigmul.reset_guard_stats()
    with inject(fault) as rec:
        got = bigmul.convolve(x, y)
    assert rec.applied > 0
    assert got.tolist() == schoolbook_fast(x, y)
    assert bigmul.guard_stats().get("fallback_kronecker", 0) >= 1


def test_pieces_combine_guard_fires_when_the_bound_is_wrong():
    """combine_bytes is told every value is below 2**value_bits; a value past that is a GuardTrip, not a wrong int."""
    from bigmul import pieces

    C = [np.array([0]), np.array([0]), np.array([1 << 40])]  # 2**80
    with pytest.raises(GuardTrip):
        pieces.combine_bytes(C, 20, 40)  # room for 4 digits of 20 bits: 2**80 does not fit
    assert kronecker.slot_values(pieces.combine_bytes(C, 20, 81), True) == [2 ** 80]


def limb_bits_for(x, y, bound):
    """The limb width the int path would prove for the slot-packed sizes (plus the top borrow bit)."""
    from bigmul import bounds

    w = 8 * kronecker.slot_bytes(bound)
    return bounds.fft_limb_bits(len(x) * w + 1, len(y) * w + 1)


@pytest.mark.parametrize("w", [7, 8, 15, 16, 31, 63, 64, 100, 1000])
@pytest.mark.parametrize("lengths", [(1, 1), (2, 1), (17, 5), (300, 299), (1000, 3)])
@pytest.mark.parametrize("patterns", [("plus", "plus"), ("plus", "minus"), ("minus", "minus"),
                                      ("alt", "alt"), ("alt", "minus")])
def test_kronecker_on_slots_at_extremes(w, lengths, patterns):
    """The fused slot product (no Python ints): negative slots' borrows and the offset H at every edge."""
    x, y = extremes(w, lengths[0], patterns[0]), extremes(w, lengths[1], patterns[1])
    want = schoolbook(x, y)
    bound = min(len(x), len(y)) * (2 ** w - 1) ** 2
    b = limb_bits_for(x, y, bound)
    for bits in (b, 8):  # the proven width, and a narrow one where several slot edges share a limb
        got = conv._kronecker(np.array(x, dtype=object), np.array(y, dtype=object), bound, "auto",
                              bound >= 2 ** 63, bits)
        assert [int(v) for v in got] == want
    bsq = len(x) * (2 ** w - 1) ** 2
    sq = conv._kronecker(np.array(x, dtype=object), None, bsq, "auto", True, limb_bits_for(x, x, bsq))  # squaring
    assert list(sq) == schoolbook(x, x)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-2**200, 2**200), min_size=1, max_size=60),
       st.lists(st.integers(-2**200, 2**200), min_size=1, max_size=60),
       st.sampled_from([6, 11, 14, 19, 24]))
def test_slot_product_matches_schoolbook(x, y, bits):
    from bigmul.engines.routes import slot_product

    mx, my = max(map(abs, x)), max(map(abs, y))
    bound = max(1, mx, my, min(len(x), len(y)) * mx * my)  # the slots hold the inputs too
    nb = kronecker.slot_bytes(bound)
    sc = slot_product(kronecker.slots_of(np.array(x, dtype=object), nb),
                      kronecker.slots_of(np.array(y, dtype=object), nb), bits)
    assert kronecker.slot_values(sc, True) == schoolbook(x, y)


def wide(n, bits, seed):
    rng = np.random.default_rng(seed)
    return [int.from_bytes(rng.bytes(bits // 8), "little") * (-1) ** int(s) for s in rng.integers(0, 2, n)]


def test_wide_rows_plan_the_slot_product_first():
    p = plan_convolve(1000, 501, 2**1000, 2**1000)
    assert [s.engine for s in p.steps] == ["kronecker", "kronecker", "object"]
    assert p.steps[0].bits > 0 and p.steps[1].bits == 0
    assert str(p).startswith(f"kronecker({p.steps[0].bits}) -> kronecker -> object")
    assert plan_convolve(1000, 501, 2**1000, 2**1000, "ntt").steps[0].bits == 0  # NTT: through the int engine
    assert plan_convolve(20, 20, 2**100, 2**100, "fft").steps[0].bits == 0      # packed ints too small


@pytest.mark.parametrize("fault,trip", [("wide_limbs", ("trip_roundoff", "trip_magnitude")),
                                        ("shift", ("trip_modular",)),
                                        ("drop_carry", ("trip_modular",)),
                                        ("narrow_slots", ("trip_magnitude", "trip_modular"))])
def test_slot_product_faults_are_caught(fault, trip):
    """Each guard on the fused Kronecker product fires, and the product is redone exactly."""
    if fault == "narrow_slots":  # coefficients that need the full slot: all-max magnitudes
        x, y = extremes(1000, 300, "plus"), extremes(1000, 151, "plus")
    else:
        x, y = wide(300, 1000, 1), wide(151, 1000, 2)
    assert bigmul.choose_method(x, y).steps[0].bits > 0
    want = schoolbook(x, y)
    bigmul.reset_guard_stats()
    with inject(fault) as rec:
        got = bigmul.convolve(x, y)
    assert rec.applied > 0
    assert got.tolist() == want
    st_ = bigmul.guard_stats()
    assert sum(st_.get(t, 0) for t in trip) >= 1, st_
    assert st_.get("fallback_kronecker", 0) + st_.get("fallback_object", 0) >= 1, st_


@pytest.mark.parametrize("sign", [1, -1])
def test_slot_product_refuses_coefficients_past_their_slots(sign):
    """The magnitude guard of the fused slot product: a total past the top slot (or below zero) trips."""
    from bigmul.engines.routes import slot_product

    x = kronecker.slots_of(np.array([100 * sign, 100 * sign], dtype=np.int64), 1)  # each value fits 8 bits ...
    y = kronecker.slots_of(np.array([100], dtype=np.int64), 1)
    with pytest.raises(GuardTrip) as trip:
        slot_product(x, y, 8)  # ... their products (+-10000) do not
    assert trip.value.reason == "magnitude"


def test_float_schoolbook_at_the_2_53_edge():
    """Below 2**53 the direct plan runs in float64 (exact: every partial sum is a smaller integer)."""
    n = 64
    m = int((2 ** 53 // n) ** 0.5)  # n * m * m just below 2**53
    for sx, sy in ((1, 1), (1, -1), (-1, -1)):
        x, y = [sx * m] * n, [sy * m] * n
        p = bigmul.choose_method(x, y)
        assert [s.engine for s in p.steps] == ["direct", "direct"] and p.steps[0].bits == 53
        assert bigmul.convolve(x, y).tolist() == schoolbook(x, y)
    x = [2 ** 27] * n  # n * 2**54 >= 2**53: int64 schoolbook only
    p = bigmul.choose_method(x, x[:8])
    assert p.steps == (p.steps[0],) and p.steps[0].bits == 0
    assert bigmul.convolve(x, x[:8]).tolist() == schoolbook(x, x[:8])


def test_float_schoolbook_check_fires(monkeypatch):
    """A wrong float64 schoolbook result fails the random-point check; the int64 schoolbook redoes it."""
    real = conv._float_schoolbook

    def off_by_one(x, y):
        r = real(x, y)
        r[len(r) // 2] += 1
        return r

    monkeypatch.setattr(conv, "_float_schoolbook", off_by_one)
    bigmul.reset_guard_stats()
    x, y = list(range(-50, 50)), list(range(30))
    assert bigmul.convolve(x, y).tolist() == schoolbook(x, y)
    st_ = bigmul.guard_stats()
    assert st_["trip_modular"] == 1 and st_["fallback_direct"] == 1, st_
