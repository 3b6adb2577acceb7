"""The first large product in a process does not wait for numba: it takes the numpy route while the
kernels load on a background thread, later products take the fused route, and a process that ends
right after its first product still exits cleanly (the load is joined at exit)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bigmul.engines import fused

pytestmark = pytest.mark.skipif(not fused.available(), reason="numba or zero-copy int access unavailable")

SCRIPT = """
import bigmul
from bigmul.engines import fused
a, b = 3 ** 700_000 + 1, 7 ** 500_000 - 3      # ~10^6 bits: past FUSED_MIN_BITS
assert not fused.loaded()
first = bigmul.choose_method(a, b).steps[0]     # planning it starts the background load
assert first.engine == "fft" and first.route == "limbs", first
assert bigmul.multiply(a, b) == a * b           # exact on the numpy route
assert fused.wait(120) and fused.loaded()
assert bigmul.choose_method(a, b).steps[0].route == "fused"
assert bigmul.multiply(a, b) == a * b
print("ok")
"""


def test_first_product_does_not_wait_for_the_kernels():
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_a_process_ending_during_the_background_load_exits_cleanly():
    code = "import bigmul; a = 3 ** 700_000; assert bigmul.multiply(a, a + 1) == a * (a + 1)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_small_products_never_start_the_load():
    code = ("import bigmul, sys; from bigmul.engines import fused; a = 3 ** 20_000; "
            "assert bigmul.multiply(a, a + 1) == a * (a + 1); print(fused._loader is None, 'numba' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "False"]
