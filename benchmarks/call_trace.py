"""How many bigmul modules a product walks through: ``python benchmarks/call_trace.py``.

For ``multiply`` on two ints, on two decimal strings, and for ``convolve``,
prints the distinct modules entered ("rooms"), the calls that cross into
another module ("entries") and the returns that cross back ("returns"), and
the walk itself.  Warm: each call runs once before it is traced.
"""
from __future__ import annotations

import sys
from collections import Counter
from typing import Any, Callable


def trace(fn: Callable[[], Any]) -> tuple[list[str], Counter, int, int]:
    stack: list[str] = []
    walk: list[str] = []
    entries = Counter()
    crossings_in = crossings_back = 0

    def prof(frame: Any, event: str, arg: Any) -> None:
        nonlocal crossings_in, crossings_back
        if event not in ("call", "return"):
            return
        mod = frame.f_globals.get("__name__", "")
        if not mod.startswith("bigmul"):
            mod = "-"
        if event == "call":
            prev = stack[-1] if stack else "-"
            if mod != "-" and mod != prev:
                crossings_in += 1
                entries[mod] += 1
                walk.append(mod)
            stack.append(mod)
        else:
            if stack:
                stack.pop()
            back = stack[-1] if stack else "-"
            if mod != "-" and back != "-" and back != mod:
                crossings_back += 1

    sys.setprofile(prof)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return walk, entries, crossings_in, crossings_back


def main() -> None:
    import numpy as np

    import bigmul

    a = bigmul.from_str("7" * 200_000)
    b = bigmul.from_str("3" * 200_000)
    sa, sb = "7" * 200_000, "3" * 200_000
    x = np.arange(5000) % 1000
    wide = [(7 ** 70 + i) * (-1) ** i for i in range(2000)]  # ~200-bit coefficients: Kronecker
    cases = {
        "multiply(int, int), 2*10^5 digits": lambda: bigmul.multiply(a, b),
        "multiply(str, str), 2*10^5 digits": lambda: bigmul.multiply(sa, sb),
        "convolve(5000 x 5000 values < 1000)": lambda: bigmul.convolve(x, x),
        "convolve(2000 x 2000 values of ~200 bits)": lambda: bigmul.convolve(wide, wide[:1000]),
    }
    for name, fn in cases.items():
        fn()
        walk, entries, cin, cback = trace(fn)
        print(f"{name}: {len(entries)} rooms, {cin} entries, {cback} returns")
        print("    " + " > ".join(m.replace("bigmul.", "") for m in walk))


if __name__ == "__main__":
    main()
