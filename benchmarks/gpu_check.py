"""Device check for the GPU engine: exactness against gmpy2 and side-by-side timings.

Run on a machine with CuPy and a CUDA device (well under 4 minutes on one H100/H200):

    python benchmarks/gpu_check.py [--out DIR] [--sizes 1e6 1e7 1e8] [--repeats 3]

For each size it multiplies random and all-max operands with
``method="gpu"``, checks every product against gmpy2, then times GPU bigmul,
CPU bigmul (``method="fft"``, skipped at 10^8 unless ``--cpu-large``) and
gmpy2 on the same host, interleaved, medians of ``--repeats``.  It prints a
table and writes it, with the device name, to ``DIR/gpu_check.txt`` and
``DIR/gpu_check.json`` (``DIR`` defaults to benchmarks/results, or $OUT).
Exit status 1 on any wrong product.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", default=["1e6", "1e7", "1e8"])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--cpu-large", action="store_true", help="also time CPU bigmul at 10^8 digits")
    p.add_argument("--out", default=os.environ.get("OUT") or str(Path(__file__).parent / "results"))
    args = p.parse_args()

    import gmpy2

    import bigmul
    from bigmul import gpu

    ok, why = gpu.gpu_status()
    if not ok:
        print(f"gpu_check: GPU engine unavailable: {why}", file=sys.stderr)
        return 2
    info = gpu.gpu_info()
    print("device:", info)
    rng = random.Random(2026)
    rows, wrong = [], 0
    # Warm up: CUDA context, cuFFT plans, CuPy kernels.
    w = (1 << 100_000) - 1
    bigmul.multiply(w, w, method="gpu")
    for text in args.sizes:
        digits = int(float(text))
        bits = int(digits * 3.321928094887362)
        cases = {"random": (rng.getrandbits(bits) | 1 << (bits - 1), rng.getrandbits(bits) | 1 << (bits - 1)),
                 "all-max": ((1 << bits) - 1, (1 << bits) - 1)}
        for name, (a, b) in cases.items():
            ga, gb = gmpy2.mpz(a), gmpy2.mpz(b)
            t = time.perf_counter()
            ref = ga * gb
            t_ref = time.perf_counter() - t
            bigmul.reset_guard_stats()
            got = bigmul.multiply(a, b, method="gpu")
            exact = got == ref
            wrong += not exact
            st = bigmul.guard_stats()
            print(f"{digits:>12,} {name:<8} exact={exact} guards={st}", flush=True)
            if name != "random":
                continue
            engines = {"gpu": lambda: bigmul.multiply(a, b, method="gpu"),
                       "gmpy2": lambda: ga * gb}
            if digits < 10**8 or args.cpu_large:
                engines["cpu"] = lambda: bigmul.multiply(a, b, method="fft")
            times = {k: [] for k in engines}
            for _ in range(args.repeats):
                for k, fn in engines.items():  # interleaved
                    t = time.perf_counter()
                    fn()
                    times[k].append(time.perf_counter() - t)
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append({"digits": digits, **{f"{k}_s": v for k, v in med.items()},
                         "gmpy2_over_gpu": med["gmpy2"] / med["gpu"], "first_gmpy2_s": t_ref,
                         "guards": st})
    lines = [f"GPU check on {info.get('device', '?')} (CuPy {info.get('cupy')}, CUDA runtime "
             f"{info.get('cuda runtime')}), host {os.cpu_count()} CPUs; medians of {args.repeats}, "
             "int in -> int out, interleaved",
             f"{'digits':>12}  {'gpu bigmul':>11}  {'cpu bigmul':>11}  {'gmpy2':>9}  {'gmpy2/gpu':>9}"]
    for r in rows:
        cpu = f"{r['cpu_s']:.3f} s" if "cpu_s" in r else "-"
        lines.append(f"{r['digits']:>12,}  {r['gpu_s']:>9.3f} s  {cpu:>11}  {r['gmpy2_s']:>7.3f} s  "
                     f"{r['gmpy2_over_gpu']:>8.1f}x")
    lines.append(f"wrong products: {wrong}")
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.txt").write_text(table + "\n")
    (out / "gpu_check.json").write_text(json.dumps({"device": info, "rows": rows, "wrong": wrong}, indent=1))
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
