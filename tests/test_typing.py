"""The package ships py.typed: keep it type-clean (mypy, when installed)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_mypy_clean():
    pytest.importorskip("mypy")
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, "-m", "mypy", "bigmul", "--ignore-missing-imports",
                        "--no-incremental"], cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]
    assert (root / "bigmul" / "py.typed").exists()
