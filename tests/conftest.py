"""Shared test set-up: hypothesis profiles, the --run-slow gate, state resets.

Profiles: ``ci`` (default, fast) and ``deep`` (many more examples), chosen
with ``BIGMUL_HYPOTHESIS_PROFILE=deep``.  Tests marked ``slow`` (10^7-digit
products, deep sweeps) run only with ``--run-slow``.
"""
from __future__ import annotations

import os
import random
import sys

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                  HealthCheck.function_scoped_fixture])
settings.register_profile("deep", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                  HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("BIGMUL_HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="run tests marked slow (10^7 digits, deep sweeps)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> list[str]:
    import numpy
    import scipy

    from bigmul import guards

    try:
        import gmpy2
        g = gmpy2.version()
    except ImportError:
        g = "not installed"
    return [f"bigmul: numpy {numpy.__version__}, scipy {scipy.__version__}, gmpy2 {g}, "
            f"hypothesis profile {os.environ.get('BIGMUL_HYPOTHESIS_PROFILE', 'ci')}, "
            f"check prime {guards.PRIME}"]


@pytest.fixture(autouse=True, scope="session")
def _kernels_loaded_before_the_tests():
    """Load the numba kernels once, up front, where they can run: a large product would otherwise
    start loading them in the background and take the numpy route until they are ready, and which
    route a test's products took would depend on timing.  Tests of the cold path patch
    ``fused.LOADED`` or run a fresh process."""
    from bigmul.engines import fused

    fused.available()
    yield


@pytest.fixture(autouse=True)
def _fresh_state():
    """Zero the guard counters and restore the memory limit around every test."""
    import bigmul

    bigmul.reset_guard_stats()
    yield
    bigmul.set_memory_limit(None)


@pytest.fixture(autouse=True)
def _settings_follow_monkeypatched_env(monkeypatch: pytest.MonkeyPatch):
    """bigmul reads its environment once (``envvars.check``); a test that changes a ``BIGMUL_*``
    variable through ``monkeypatch`` gets it re-read at once, and the values read before the test
    come back with the environment when monkeypatch undoes its changes."""
    from bigmul import envvars

    monkeypatch.setattr(envvars, "values", envvars.values)  # restored at undo, with the environment
    real_set, real_del = monkeypatch.setenv, monkeypatch.delenv

    def setenv(name: str, value: str, prepend: str | None = None) -> None:
        real_set(name, value, prepend)
        envvars.reload()

    def delenv(name: str, raising: bool = True) -> None:
        real_del(name, raising)
        envvars.reload()

    monkeypatch.setenv = setenv  # type: ignore[method-assign]
    monkeypatch.delenv = delenv  # type: ignore[method-assign]
    yield


@pytest.fixture
def no_str_limit():
    """Lift CPython's int <-> str digit limit inside one test only (for the int oracle)."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    yield
    sys.set_int_max_str_digits(old)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20261126)
