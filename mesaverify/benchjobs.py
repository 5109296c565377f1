"""The rows of `mesaverify bench` that time whole commands or hold a kernel against the machine: `verify --jobs 2`
against `--jobs 1` (side by side, reports compared), the wall times of verify and selftest against their
budgets, the derivation's cost in d for the per-coordinate family, and one training epoch against the rate of
a complex GEMM of the same size measured in the same run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

VERIFY_BUDGET_S = 30.0
SELFTEST_BUDGET_S = 150.0


def _command(*args: str) -> tuple[float, dict]:
    """Run `mesaverify ARGS --out TMP` in a fresh process; (wall seconds, the JSON it wrote)."""
    with tempfile.TemporaryDirectory(prefix="mesaverify-bench-") as out:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mesaverify", *args, "--out", out], capture_output=True, text=True,
                              env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"))
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"mesaverify {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-300:]}")
        name = "report.json" if args[0] == "verify" else "selftest.json"
        return seconds, json.loads((Path(out) / name).read_text())


def verify_with(jobs: int):
    """`verify --jobs N` in a fresh process, timed by the bench around it."""
    def run(_):
        return _command("verify", "--jobs", str(jobs))[1]
    return run


def same_reports(ours: dict, ref: dict) -> tuple[float, float]:
    """The checks, their verdicts and max_errors identical whatever the number of processes."""
    def verdicts(report):
        return [{k: c[k] for k in ("id", "status", "max_error", "tolerance")} for c in report["checks"]]

    different = float(verdicts(ours) != verdicts(ref)) + float(not all(c["status"] == "pass" for c in ours["checks"]))
    return different, 0.0


def selftest_wall() -> tuple[float, str]:
    """`mesaverify selftest`, measured (all cores): its wall time, with what it found."""
    seconds, summary = _command("selftest")
    survivors = len(summary["survivors"])
    if survivors or summary.get("baseline_failures"):
        raise RuntimeError(f"selftest: {survivors} survivors, {len(summary.get('baseline_failures', []))} failing checks")
    return seconds, f"measured: {summary['killed']}/{summary['mutants']} mutants killed, {len(summary['equivalent'])} equivalent"


def per_coordinate_loss(d: int):
    """The exact per-coordinate loss (diag(a_k), diag(b_k)) for symbolic T at dimension d, derived afresh."""
    from mesaverify.derivations.moments import RealGaussian
    from mesaverify.derivations.zheng.loss import per_coordinate_loss as derived

    return derived.__wrapped__(RealGaussian(d, 1), d)


def epoch_flops(d: int, T: int, m: int) -> float:
    """The real floating-point operations one epoch needs at least, counted as complex matrix-vector products per
    sequence and position: forward W^{KQ} e_t (2d×2d), S_t z (d×d on the running sum), W^{PV} (d×2d); the
    backward pass twice that.  A complex multiply-add is 8 real operations."""
    forward = (2 * d) ** 2 + d**2 + d * 2 * d
    return 8.0 * 3 * forward * m * (T - 2)


def gemm_rate(d: int, T: int, m: int, chunk: int = 20) -> float:
    """Real operations per second of NumPy's complex batched GEMM (chunk, 2d, 2d) @ (chunk, 2d, T) over m
    sequences: the tokens of one epoch multiplied by W^{KQ}, the shape of the trainer's own kernel."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((chunk, 2 * d, 2 * d)) + 1j * rng.standard_normal((chunk, 2 * d, 2 * d))
    B = rng.standard_normal((chunk, 2 * d, T)) + 1j * rng.standard_normal((chunk, 2 * d, T))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(m // chunk):
            np.matmul(A, B)
        best = min(best, time.perf_counter() - start)
    return 8.0 * m * (2 * d) ** 2 * T / best


def machine_fraction(epoch_s: float, d: int = 5, T: int = 100, m: int = 10000, flops: float | None = None) -> dict:
    """One epoch's time against the machine: the epoch's operations (`flops`, by default those of the
    per-sequence form, epoch_flops) at the GEMM rate, over the epoch's time."""
    rate = gemm_rate(d, T, m)
    flops = epoch_flops(d, T, m) if flops is None else flops
    return {"gemm_gflops": rate / 1e9, "epoch_gflop": flops / 1e9, "limit_s": flops / rate,
            "fraction_of_machine": flops / rate / epoch_s}


# ---------------------------------------------------------------- the doors: start-up, library against command line
STARTUP_BUDGET_S = 0.3


def _process(code: str) -> float:
    """Wall seconds of a fresh interpreter running `code` (it must exit 0)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def startup(_):
    """`mesaverify --version` in a fresh process (its wall seconds): the parser's summaries only, no command module."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mesaverify", "--version"], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    if not done.stdout.startswith("mesaverify "):
        raise RuntimeError(f"mesaverify --version printed {done.stdout!r}")
    return seconds


def all_parsers(_):
    """Every command module imported and every parser built in a fresh process: what --version cost before."""
    return _process("from mesaverify.cli import build_parser; build_parser()")


def nothing_to_compare(ours, ref) -> tuple[float, float]:
    """Both ran and exited 0 (their outputs differ by design: only their times are compared)."""
    return 0.0, 0.0


LIBRARY_LAW = ("gaussian", 10**6, 100)  # the law, d and T of the library-against-command-line row


def library_limit(_):
    """mv.zheng.limit(mv.laws.gaussian(d=10**6), T=100), in this process."""
    import mesaverify as mv

    return mv.zheng.limit(mv.laws.gaussian(d=LIBRARY_LAW[1]), T=LIBRARY_LAW[2])


def command_limit(_):
    """`mesaverify fixed-point --law gaussian --d 1000000 --T 100 --json`, in this process: its exact ab."""
    import contextlib
    import io

    import sympy as sp

    from mesaverify.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["fixed-point", "--law", LIBRARY_LAW[0], "--d", str(LIBRARY_LAW[1]), "--T", str(LIBRARY_LAW[2]), "--json"])
    return sp.S(json.loads(out.getvalue())["result"]["ab"])


def same_value(ours, ref) -> tuple[float, float]:
    """The library's exact value is the command line's."""
    return float(ours != ref), 0.0
