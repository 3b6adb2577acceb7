"""bigmul's environment variables, read cheaply enough for the per-product path.

What this is for: settings that are read on every product (``BIGMUL_FFT_BACKEND``
for each transform, ``BIGMUL_MEMORY_LIMIT`` for each memory check), so a
change made after ``import bigmul`` (``os.environ[...] = ...``, pytest's
``monkeypatch.setenv``) still takes effect at the next product.
What it is not for: parsing the values (each setting's module does that).

Why: ``os.environ.get`` encodes the name and decodes the value on every
call, ~0.7 us; five reads per product were ~5% of a 12k-bit product
(~60 us).  :func:`get` looks the encoded name up in the mapping's own dict
(one dict probe when the variable is unset, the usual case) and uses
``os.environ.get`` for a set variable, or where the mapping has no such dict.
"""
from __future__ import annotations

import os

__all__ = ["get"]

_data = getattr(os.environ, "_data", None)
_encodekey = getattr(os.environ, "encodekey", None)
_keys: dict[str, object] = {}


def get(name: str, default: str = "") -> str:
    """``os.environ.get(name, default)``, faster when ``name`` is unset.

    >>> os.environ["BIGMUL_DOCTEST_X"] = "7"; get("BIGMUL_DOCTEST_X")
    '7'
    >>> del os.environ["BIGMUL_DOCTEST_X"]; get("BIGMUL_DOCTEST_X", "none")
    'none'
    """
    if _data is not None and _encodekey is not None:
        key = _keys.get(name)
        if key is None:
            key = _keys[name] = _encodekey(name)
        if key not in _data:
            return default
    return os.environ.get(name, default)
