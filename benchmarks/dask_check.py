"""Side-by-side figures for the Dask engine: files in, file out, against in-memory bigmul and gmpy2.

Each run is a fresh process (so its peak RSS is its own):

    python benchmarks/dask_check.py make --digits 1e8 --dir /tmp/dk      # two random operand files
    python benchmarks/dask_check.py run --mode threaded --dir /tmp/dk    # client=None
    python benchmarks/dask_check.py run --mode cluster --workers 2 --memory-limit 8G --dir /tmp/dk
    python benchmarks/dask_check.py run --mode inmem --dir /tmp/dk       # bigmul.multiply on the text
    python benchmarks/dask_check.py run --mode gmpy2 --dir /tmp/dk
    python benchmarks/dask_check.py check --dir /tmp/dk                  # product file vs operands, mod 3 primes

``run`` prints one JSON line: mode, seconds (read + multiply + write), peak
RSS of this (driver) process, bytes the workers spilled to disk.  ``check``
streams the three files through gmpy2 and compares the product modulo three
random 64-bit primes (an oracle independent of bigmul's own checks).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time

import numpy as np


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make(args: argparse.Namespace) -> None:
    n = int(float(args.digits))
    os.makedirs(args.dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for name, digits in (("a.txt", n), ("b.txt", n - n // 7)):
        with open(os.path.join(args.dir, name), "wb") as f:
            left, first = digits, True
            while left:
                m = min(left, 1 << 26)
                d = rng.integers(0, 10, m, dtype=np.uint8) + 48
                if first:
                    d[0] = 49 + rng.integers(0, 9)
                    first = False
                f.write(d.tobytes())
                left -= m
            f.write(b"\n")
    print(json.dumps({"made": args.dir, "digits": n}))


def run(args: argparse.Namespace) -> None:
    a, b, c = (os.path.join(args.dir, x) for x in ("a.txt", "b.txt", f"c-{args.mode}.txt"))
    t0 = time.perf_counter()
    spilled = 0
    extra: dict = {}
    if args.mode in ("threaded", "cluster"):
        from bigmul.distributed import multiply_files

        client = cluster = None
        if args.mode == "cluster":
            from distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, memory_limit=args.memory_limit,
                                   dashboard_address=None, local_directory=args.spill_dir)
            client = Client(cluster)
            t0 = time.perf_counter()
        extra = multiply_files(a, b, c, client=client, chunk=args.chunk, progress=args.progress)
        if client is not None:
            def spilled_bytes(dask_worker):
                m = getattr(dask_worker.data, "cumulative_metrics", {})
                return sum(v for k, v in m.items() if "disk-write" in str(k) and "bytes" in str(k))

            spilled = sum(client.run(spilled_bytes).values())
            worker_rss = client.run(lambda: __import__("psutil").Process().memory_info().rss)
            extra["worker_rss_mb"] = {k: round(v / 2**20) for k, v in worker_rss.items()}
        secs = time.perf_counter() - t0
        if client is not None:
            client.close()
            cluster.close()
    elif args.mode == "inmem":
        import bigmul

        with open(a) as f:
            sa = f.read()
        with open(b) as f:
            sb = f.read()
        out = bigmul.multiply(sa, sb)
        with open(c, "w") as f:
            f.write(out)
        secs = time.perf_counter() - t0
    else:
        import gmpy2

        with open(a) as f:
            ga = gmpy2.mpz(f.read().strip())
        with open(b) as f:
            gb = gmpy2.mpz(f.read().strip())
        with open(c, "w") as f:
            f.write((ga * gb).digits())
        secs = time.perf_counter() - t0
    print(json.dumps({"mode": args.mode, "seconds": round(secs, 2), "peak_rss_mb": round(_peak_rss_mb()),
                      "spilled_bytes": spilled, "file_bytes": os.path.getsize(c),
                      "report": {k: v for k, v in extra.items() if k != "units"}}, default=str))


def check(args: argparse.Namespace) -> None:
    import gmpy2

    rng = random.SystemRandom()
    primes = [int(gmpy2.next_prime(rng.randrange(2**62, 2**63))) for _ in range(3)]

    def residues(path: str) -> list[int]:
        out = [0] * len(primes)
        sign = 1
        with open(path, "rb") as f:
            first = True
            while True:
                chunk = f.read(1 << 22).strip()
                if not chunk:
                    break
                if first and chunk[:1] in (b"-", b"+"):
                    sign = -1 if chunk[:1] == b"-" else 1
                    chunk = chunk[1:]
                first = False
                v = gmpy2.mpz(chunk.decode())
                for i, p in enumerate(primes):
                    out[i] = (out[i] * pow(10, len(chunk), p) + int(v % p)) % p
        return [sign * r % p for r, p in zip(out, primes)]

    t0 = time.perf_counter()
    ra, rb = residues(os.path.join(args.dir, "a.txt")), residues(os.path.join(args.dir, "b.txt"))
    rc = residues(os.path.join(args.dir, f"c-{args.mode}.txt"))
    ok = all(x * y % p == z for x, y, z, p in zip(ra, rb, rc, primes))
    print(json.dumps({"check": args.mode, "agree_mod_3_primes": ok, "seconds": round(time.perf_counter() - t0, 1)}))
    sys.exit(0 if ok else 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--digits", required=True)
    m.add_argument("--dir", required=True)
    m.add_argument("--seed", type=int, default=1)
    r = sub.add_parser("run")
    r.add_argument("--mode", choices=["threaded", "cluster", "inmem", "gmpy2"], required=True)
    r.add_argument("--dir", required=True)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--memory-limit", default="4GB")
    r.add_argument("--spill-dir", default=None)
    r.add_argument("--chunk", type=int, default=1 << 22)
    r.add_argument("--progress", action="store_true")
    c = sub.add_parser("check")
    c.add_argument("--dir", required=True)
    c.add_argument("--mode", default="cluster")
    args = p.parse_args()
    {"make": make, "run": run, "check": check}[args.cmd](args)


if __name__ == "__main__":
    main()
