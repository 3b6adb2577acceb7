"""bigmul's tools: the command line, benchmarks, tuning, fuzzing, fault injection, the self-check.

These depend on the library (``bigmul``), never the other way round: no core
module imports ``bigmul.tools``, except ``bigmul.selftest()``, which opens
``tools.selfcheck`` when called (tests/test_layout.py checks both rules).
"""
