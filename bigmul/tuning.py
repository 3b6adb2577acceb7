"""Every threshold bigmul's ``auto`` uses, each with the evidence behind it.

What this is for: one place to read and change crossovers.  Each value names
the machine, the date and the command that measured it.
What it is not for: exactness limits -- those are in ``bounds.py`` and are
never traded for speed here.

Machine "dev-2core": 2-core Intel Xeon (KVM), 24 GB, Python 3.11.7,
numpy 2.4.6, scipy 1.17.1.  Command: ``python benchmarks/crossover.py``.
"""
from __future__ import annotations

#: ``auto`` multiplies ints with CPython's own ``a * b`` while the smaller
#: operand has fewer bits than this (CPython's Karatsuba beats the FFT's fixed
#: costs).  dev-2core, 2026-11-26, ``python benchmarks/crossover.py int``.
INT_FFT_MIN_BITS = 60_000

#: Decimal strings: schoolbook (direct) convolution in base 10**k up to this
#: many limbs in the smaller operand, FFT above.  dev-2core, 2026-11-26,
#: ``python benchmarks/crossover.py str``.
STR_DIRECT_MAX_LIMBS = 120

#: Decimal strings with ``auto``: operands of at most this many characters
#: each go through CPython ``int`` (product < 4300 digits, the str limit).
#: dev-2core, 2026-11-26, ``bigmul bench --kind str --sizes 100 1000 2000 3000``:
#: int 60 us vs array path 240 us at 1000 digits; array path ahead from ~2500.
STR_INT_MAX_CHARS = 2000

#: ``convolve(method="auto")``: direct while ``len(x) * len(y)`` is at most
#: this.  dev-2core, 2026-11-26, ``python benchmarks/crossover.py convolve``.
CONVOLVE_DIRECT_MAX_WORK = 40_000

#: Run the two forward transforms on two threads from this transform length.
#: dev-2core, 2026-11-26: two 5M-point rffts 0.19 s in sequence, 0.12 s on
#: two threads; below ~64k points the thread hand-off costs more than it saves.
FFT_PARALLEL_MIN_LEN = 65_536
