"""Concurrent use from threads and processes, and interruption, leave results exact."""
from __future__ import annotations

import random
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

import bigmul


def _job(seed: int) -> bool:
    r = random.Random(seed)
    bits = r.choice([100, 70_000, 300_000, 1_500_000])
    a, b = r.getrandbits(bits), -r.getrandbits(bits + r.randrange(1000))
    method = r.choice(["auto", "fft", "ntt", "direct"] if bits < 100_000 else ["auto", "fft", "ntt"])
    if bigmul.multiply(a, b, method=method) != a * b:
        return False
    s = str(r.getrandbits(6_000))  # square stays under the 4300-digit str limit
    return bigmul.square(s, method=method) == str(int(s) ** 2)


def test_eight_threads_mixed_sizes():
    with ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(_job, range(48)))
    assert all(results)
    st = bigmul.guard_stats()
    assert not any(k.startswith(("trip", "fallback", "retry")) for k in st), st


def test_several_processes():
    with ProcessPoolExecutor(max_workers=2) as ex:
        assert all(ex.map(_job, range(100, 108)))


def test_keyboard_interrupt_leaves_library_usable():
    from bigmul.engines import fft, fourstep

    orig, orig_steps = fft.inverse, fourstep.inverse_steps
    calls = []

    def interrupted(*args):
        calls.append(len(args))
        raise KeyboardInterrupt

    fft.inverse = fourstep.inverse_steps = interrupted  # the 1-D and the four-step inverse transforms
    try:
        with pytest.raises(KeyboardInterrupt):
            bigmul.multiply(3**200_000, 7**150_000, method="fft")
        with pytest.raises(KeyboardInterrupt):
            bigmul.multiply(3**20_000, 7**15_000, method="fft")
    finally:
        fft.inverse, fourstep.inverse_steps = orig, orig_steps
    assert len(calls) == 2
    a, b = 3**200_000, 7**150_000
    assert bigmul.multiply(a, b, method="fft") == a * b
    assert bigmul.multiply(str(10**4000 - 1), "3") == str(3 * (10**4000 - 1))


def test_thread_pool_is_shared_and_reusable():
    # The forward transforms use a helper thread; many concurrent callers must not deadlock.
    a = 3**400_000
    done = []

    def work():
        done.append(bigmul.square(a, method="fft") == a * a)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert done == [True] * 6
