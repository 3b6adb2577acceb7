"""Coverage-guided fuzzing of the decimal-string parser with atheris (optional).

    pip install atheris
    python fuzzing/atheris_parser.py -runs=200000          # or -max_total_time=600

Property, for any text ``s`` (bytes decoded as UTF-8 with replacement):
- ``bigmul.multiply(s, "-7")`` either returns exactly ``str(int(s) * -7)``
  or raises ``ValueError`` naming a position (never another exception);
- it raises exactly when CPython's ``int(s)`` would, or when ``s`` holds
  non-ASCII characters (bigmul accepts ASCII digits only), and the product of
  the array path (``method="fft"``) agrees with the ``auto`` path.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import atheris  # noqa: E402

with atheris.instrument_imports():
    import bigmul  # noqa: E402

sys.set_int_max_str_digits(0)


def one(data: bytes) -> None:
    s = data.decode("utf-8", errors="replace")
    try:
        want = str(int(s) * -7) if s.isascii() else None
    except ValueError:
        want = None
    try:
        got = bigmul.multiply(s, "-7")
    except ValueError as exc:
        assert want is None, (s, exc)
        assert "position" in str(exc) or "empty" in str(exc) or "sign" in str(exc), exc
        assert len(str(exc)) < 300
        return
    assert got == want, (s, got, want)
    assert bigmul.multiply(s, "-7", method="fft") == want


if __name__ == "__main__":
    atheris.Setup(sys.argv, one)
    atheris.Fuzz()
