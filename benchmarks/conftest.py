"""pytest-benchmark suite set-up.

Run: ``pytest benchmarks`` (timings) or ``pytest benchmarks --benchmark-disable``
(each case once, as a smoke test).  Sizes above 10^6 digits need
``--bench-large``.  Comparators that are not installed are skipped.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--bench-large", action="store_true", default=False,
                     help="include 10^7-digit cases")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--bench-large"):
        return
    skip = pytest.mark.skip(reason="size above 10^6 digits: run with --bench-large")
    for item in items:
        if "large" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "large: benchmark case above 10^6 digits")
