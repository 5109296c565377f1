"""`mesaverify bench` (`make bench`): timings of our implementations against straightforward references.

Each Benchmark of BENCHMARKS names a problem, prepares it once, and times `ours`
and `reference` on it side by side; the two results must agree (`agree` returns
the largest difference and the bound) and the ratio must reach its `target`, if
any.  A Budget measures (or projects from a slice) the wall time of a whole job
and reports it against a budget (ours_s = seconds, reference_s = budget).  A
Scaling times one computation at growing sizes and reports the growth.  Results
go to build/bench.json as {"benchmarks": [{"name", "ours_s", "reference_s",
"ratio", ...}]} and are printed; `make bench` fails when a result disagrees or a
ratio target is missed — a missed wall-time budget is reported, not failed, since
wall times on a shared machine vary twofold.  Add an entry to BENCHMARKS.

BLAS runs on one thread here (set before NumPy loads it): both sides of a ratio
use one core, as each worker of `make figures` does, and on a busy machine the
hand-offs between BLAS threads do not enter the ratios.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

from mesaverify import jsonio, outputs  # noqa: E402

OUT = Path("build") / "bench.json"


@dataclass(frozen=True)
class Benchmark:
    name: str
    prepare: Callable[[], Any]  # built once, outside the timings (reported as setup_s)
    ours: Callable[[Any], Any]
    reference: Callable[[Any], Any]
    agree: Callable[[Any, Any], tuple[float, float]]  # (largest difference, allowed)
    repeats: int = 3  # ours is cheap: best of several; the reference runs once
    target: float | None = None  # the ratio reference/ours must reach this
    budget_s: float | None = None  # ours' wall time is reported against this (not failed)
    extra: Callable[[float], dict] | None = None  # more to report, from ours' seconds
    per: int = 1  # one call of ours does this many units of the reference's work: ours_s is per unit


@dataclass(frozen=True)
class Budget:
    """A wall-time budget for a whole job: `project` times a slice and projects the job (ours_s);
    reference_s is the budget, ratio = budget/seconds, within_budget reported (never failed); setup_s is the time taken."""

    name: str
    project: Callable[[], tuple[float, str]]  # (projected seconds, how they were projected)
    budget_s: float


@dataclass(frozen=True)
class Scaling:
    """`run(size)` timed at each size (once each), after one untimed run at the first size that fills what every
    size shares (the phase average of a derivation); the growth exponent between the first and last size,
    log(t_last/t_first)/log(size_last/size_first), is reported."""

    name: str
    sizes: tuple
    run: Callable[[Any], Any]


def _best(fn, state, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(state)
        best = min(best, time.perf_counter() - start)
    return best, out


# ---------------------------------------------------------------- [Z] one training epoch
def _zheng_prepare(d=5, T=100, m=10000, seed=0):
    from mesaverify.numerics.zheng import train as tr

    rng = np.random.default_rng(seed)
    seqs = tr.draw_sequences(rng.standard_normal((m, d)), T, rng)
    K, V = tr.gaussian_init(d, 1.0 / np.sqrt(2 * d), rng)
    return {"seqs": seqs, "K": K, "V": V, "loss": tr.EmpiricalLoss(seqs)}


def _zheng_ours(s):
    return s["loss"](s["K"], s["V"])


RUN_EPOCHS = 200  # the epochs of a [Z] figure run


def _zheng_run(s):
    """A run's loss work: the quartic form's moments built, then RUN_EPOCHS evaluations (at one point)."""
    from mesaverify.numerics.zheng.quartic import QuarticLoss

    loss = QuarticLoss(s["seqs"])
    for _ in range(RUN_EPOCHS - 1):
        loss(s["K"], s["V"])
    return loss(s["K"], s["V"])


def _zheng_reference(s):
    from mesaverify.numerics.zheng import reference

    return reference.loss_and_gradient(s["K"], s["V"], s["seqs"])


def _same_loss_and_gradient(ours, ref):
    diff = max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(ours, ref))
    scale = max(float(np.max(np.abs(np.asarray(y)))) for y in ref)
    return diff, 1e-10 * max(scale, 1.0)


# ---------------------------------------------------------------- [Z] exact loss, cost in T
def _loss_at(horizon):
    """The exact diagonal-family loss for d = 5 (Gaussian σ = 1) at a horizon, derived afresh."""
    def run(_):
        from mesaverify.derivations.moments import RealGaussian
        from mesaverify.derivations.zheng.loss import diagonal_loss
        from mesaverify.derivations.zheng.symbols import T
        return diagonal_loss.__wrapped__(RealGaussian(5, 1), 5, T if horizon is None else horizon)
    return run


def _same_expression_at(horizon):
    def agree(ours, ref):
        from mesaverify.derivations.zheng.symbols import T
        diff = ours - (ref.subs(T, horizon) if hasattr(ref, "subs") else ref)
        return float(abs(__import__("sympy").expand(diff).subs({"a": 1, "b": 1}))), 0.0
    return agree


# ---------------------------------------------------------------- [Z] figure set, wall-time budget
def _figures_projection():
    """mesaverify.figures.projected_seconds: a slice of each law family at full size, 4 epochs."""
    from mesaverify.figures import projected_seconds

    return projected_seconds()


def _machine(epoch_s: float) -> dict:
    from mesaverify.benchjobs import machine_fraction

    return machine_fraction(epoch_s)


def _machine_quartic(epoch_s: float) -> dict:
    from mesaverify.benchjobs import machine_fraction
    from mesaverify.numerics.zheng import quartic

    flops = 8 * (quartic.build_cost(5, 100, 10000) / RUN_EPOCHS + quartic.evaluation_cost(5))
    return machine_fraction(epoch_s, flops=flops)


def _jobs():
    from mesaverify import benchjobs as jobs

    return [
        Benchmark("mesaverify verify --jobs 2 vs --jobs 1 (every check, the same report), wall time vs 30 s",
                  lambda: None, jobs.verify_with(2), jobs.verify_with(1), jobs.same_reports, repeats=1, target=1.6,
                  budget_s=jobs.VERIFY_BUDGET_S),
        Budget("mesaverify selftest (every check against its mutants, all cores): measured wall time vs 150 s",
               jobs.selftest_wall, jobs.SELFTEST_BUDGET_S),
        Scaling("[Z] per-coordinate loss derived for symbolic T (Gaussian x_1), cost against d",
                (2, 3, 4, 5, 6), jobs.per_coordinate_loss),
        Benchmark("mesaverify --version in a fresh process vs importing every command module, wall time vs 0.3 s",
                  lambda: None, jobs.startup, jobs.all_parsers, jobs.nothing_to_compare, budget_s=jobs.STARTUP_BUDGET_S),
        Benchmark("[Z] lim ab at d = 10^6, T = 100: the library (mv.zheng.limit) vs the command line (fixed-point), "
                  "the same value in the same time", lambda: None, jobs.library_limit, jobs.command_limit,
                  jobs.same_value, repeats=1),
    ]


BENCHMARKS = [
    *[Benchmark(f"[Z] exact loss derived at T={h} vs for symbolic T (closed form: cost flat in T)",
                lambda: None, _loss_at(h), _loss_at(None), _same_expression_at(h), repeats=1)
      for h in (10, 100, 1000)],  # at T = 10**6 the exact value holds H_{999998}, a rational of ~10^5 digits
    Benchmark(f"[Z] trainer, one epoch of a {RUN_EPOCHS}-epoch run, loss + gradient, d=5 T=100 m=10000 (quartic form: "
              "moments built once, amortised, vs E_t E_t^* per t)",
              _zheng_prepare, _zheng_run, _zheng_reference, _same_loss_and_gradient, repeats=1, target=40.0,
              extra=_machine_quartic, per=RUN_EPOCHS),
    Benchmark("[Z] one epoch of the per-sequence form (short runs, d >= 8), d=5 T=100 m=10000 (separable running sums "
              "vs E_t E_t^* per t)", _zheng_prepare, _zheng_ours, _zheng_reference, _same_loss_and_gradient,
              extra=_machine),
    Budget("[Z] mesaverify figures, full set (23 runs, m=10000, 200 epochs, 2 workers): projected wall time vs 300 s",
           _figures_projection, 300.0),
    *_jobs(),
]


def _measure(b) -> dict:
    print(f"{b.name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    if isinstance(b, Scaling):
        seconds = []
        b.run(b.sizes[0])
        for size in b.sizes:
            begin = time.perf_counter()
            b.run(size)
            seconds.append(time.perf_counter() - begin)
        growth = math.log(seconds[-1] / seconds[0]) / math.log(b.sizes[-1] / b.sizes[0])
        return {"name": b.name, "ours_s": seconds[-1], "reference_s": seconds[0], "ratio": seconds[-1] / seconds[0],
                "setup_s": 0.0, "sizes": list(b.sizes), "seconds": seconds, "growth_exponent": growth,
                "target": None, "met": True, "agree": True,
                "projection": ", ".join(f"{n}: {t:.2f} s" for n, t in zip(b.sizes, seconds)) + f"; t ∝ size^{growth:.2f}"}
    if isinstance(b, Budget):
        projected, how = b.project()
        return {"name": b.name, "ours_s": projected, "reference_s": b.budget_s, "ratio": b.budget_s / projected,
                "setup_s": time.perf_counter() - start, "projection": how, "target": None, "budget_s": b.budget_s,
                "met": True, "within_budget": bool(projected <= b.budget_s), "agree": True}
    state = b.prepare()
    setup = time.perf_counter() - start
    ours_s, ours = _best(b.ours, state, b.repeats)
    ours_s /= b.per
    reference_s, ref = _best(b.reference, state, 1)
    diff, allowed = b.agree(ours, ref)
    ratio = reference_s / ours_s
    row = {"name": b.name, "ours_s": ours_s, "reference_s": reference_s, "ratio": ratio, "setup_s": setup,
           "max_difference": diff, "agree": bool(diff <= allowed), "target": b.target,
           "met": b.target is None or bool(ratio >= b.target)}
    if b.budget_s is not None:
        row.update(budget_s=b.budget_s, within_budget=bool(ours_s <= b.budget_s))
    if b.extra is not None:
        extras = b.extra(ours_s)
        row.update(extras, projection=", ".join(f"{k} {v:.3g}" for k, v in extras.items()))
    return row


def run(benchmarks=BENCHMARKS, out: Path = OUT) -> list[dict]:
    """Measure every benchmark, write build/bench.json and print the table."""
    rows = [_measure(b) for b in benchmarks]
    outputs.write_text(out, jsonio.dumps({"benchmarks": rows, "cpus": os.cpu_count(),
                                          "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}, indent=2) + "\n")
    width = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'ours (s)':>9}  {'reference (s)':>13}  {'ratio':>7}  {'target':>6}  {'setup (s)':>9}  agree")
    for r in rows:
        target = f"{r['target']:>5g}×" if r["target"] is not None else " " * 6
        agree = f"yes ({r['max_difference']:.1e})" if "max_difference" in r and r["agree"] else \
            f"NO ({r['max_difference']:.1e})" if "max_difference" in r else "-"
        print(f"{r['name']:<{width}}  {r['ours_s']:>9.3f}  {r['reference_s']:>13.3f}  {r['ratio']:>6.1f}×  {target}  "
              f"{r['setup_s']:>9.2f}  {agree}{'' if r['met'] else '  TARGET MISSED'}"
              f"{'  OVER BUDGET' if r.get('within_budget') is False else ''}")
        if "projection" in r:
            print(f"    projection: {r['projection']}")
    print(f"written: {out} (BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS')})")
    return rows


def run_command(args) -> int:
    """`mesaverify bench`: every benchmark; exit 1 if a result disagrees or a ratio target is missed (a wall time
    over its budget is reported only)."""
    out = outputs.writable_dir(args.out, "--out") / "bench.json"
    return exit_code(run(out=out))


def exit_code(rows: list[dict]) -> int:
    """1 if a result disagrees or a ratio target is missed; a wall time over its budget does not count."""
    return 0 if all(r["agree"] and r["met"] for r in rows) else 1


def main() -> int:
    """`python -m mesaverify.bench`: the same as `mesaverify bench`."""
    from mesaverify.cli import main as cli

    return cli(["bench", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
