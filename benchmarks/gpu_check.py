"""Device check for the GPU engine: exactness, side-by-side timings, stage times, crossover, fallback.

Run on a machine with CuPy and a CUDA device (about 3-4 minutes on one H100/H200):

    python benchmarks/gpu_check.py [--out DIR] [--sizes 1e6 1e7 1e8] [--text-sizes 1e7 1e8]

1. int x int at each ``--sizes``: random, all-max and balanced-worst operands
   (every balanced limb at -B/2 for the limb width the plan uses) with
   ``method="gpu"``, each product compared with gmpy2; then GPU bigmul, CPU
   bigmul (``method="fft"``, skipped at 10^8 unless ``--cpu-large``) and
   gmpy2 timed on the same host, interleaved, medians of ``--repeats``; and
   one profiled GPU run with per-stage times.
2. decimal text at each ``--text-sizes``: random digits, all nines and the
   balanced-worst text ("50" repeated for base 10^2), GPU product checked
   against the stdlib ``decimal`` module (random), the closed form
   (10^n - 1)^2 (all nines), and at 10^8 the balanced case by residues
   computed on the CPU; timed against ``decimal`` (text in, text out).
3. crossover: GPU vs CPU bigmul from 10^4 to 10^6 digits (int and text).
4. fallback: a CuPy memory pool capped at 32 MiB must give a counted
   ``device_failure`` and an exact CPU product.

It prints tables and writes them, with the device name, to
``DIR/gpu_check.txt`` and ``DIR/gpu_check.json`` (``DIR`` defaults to $OUT,
else benchmarks/results).  Exit status 1 on any wrong product.
"""
from __future__ import annotations

import argparse
import decimal
import json
import os
import random
import statistics
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _interleaved(engines: dict, repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in engines}
    for _ in range(repeats):
        for k, fn in engines.items():
            times[k].append(_timed(fn)[1])
    return {k: statistics.median(v) for k, v in times.items()}


def _decimal_product(s: str, t: str) -> str:
    ctx = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    return str(ctx.multiply(decimal.Decimal(s), decimal.Decimal(t)))


def _text_residues_ok(s: str, t: str, c: str) -> bool:
    """c == s*t modulo two random primes, by CPU code only (digits -> base 10**6 limbs -> residues)."""
    from bigmul.text import decimal_to_limbs, parse_decimal
    from bigmul.guards import limb_residue, random_prime

    rng = random.Random()
    for _ in range(2):
        q = random_prime(2**30, 2**31, rng)
        r = [limb_residue(decimal_to_limbs(parse_decimal(x)[1], 6), 10**6, q) for x in (s, t, c)]
        if r[0] * r[1] % q != r[2]:
            return False
    return c[:1] != "0"


def _fallback_check(pool, report: dict) -> None:
    """Under a 32 MiB memory pool the device must fail, be counted, and the CPU give exact products."""
    import gmpy2

    import bigmul

    pool.free_all_blocks()
    pool.set_limit(size=32 * 2**20)
    try:
        bigmul.reset_guard_stats()
        a = (1 << 33_000_000) - 1
        got = bigmul.multiply(a, a - 12345, method="gpu")
        exact = got == gmpy2.mpz(a) * gmpy2.mpz(a - 12345)
        st = bigmul.guard_stats()
        sg = bigmul.multiply("9" * 10**7, "8" * 10**7, method="gpu")
        exact_s = sg == _decimal_product("9" * 10**7, "8" * 10**7)
        st2 = bigmul.guard_stats()
    finally:
        pool.set_limit(size=0)
    ok_fb = st.get("device_failure") == 1 and st.get("fallback_cpu") == 1 and st2.get("device_failure") == 2
    report["fallback"] = {"exact": exact, "exact_text": exact_s, "counted": ok_fb, "stats": st2,
                          "wrong": (not exact) + (not exact_s) + (not ok_fb)}
    print(f"fallback under a 32 MiB pool: exact={exact} text={exact_s} guards={st} then {st2}", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", default=["1e6", "1e7", "1e8"])
    p.add_argument("--text-sizes", nargs="+", default=["1e7", "1e8"])
    p.add_argument("--crossover", nargs="*", default=["1e4", "3e4", "1e5", "3e5", "1e6"])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--cpu-large", action="store_true", help="also time CPU bigmul at 10^8 digits")
    p.add_argument("--out", default=os.environ.get("OUT") or str(Path(__file__).parent / "results"))
    args = p.parse_args()

    import gmpy2
    import numpy as np

    import bigmul
    from bigmul import bounds, pylong
    from bigmul.engines import gpu

    ok, why = gpu.gpu_status()
    if not ok:
        print(f"gpu_check: GPU engine unavailable: {why}", file=sys.stderr)
        return 2
    info = gpu.gpu_info()
    info["host cpus"] = str(os.cpu_count())
    info["zero-copy int digits"] = str(pylong.available())
    info["python"] = sys.version.split()[0]
    info["gmpy2"] = gmpy2.version()
    print("device:", info, flush=True)
    rng = random.Random(2026)
    wrong = 0
    errors: list[str] = []
    report: dict = {"device": info, "int": [], "text": [], "crossover": [], "fallback": {}, "stages": {}}

    def warm() -> None:  # CUDA context, cuFFT plans, kernel compilation
        w = (1 << 400_000) - 1
        bigmul.multiply(w, w - 2, method="gpu")
        bigmul.square(w, method="gpu")
        bigmul.multiply("9" * 120_000, "7" * 120_000, method="gpu")

    _, t_warm = _timed(warm)
    print(f"warm-up {t_warm:.1f} s", flush=True)

    # 1. int x int ------------------------------------------------------------
    for text in args.sizes:
        try:
            digits = int(float(text))
            bits = int(digits * 3.321928094887362)
            lb = bounds.fft_limb_bits(bits, bits)
            n = bits // lb
            worst = (((1 << (lb * n)) - 1) // ((1 << lb) - 1)) << (lb - 1)
            cases = {"random": (rng.getrandbits(bits) | 1 << (bits - 1), rng.getrandbits(bits) | 1 << (bits - 1)),
                     "all-max": ((1 << bits) - 1, (1 << bits) - 1),
                     "balanced-worst": (worst, worst - (1 << (lb - 1)))}
            for name, (a, b) in cases.items():
                ga, gb = gmpy2.mpz(a), gmpy2.mpz(b)
                ref, t_ref = _timed(lambda: ga * gb)
                bigmul.reset_guard_stats()
                got, t_gpu = _timed(lambda: bigmul.multiply(a, b, method="gpu"))
                exact = got == ref
                wrong += not exact
                st = bigmul.guard_stats()
                print(f"int {digits:>12,} {name:<15} {lb}-bit limbs exact={exact} gpu {t_gpu:.3f} s "
                      f"gmpy2 {t_ref:.3f} s guards={st}", flush=True)
                del got, ref
                if name != "random":
                    continue
                engines = {"gpu": lambda: bigmul.multiply(a, b, method="gpu"), "gmpy2": lambda: ga * gb}
                if digits < 10**8 or args.cpu_large:
                    engines["cpu"] = lambda: bigmul.multiply(a, b, method="fft")
                med = _interleaved(engines, args.repeats)
                gpu.profile(True)
                bigmul.multiply(a, b, method="gpu")
                stages = gpu.profile(False)
                report["stages"][f"int {digits}"] = stages
                report["int"].append({"digits": digits, "limb_bits": lb, **{f"{k}_s": v for k, v in med.items()},
                                      "gmpy2_over_gpu": med["gmpy2"] / med["gpu"]})
                print("   medians", {k: round(v, 4) for k, v in med.items()},
                      "stages", {k: round(v, 4) for k, v in (stages or {}).items()}, flush=True)
        except Exception:  # noqa: BLE001 - report and go on with the other sections
            errors.append(f"{text}: {traceback.format_exc()}")
            print(errors[-1], flush=True)

    # 2. decimal text ------------------------------------------------------------
    for text in args.text_sizes:
        try:
            digits = int(float(text))
            from bigmul.plan import plan_str

            kplan = plan_str(digits, digits, "gpu").steps[0].k
            r = np.random.default_rng(digits)
            rand = lambda: (r.integers(0, 10, digits, dtype=np.uint8) + 48).tobytes().decode()  # noqa: E731
            s, t = rand(), rand()
            s = "7" + s[1:]
            t = "3" + t[1:]
            nines = "9" * digits
            worst = ("5" + "0" * (kplan - 1)) * (digits // kplan)
            bigmul.reset_guard_stats()
            got, t_gpu = _timed(lambda: bigmul.multiply(s, t, method="gpu"))
            ref, t_dec = _timed(lambda: _decimal_product(s, t))
            exact = got == ref
            wrong += not exact
            print(f"text {digits:>12,} random         base 10^{kplan} exact={exact} gpu {t_gpu:.3f} s "
                  f"decimal {t_dec:.3f} s guards={bigmul.guard_stats()}", flush=True)
            del got, ref
            got = bigmul.multiply(nines, nines, method="gpu")
            exact = got == "9" * (digits - 1) + "8" + "0" * (digits - 1) + "1"
            wrong += not exact
            print(f"text {digits:>12,} all-nines      exact={exact} (closed form)", flush=True)
            got = bigmul.multiply(worst, worst, method="gpu")
            if digits <= 10**7:
                exact = got == _decimal_product(worst, worst)
                how = "decimal module"
            else:
                exact = _text_residues_ok(worst, worst, got)
                how = "CPU residues mod 2 random primes"
            wrong += not exact
            print(f"text {digits:>12,} balanced-worst exact={exact} ({how})", flush=True)
            del got
            engines = {"gpu": lambda: bigmul.multiply(s, t, method="gpu")}
            reps = args.repeats
            if digits < 10**8:
                engines["decimal"] = lambda: _decimal_product(s, t)
                engines["cpu"] = lambda: bigmul.multiply(s, t, method="fft")
            med = _interleaved(engines, reps)
            if "decimal" not in med:
                med["decimal"] = t_dec  # one run at 10^8 (tens of seconds each)
            gpu.profile(True)
            bigmul.multiply(s, t, method="gpu")
            stages = gpu.profile(False)
            report["stages"][f"text {digits}"] = stages
            report["text"].append({"digits": digits, "k": kplan, **{f"{k}_s": v for k, v in med.items()},
                                   "decimal_over_gpu": med["decimal"] / med["gpu"]})
            print("   medians", {k: round(v, 4) for k, v in med.items()},
                  "stages", {k: round(v, 4) for k, v in (stages or {}).items()}, flush=True)
        except Exception:  # noqa: BLE001 - report and go on with the other sections
            errors.append(f"{text}: {traceback.format_exc()}")
            print(errors[-1], flush=True)

    # 3. crossover ----------------------------------------------------------------
    for text in args.crossover:
        try:
            digits = int(float(text))
            bits = int(digits * 3.321928094887362)
            a, b = rng.getrandbits(bits) | 1 << (bits - 1), rng.getrandbits(bits) | 1 << (bits - 1)
            r = np.random.default_rng(digits + 1)
            s = (r.integers(0, 10, digits, dtype=np.uint8) + 48).tobytes().decode()
            t = (r.integers(0, 10, digits, dtype=np.uint8) + 48).tobytes().decode()
            med = _interleaved({"gpu": lambda: bigmul.multiply(a, b, method="gpu"),
                                "cpu": lambda: bigmul.multiply(a, b, method="fft"),
                                "gmpy2": lambda: gmpy2.mpz(a) * gmpy2.mpz(b),
                                "gpu text": lambda: bigmul.multiply(s, t, method="gpu"),
                                "cpu text": lambda: bigmul.multiply(s, t, method="fft")}, 5)
            report["crossover"].append({"digits": digits, **{f"{k}_s": v for k, v in med.items()}})
            print(f"crossover {digits:>9,}", {k: round(v * 1e3, 3) for k, v in med.items()}, "ms", flush=True)
        except Exception:  # noqa: BLE001 - report and go on with the other sections
            errors.append(f"{text}: {traceback.format_exc()}")
            print(errors[-1], flush=True)

    # 4. device failure -> counted CPU fallback -------------------------------------
    pool = getattr(gpu._device(), "get_default_memory_pool", lambda: None)()
    if pool is not None:
        try:
            _fallback_check(pool, report)
        except Exception:  # noqa: BLE001
            errors.append(f"fallback: {traceback.format_exc()}")
            print(errors[-1], flush=True)
        wrong += report["fallback"].get("wrong", 0)
    else:
        print("fallback check skipped: the device module has no memory pool", flush=True)
        report["fallback"] = {"skipped": True}

    # tables -------------------------------------------------------------------------
    lines = [f"GPU check on {info.get('device', '?')} (CuPy {info.get('cupy')}, CUDA runtime "
             f"{info.get('cuda runtime')}), host {os.cpu_count()} CPUs, Python {info['python']}, "
             f"gmpy2 {info['gmpy2']}; medians of {args.repeats}, interleaved",
             "", "int in -> int out",
             f"{'digits':>12}  {'limb':>4}  {'gpu bigmul':>10}  {'cpu bigmul':>10}  {'gmpy2':>9}  {'gmpy2/gpu':>9}"]
    for r_ in report["int"]:
        cpu = f"{r_['cpu_s']:.3f} s" if "cpu_s" in r_ else "-"
        lines.append(f"{r_['digits']:>12,}  {r_['limb_bits']:>4}  {r_['gpu_s']:>8.4f} s  {cpu:>10}  "
                     f"{r_['gmpy2_s']:>7.3f} s  {r_['gmpy2_over_gpu']:>8.1f}x")
    lines += ["", "decimal text in -> text out",
              f"{'digits':>12}  {'base':>5}  {'gpu bigmul':>10}  {'cpu bigmul':>10}  {'decimal':>9}  {'decimal/gpu':>11}"]
    for r_ in report["text"]:
        cpu = f"{r_['cpu_s']:.3f} s" if "cpu_s" in r_ else "-"
        lines.append(f"{r_['digits']:>12,}  10^{r_['k']:<2}  {r_['gpu_s']:>8.4f} s  {cpu:>10}  "
                     f"{r_['decimal_s']:>7.3f} s  {r_['decimal_over_gpu']:>10.1f}x")
    lines += ["", "stages (one profiled run each, seconds; each stage ends with a device sync)"]
    for name, st_ in report["stages"].items():
        lines.append(f"  {name:<14} " + ", ".join(f"{k} {v:.4f}" for k, v in (st_ or {}).items()))
    lines += ["", "crossover (ms, medians of 5)",
              f"{'digits':>9}  {'gpu':>8}  {'cpu':>8}  {'gmpy2':>8}  {'gpu text':>9}  {'cpu text':>9}"]
    for r_ in report["crossover"]:
        lines.append(f"{r_['digits']:>9,}  {r_['gpu_s'] * 1e3:>8.3f}  {r_['cpu_s'] * 1e3:>8.3f}  "
                     f"{r_['gmpy2_s'] * 1e3:>8.3f}  {r_['gpu text_s'] * 1e3:>9.3f}  {r_['cpu text_s'] * 1e3:>9.3f}")
    lines.append(f"\nfallback under a 32 MiB CuPy pool: {report['fallback']}")
    lines.append(f"wrong products or missing fallback counts: {wrong}")
    lines.append(f"sections that raised: {len(errors)}")
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.txt").write_text(table + "\n")
    (out / "gpu_check.json").write_text(json.dumps({**report, "wrong": wrong, "errors": errors}, indent=1,
                                                   default=str))
    return 1 if wrong or errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
