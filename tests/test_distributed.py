"""bigmul.distributed: files in, file out, on Dask -- exact against gmpy2 / Python int and the formula cases.

The LocalCluster tests start their own cluster (2 workers, 1 thread each, a
small memory limit and low spill thresholds, so blocks go to disk).
"""
import os
import random
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

pytest.importorskip("dask")
pytest.importorskip("distributed")

import bigmul  # noqa: E402
from bigmul import distributed as bd  # noqa: E402
from bigmul.tools.faults import inject  # noqa: E402


pytestmark = pytest.mark.usefixtures("no_str_limit")  # the int oracle at 10^5+ digits


def write(path, text):
    path.write_text(text)
    return path


def nines_squared(n):
    """(10**n - 1)**2 = 9...9 8 0...0 1, built as text (never through int)."""
    return "9" * (n - 1) + "8" + "0" * (n - 1) + "1"


@pytest.mark.parametrize("n,chunk", [(1, 64), (7, 64), (100, 64), (12_345, 512), (200_000, 1 << 14)])
def test_formula_nines_squared(tmp_path, n, chunk):
    a = write(tmp_path / "a.txt", "9" * n + "\n")
    rep = bd.multiply_files(a, a, tmp_path / "c.txt", chunk=chunk)
    got = (tmp_path / "c.txt").read_text()
    assert got == nines_squared(n)
    assert rep["roundoff"] <= 0.25


@pytest.mark.parametrize("da,db,chunk", [(1, 1, 64), (50, 3, 64), (1000, 999, 64), (30_000, 7, 256),
                                         (40_000, 35_000, 4096), (150_000, 120_000, 1 << 15)])
def test_random_signed_against_int(tmp_path, da, db, chunk):
    r = random.Random(da * 7 + db)
    a = r.randrange(10 ** (da - 1), 10 ** da) * r.choice([1, -1])
    b = r.randrange(10 ** (db - 1), 10 ** db) * r.choice([1, -1])
    pa = write(tmp_path / "a.txt", "  " + ("+" if a > 0 and r.random() < 0.5 else "") + str(a) + "\n")
    pb = write(tmp_path / "b.txt", ("-00" + str(-b) if b < 0 else "000" + str(b)) + "\n\n")
    bd.multiply_files(pa, pb, tmp_path / "c.txt", chunk=chunk)
    assert (tmp_path / "c.txt").read_text() == str(a * b)


def test_zero_and_leading_zeros(tmp_path):
    pa = write(tmp_path / "a.txt", "-0000")
    pb = write(tmp_path / "b.txt", "123")
    bd.multiply_files(pa, pb, tmp_path / "c.txt")
    assert (tmp_path / "c.txt").read_text() == "0"
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(tmp_path / "c.txt").st_mode & 0o777 == 0o666 & ~mask  # not the temporary file's 0600


def test_raw_format(tmp_path):
    r = random.Random(5)
    a, b = r.getrandbits(200_000), r.getrandbits(170_001)
    (tmp_path / "a.bin").write_bytes(a.to_bytes(-(-a.bit_length() // 8) + 3, "little"))  # high zero bytes too
    (tmp_path / "b.bin").write_bytes(b.to_bytes(-(-b.bit_length() // 8), "little"))
    rep = bd.multiply_files(tmp_path / "a.bin", tmp_path / "b.bin", tmp_path / "c.bin", format="raw", chunk=2048)
    assert int.from_bytes((tmp_path / "c.bin").read_bytes(), "little") == a * b
    assert rep["k"] in (1, 2)


def test_matches_gmpy2(tmp_path):
    gmpy2 = pytest.importorskip("gmpy2")
    r = random.Random(11)
    a, b = gmpy2.mpz(r.getrandbits(700_000)), gmpy2.mpz(r.getrandbits(650_000))
    write(tmp_path / "a.txt", a.digits())
    write(tmp_path / "b.txt", b.digits())
    bd.multiply_files(tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt", chunk=1 << 15)
    assert (tmp_path / "c.txt").read_text() == (a * b).digits()


def test_carry_scan_long_ripple_and_borrow():
    """A carry-in that ripples through a whole block of base-1 digits, and a borrow through zeros."""
    B = 10
    full = np.full(5, B - 1)
    v, room, span = bd._summary(full, B)
    assert (v, room, span) == (99999, 1, 10 ** 5)
    s_full = {"co": 0, "value": v, "room": room, "span": span}
    assert bd.scan_carries([{"co": 3, "value": 0, "room": 10 ** 5, "span": 10 ** 5}, s_full, s_full]) == [0, 3, 1, 1]
    zeros = np.zeros(5, dtype=np.int64)
    v, room, span = bd._summary(zeros, B)
    s_zero = {"co": 0, "value": v, "room": room, "span": span}
    assert bd.scan_carries([{"co": -1, "value": 0, "room": 1, "span": 10 ** 5}, s_zero]) == [0, -1, -1]
    # A long block (span past 2**62) decides from value and room alone.
    big = np.full(30, B - 1)
    v, room, span = bd._summary(big, B)
    assert span == 0 and room == 1
    assert bd.scan_carries([{"co": 1, "value": 0, "room": 2, "span": 0},
                            {"co": 0, "value": v, "room": room, "span": 0}]) == [0, 1, 1]


@pytest.mark.parametrize("fault", ["dask_block", "dask_carry"])
def test_faults_are_caught_and_redone(tmp_path, fault):
    n = 30_000
    a = write(tmp_path / "a.txt", "9" * n)
    b = write(tmp_path / "b.txt", "7" * (n - 3))
    bigmul.reset_guard_stats()
    with inject(fault) as rec:
        rep = bd.multiply_files(a, b, tmp_path / "c.txt", chunk=2048)
    assert rec.applied == 1
    assert rep["retries"] >= 1
    assert (tmp_path / "c.txt").read_text() == str((10 ** n - 1) * int("7" * (n - 3)))
    st = bigmul.guard_stats()
    assert st["trip_modular"] >= 1 and st["retry_fft"] >= 1


def test_a_shuffle_lost_to_a_dead_worker_is_run_again(tmp_path, monkeypatch):
    """A p2p rechunk cut by a dead worker can fail as a whole (P2PConsistencyError): the product runs again."""
    class P2PConsistencyError(RuntimeError):
        pass

    P2PConsistencyError.__module__ = "distributed.shuffle._exceptions"
    real, calls = bd._run, []

    def flaky(*args, **kw):
        calls.append(1)
        if len(calls) == 1:
            args[6].write(b"partial")  # a half-written product must not survive the rerun
            raise P2PConsistencyError("No active shuffle with id='x' found")
        return real(*args, **kw)

    monkeypatch.setattr(bd, "_run", flaky)
    a = write(tmp_path / "a.txt", "9" * 5000)
    bigmul.reset_guard_stats()
    rep = bd.multiply_files(a, a, tmp_path / "c.txt", chunk=512)
    assert rep["reruns"] == 1 and bigmul.guard_stats()["rerun_dask"] == 1
    assert (tmp_path / "c.txt").read_text() == nines_squared(5000)

    def always(*args, **kw):
        raise P2PConsistencyError("lost again")

    monkeypatch.setattr(bd, "_run", always)
    with pytest.raises(P2PConsistencyError):
        bd.multiply_files(a, a, tmp_path / "d.txt", chunk=512)
    assert not (tmp_path / "d.txt").exists()


def test_top_carry_guard_fires_and_the_product_is_redone(tmp_path, monkeypatch):
    """A carry out of the top block means the blocks are not this product: GuardTrip('carry'), narrower limbs."""
    real, calls = bd.scan_carries, []

    def overflowing(summaries):
        out = real(summaries)
        if not calls:
            out[-1] += 1
        calls.append(1)
        return out

    monkeypatch.setattr(bd, "scan_carries", overflowing)
    a = write(tmp_path / "a.txt", "9" * 3000)
    bigmul.reset_guard_stats()
    rep = bd.multiply_files(a, a, tmp_path / "c.txt", chunk=256)
    assert rep["retries"] == 1 and bigmul.guard_stats()["trip_carry"] == 1
    assert (tmp_path / "c.txt").read_text() == nines_squared(3000)


def _no_output(tmp_path):
    names = os.listdir(tmp_path)
    assert "c.txt" not in names
    assert not [x for x in names if x.endswith(".part")]


def test_missing_and_malformed_inputs_leave_no_output(tmp_path):
    good = write(tmp_path / "a.txt", "123")
    with pytest.raises(FileNotFoundError):
        bd.multiply_files(good, tmp_path / "missing.txt", tmp_path / "c.txt")
    for text, where in (("12x4", "byte 2"), ("", "no digits"), ("-", "no digits"), ("1 2", "byte 2"),
                        ("--1", "byte 1"), ("1_000", "byte 1")):
        bad = write(tmp_path / "bad.txt", text)
        with pytest.raises(ValueError, match=where):
            bd.multiply_files(good, bad, tmp_path / "c.txt")
    with pytest.raises(ValueError, match="format"):
        bd.multiply_files(good, good, tmp_path / "c.txt", format="hex")
    _no_output(tmp_path)


def test_full_disk_leaves_no_output(tmp_path, monkeypatch):
    a = write(tmp_path / "a.txt", "9" * 20_000)
    calls = []

    def full(d, k, strip):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return b"1" * (len(d) * k)

    monkeypatch.setattr(bd, "_decimal_text", full)
    with pytest.raises(OSError, match="No space"):
        bd.multiply_files(a, a, tmp_path / "c.txt", chunk=1024)
    _no_output(tmp_path)


def test_existing_output_is_kept_when_a_run_fails(tmp_path):
    out = write(tmp_path / "c.txt", "old product")
    with pytest.raises(ValueError):
        bd.multiply_files(write(tmp_path / "a.txt", "1"), write(tmp_path / "b.txt", "x"), out)
    assert out.read_text() == "old product"


# --- on a LocalCluster: processes, spilling, a killed worker --------------------------------
@pytest.fixture(scope="module")
def client():
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.worker.memory.target": 0.02, "distributed.worker.memory.spill": 0.05,
                          "distributed.worker.memory.pause": False, "distributed.worker.memory.terminate": False}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="600MB", dashboard_address=None,
                               silence_logs=50)
        c = Client(cluster)
        yield c
        c.close()
        cluster.close()


def _spilled_bytes(client):
    def spilled(dask_worker):
        m = getattr(dask_worker.data, "cumulative_metrics", {})
        return sum(v for k, v in m.items() if "disk-write" in str(k) and "bytes" in str(k))
    return sum(client.run(spilled).values())


def test_local_cluster_spills_and_is_exact(tmp_path, client):
    n = 400_000  # working set ~ 100 MB of complex blocks: many times the 12-30 MB the workers keep in memory
    a = write(tmp_path / "a.txt", "9" * n)
    before = _spilled_bytes(client)
    rep = bd.multiply_files(a, a, tmp_path / "c.txt", client=client, chunk=1 << 14)
    assert (tmp_path / "c.txt").read_text() == nines_squared(n)
    assert rep["row_blocks"] > 8
    assert _spilled_bytes(client) > before


def test_killed_worker_still_gives_the_exact_product(tmp_path, client):
    n = 600_000
    a = write(tmp_path / "a.txt", "9" * n)
    b = write(tmp_path / "b.txt", "1" + "0" * (n - 1))
    import signal

    before = set(client.scheduler_info()["workers"])
    worker = sorted(before)[0]
    pid = client.run(os.getpid, workers=[worker])[worker]
    killed = []

    def kill():
        time.sleep(1.0)
        os.kill(pid, signal.SIGKILL)  # the nanny starts a new worker; Dask recomputes what was lost
        killed.append(pid)

    t = threading.Thread(target=kill)
    t.start()
    bd.multiply_files(a, b, tmp_path / "c.txt", client=client, chunk=1 << 14)
    t.join()
    assert killed
    assert (tmp_path / "c.txt").read_text() == "9" * n + "0" * (n - 1)
    # It really died: the scheduler drops it once its heartbeat is missed (not always before the
    # product is done, which may finish on the other worker), and the nanny's new worker joins.
    deadline = time.monotonic() + 60
    while worker in set(client.scheduler_info()["workers"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker not in set(client.scheduler_info()["workers"])
    client.wait_for_workers(2, timeout=60)


def test_cli_dask_and_its_errors(tmp_path):
    a = write(tmp_path / "a.txt", "123456789" * 50)
    b = write(tmp_path / "b.txt", "-987654321")
    out = tmp_path / "c.txt"
    run = lambda *args: subprocess.run([sys.executable, "-m", "bigmul", *args], capture_output=True,  # noqa: E731
                                       text=True, timeout=120)
    r = run("mul", f"@{a}", f"@{b}", "-o", str(out), "--method", "dask", "--no-progress")
    same = tmp_path / "same.txt"
    assert run("mul", f"@{a}", f"@{b}", "-o", str(same)).returncode == 0
    assert out.read_bytes() == same.read_bytes() and out.read_bytes().endswith(b"\n")  # as the in-memory path
    assert r.returncode == 0, r.stderr
    assert out.read_text() == str(int("123456789" * 50) * -987654321) + "\n"
    r = run("mul", f"@{a}", "12", "-o", str(out), "--method", "dask")
    assert r.returncode == 2 and "files" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("mul", f"@{a}", f"@{tmp_path / 'nope.txt'}", "-o", str(tmp_path / "d.txt"), "--method", "dask")
    assert r.returncode == 2 and "nope.txt" in r.stderr and not (tmp_path / "d.txt").exists()
    r = run("mul", f"@{a}", f"@{b}", "-o", str(tmp_path / "e.txt"), "--method", "dask",
            "--scheduler", "tcp://127.0.0.1:9")
    assert r.returncode == 2 and "scheduler" in r.stderr and not (tmp_path / "e.txt").exists()
    r = run("mul", "1", "2", "--workers", "2")
    assert r.returncode == 2 and "--method dask" in r.stderr


@pytest.mark.slow
def test_ten_million_digits_on_the_cluster_against_gmpy2(tmp_path, client):
    """--run-slow: a 10^7 x 8.6*10^6-digit product on the LocalCluster, checked against gmpy2."""
    gmpy2 = pytest.importorskip("gmpy2")
    rng = np.random.default_rng(7)
    texts = []
    for name, n in (("a.txt", 10**7), ("b.txt", 8_600_000)):
        d = rng.integers(0, 10, n, dtype=np.uint8) + 48
        d[0] = ord("7")
        (tmp_path / name).write_bytes(d.tobytes())
        texts.append(d.tobytes().decode())
    bd.multiply_files(tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt", client=client, chunk=1 << 20)
    assert (tmp_path / "c.txt").read_text() == (gmpy2.mpz(texts[0]) * gmpy2.mpz(texts[1])).digits()
