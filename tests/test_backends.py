"""FFT backends through scipy.fft's backend protocol: dispatch, exactness, forced and missing backends."""
import random

import numpy as np
import pytest

import bigmul
from bigmul import tuning
from bigmul.engines import backends, fft


class CountingBackend:
    """A scipy.fft backend that runs numpy's FFT and counts the calls it gets."""

    __ua_domain__ = "numpy.scipy.fft"
    calls = 0

    @staticmethod
    def __ua_function__(method, args, kwargs):
        CountingBackend.calls += 1
        kw = {k: v for k, v in kwargs.items() if k in ("n", "axis")}
        return getattr(np.fft, method.__name__)(*args, **kw)


@pytest.fixture
def counting(monkeypatch):
    real, real_installed = backends.load, backends.installed

    def load(name):
        return CountingBackend if name == "pyfftw" else real(name)

    monkeypatch.setattr(backends, "load", load)
    monkeypatch.setattr(backends, "installed", lambda name: name == "pyfftw" or real_installed(name))
    monkeypatch.delenv("BIGMUL_FFT_BACKEND", raising=False)
    CountingBackend.calls = 0
    return CountingBackend


def test_lengths_in_the_measured_range_go_to_the_backend(counting, monkeypatch):
    monkeypatch.setattr(tuning.current, "FFT_MKL_MIN_LEN", 1 << 40)  # (mkl would go first)
    monkeypatch.setattr(tuning.current, "FFT_PYFFTW_MIN_LEN", 1 << 10)
    a, b = random.getrandbits(100_000), random.getrandbits(95_000)  # ~12k-point 1-D transforms
    assert backends.choose(12_000) == "pyfftw"
    assert bigmul.multiply(a, b, method="fft") == a * b
    assert counting.calls >= 3  # two forward, one inverse
    counting.calls = 0
    monkeypatch.setattr(tuning.current, "FFT_PYFFTW_MIN_LEN", 1 << 40)
    assert backends.choose(12_000) == "scipy"
    assert bigmul.multiply(a, b, method="fft") == a * b
    assert counting.calls == 0


def test_four_step_transforms_stay_on_scipy(counting, monkeypatch):
    monkeypatch.setattr(tuning.current, "FFT_MKL_MIN_LEN", 1 << 40)
    monkeypatch.setattr(tuning.current, "FFT_PYFFTW_MIN_LEN", 1)
    a = random.getrandbits(3_000_000)  # four-step lengths
    assert bigmul.multiply(a, a + 1, method="fft") == a * (a + 1)
    assert counting.calls == 0


def test_forced_backend_and_a_missing_one(monkeypatch):
    monkeypatch.setenv("BIGMUL_FFT_BACKEND", "scipy")
    assert backends.choose(1000) == "scipy"
    monkeypatch.setenv("BIGMUL_FFT_BACKEND", "fftw3000")
    with pytest.raises(ValueError, match="BIGMUL_FFT_BACKEND"):
        backends.choose(1000)

    def missing(name):
        raise ImportError("No module named 'pyfftw'")

    monkeypatch.setattr(backends, "load", missing)
    monkeypatch.setenv("BIGMUL_FFT_BACKEND", "pyfftw")
    with pytest.raises(ValueError, match=r"\[fftw\] extra"):
        backends.choose(1000)


def test_describe_names_every_backend():
    text = "\n".join(backends.describe())
    for name in backends.NAMES:
        assert name in text


@pytest.mark.parametrize("name", ["pyfftw", "mkl"])
def test_real_backend_is_exact(name, monkeypatch):
    try:
        backends.load(name)
    except ImportError:
        pytest.skip(f"{name} is not installed")
    monkeypatch.setenv("BIGMUL_FFT_BACKEND", name)
    r = random.Random(3)
    for bits in (50_000, 300_000, 800_000):
        a, b = r.getrandbits(bits), r.getrandbits(bits - 77)
        assert bigmul.multiply(a, b, method="fft") == a * b
        assert bigmul.square(a, method="fft") == a * a
    s = "9" * 150_000
    assert bigmul.multiply(s, s, method="fft") == "9" * 149_999 + "8" + "0" * 149_999 + "1"
    assert fft.transform_length(30_000, 30_000) >= 59_999


def test_pocketfft_binding_matches_the_public_api(monkeypatch):
    """The private pocketfft binding (used after a check at first use) gives scipy.fft's results bit for bit."""
    import scipy.fft as sfft

    monkeypatch.setenv("BIGMUL_FFT_BACKEND", "scipy")
    if backends._pocketfft is not None:
        assert backends.pocketfft() is not None  # this scipy passes the check: the fast calls are what runs
    rng = np.random.default_rng(11)
    for L in (5, 64, 1350, 2047, 10007):
        x = rng.standard_normal(L)
        X = sfft.rfft(x)
        assert np.array_equal(backends.rfft(x, L), X)
        assert np.array_equal(backends.irfft(X.copy(), L), sfft.irfft(X, L))
    x = rng.standard_normal(100)  # shorter than L: zero padded (the public call)
    assert np.array_equal(backends.rfft(x, 128), sfft.rfft(x, 128))


def test_products_exact_without_the_binding(monkeypatch):
    monkeypatch.setattr(backends, "pocketfft", lambda: None)  # another scipy layout: the public API only
    monkeypatch.setenv("BIGMUL_FFT_BACKEND", "scipy")
    r = random.Random(12)
    for bits in (20_000, 60_000, 300_000):
        a, b = r.getrandbits(bits), r.getrandbits(bits - 5)
        assert bigmul.multiply(a, b, method="fft") == a * b
        assert bigmul.square(a, method="fft") == a * a


def test_pocketfft_binding_refused_when_it_disagrees(monkeypatch):
    """The binding is used only after matching the public functions: a binding whose results differ
    (a changed private API) is refused, and products go through scipy.fft and stay exact."""
    class Off:  # the private binding of a scipy whose calls changed meaning
        @staticmethod
        def r2c(a, axes, forward, inorm, out, nthreads):
            return np.fft.rfft(a) * 1.000001

        c2r = c2c = r2c

    backends.pocketfft.cache_clear()
    monkeypatch.setattr(backends, "_pocketfft", Off)
    try:
        assert backends.pocketfft() is None
        monkeypatch.setenv("BIGMUL_FFT_BACKEND", "scipy")
        a, b = random.getrandbits(200_000), random.getrandbits(150_000)
        assert bigmul.multiply(a, b, method="fft") == a * b
    finally:
        monkeypatch.undo()
        backends.pocketfft.cache_clear()
    assert backends.pocketfft() is backends._pocketfft
