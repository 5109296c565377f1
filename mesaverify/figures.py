"""`mesaverify figures` (`make figures`): [Z] Figure 1 and the appendix runs, trained, with the derived
theory drawn over them.

Writes out/*.png (200 dpi), *.pdf and README.md (one caption per figure: what
the theory predicts, what the run measured, numbers taken from the runs).  By
default the full set: d = 5, T = 100, m = 10000, 200 epochs; Gaussian σ and
Example 4.1 c in {1/2, 1, 2}, each from (a₀, b₀) in {(0.1, 0.1), (0.5, 1.5),
(2, 2)}; all-ones masked and unmasked; Gaussian initialisation of every entry at
std 1 as in [Z]'s implementation (both laws), and at std 0.1 as an extra run: 23
runs on 10 data sets.  `--quick` trains the same runs at m = 1500 for 80 epochs
(under a minute on 2 cores; the full set about 1.5 minutes).  Runs go through numerics.zheng.sweep (joblib over
the cores, or a Dask cluster; runs on one data set share its set-up), with a
progress bar (tqdm, on a terminal only).  `projected_seconds` projects the wall
time from a short slice (`mesaverify bench` reports it against 300 s).

Learning rate: plain GD is stable while lr·λ_max < 2, λ_max the largest
Hessian eigenvalue of the empirical loss.  Each run uses lr = 1/λ_max, the
larger of λ_max at its start and at the derived end point on the hyperbola
ab = u* (numerics.zheng.sweep.auto_rate), and the ODE is drawn at τ = lr·epoch.
"""
from __future__ import annotations

import contextlib
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy as sp

from mesaverify import cluster, outputs
from mesaverify.checks.core.laws import LawSpec, x1_law
from mesaverify.derivations import moments
from mesaverify.derivations.zheng import capability
from mesaverify.derivations.zheng.flow import ab_solution
from mesaverify.derivations.zheng.stationary import ab_limit, reduced_coefficients
from mesaverify.derivations.zheng.symbols import a0 as A0
from mesaverify.derivations.zheng.symbols import b0 as B0
from mesaverify.derivations.zheng.symbols import t as T_SYM
from mesaverify.derivations.zheng.symbols import tau
from mesaverify.numerics.zheng.sweep import hyperbola_point, sweep

D, HORIZON, M, EPOCHS = 5, 100, 10000, 200
QUICK_M, QUICK_EPOCHS = 1500, 80
INITS = ((0.1, 0.1), (0.5, 1.5), (2.0, 2.0))
SCALES = (Fraction(1, 2), Fraction(1), Fraction(2))
GAUSSIAN_INIT_STDS = (("gaussian", 1.0), ("sparse", 1.0), ("gaussian", 0.1))  # std 1 as in [Z]'s code; 0.1 extra


def save(figure, out: Path, name: str) -> list[Path]:
    """Write a figure as out/name.png and out/name.pdf, each atomically."""
    from mesaverify.numerics import figures as fig

    return [outputs.write_bytes(out / f"{name}.{ext}", data) for ext, data in fig.render(figure).items()]


def spec(name, scale=Fraction(1)) -> LawSpec:
    """The LawSpec of a figure's law at D with scale σ or c (exact)."""
    kw = {"gaussian": {"sigma": moments.exact(scale)}, "sparse": {"c": moments.exact(scale)}}.get(name, {})
    return LawSpec(name, D, **kw)


def limit_point(law, a0, b0, T) -> tuple[float, float]:
    """Where the flow from (a0, b0) ends on the hyperbola ab = u*: a² − b² = c0 is conserved."""
    alpha, beta, _ = reduced_coefficients(law, D, T)
    a, b = hyperbola_point(a0, b0, float(-beta / (2 * alpha)))
    return float(a), float(b)


def ode_curve(law, a0, b0, lr, epochs, T) -> np.ndarray:
    u = sp.lambdify(tau, ab_solution(law, D, T).subs({A0: sp.nsimplify(a0), B0: sp.nsimplify(b0)}), "mpmath")
    return np.array([float(u(lr * n)) for n in range(epochs + 1)])


def jobs_and_theory(m, epochs, T):
    jobs, meta = [], []
    for name in ("gaussian", "sparse"):
        for k, scale in enumerate(SCALES):
            s = spec(name, scale)
            law = s.exact()
            for a0, b0 in INITS:
                jobs.append(dict(law=x1_law(s), d=D, T=T, m=m, a0=a0, b0=b0, lr=None, epochs=epochs, seed=100 + k,
                                 limit_point=limit_point(law, a0, b0, T)))
                meta.append(dict(kind="ab", name=name, scale=scale, spec=s, a0=a0, b0=b0))
    ones = spec("ones")
    for mask in (True, False):
        jobs.append(dict(law=x1_law(ones), d=D, T=T, m=m, a0=0.1, b0=0.1, lr=None, epochs=epochs, mask=mask, seed=200,
                         limit_point=limit_point(ones.exact(), 0.1, 0.1, T)))
        meta.append(dict(kind="ones", mask=mask, spec=ones))
    for name, std in GAUSSIAN_INIT_STDS:
        s = spec(name)
        jobs.append(dict(law=x1_law(s), d=D, T=T, m=m, init="gaussian", init_std=std,
                         lr=None, epochs=epochs, seed=300, limit_point=limit_point(s.exact(), 0.0, 0.0, T)))
        meta.append(dict(kind="ginit", name=name, spec=s, std=std))
    return jobs, meta


def _offdiag_blocks(K, V) -> tuple[float, float]:
    """(norm of the off-diagonal entries of W^{KQ}_{21} and W^{PV}_1, norm of every entry of the other blocks)."""
    d = V.shape[0]
    k21, v1 = np.array(K[d:, :d]), np.array(V[:, :d])
    inside = float(np.sqrt(np.sum(np.abs(k21 - np.diag(np.diag(k21))) ** 2) + np.sum(np.abs(v1 - np.diag(np.diag(v1))) ** 2)))
    total = float(np.sqrt(np.sum(np.abs(K) ** 2) + np.sum(np.abs(V) ** 2) - np.sum(np.abs(np.diag(k21)) ** 2)
                          - np.sum(np.abs(np.diag(v1)) ** 2)))
    return inside, float(np.sqrt(max(total**2 - inside**2, 0.0)))


SYMBOL = {"gaussian": ("σ", r"\sigma"), "sparse": ("c", "c")}
PAPER_LINE = {"gaussian": ("1/(5σ²)", r"[Z]'s line $1/(5\sigma^2)$"), "sparse": ("1/c²", r"[Z]'s line $1/c^2$")}


def draw(results: list[dict], meta: list[dict], out: Path, m: int, epochs: int, T: int, progress=None) -> list[tuple[str, str]]:
    """The figures of the sweep's `results` (in the order of `jobs_and_theory`) with the theory
    drawn over them, written to `out`; returns (file name, caption) per figure; `progress()` after each."""
    from mesaverify.numerics import figures as fig

    captions, tick = [], progress or (lambda: None)
    for name in ("gaussian", "sparse"):
        letter, tex_letter = SYMBOL[name]
        panels, read_cols, rows, gaps = [], [], [], []
        for scale in SCALES:
            runs = [(r, mt) for r, mt in zip(results, meta) if mt["kind"] == "ab" and mt["name"] == name and mt["scale"] == scale]
            law = runs[0][1]["spec"].exact()
            limit = float(ab_limit(law, D, T))
            x = float(scale)
            paper = 1 / (5 * x**2) if name == "gaussian" else 1 / x**2
            gaps.append(paper / limit - 1)
            panel_runs = []
            for r, mt in runs:
                ode = ode_curve(law, mt["a0"], mt["b0"], r["lr"], epochs, T)
                dev = float(np.max(np.abs(np.array(r["ab"]) - ode) / np.maximum(np.abs(ode), 1e-300)))
                panel_runs.append({"label": f"$(a_0, b_0) = ({mt['a0']:g}, {mt['b0']:g})$", "ab": r["ab"], "ode": ode})
                rows.append(f"{letter} = {scale} from (a₀, b₀) = ({mt['a0']:g}, {mt['b0']:g}), lr {r['lr']:.3g}: final ab "
                            f"{r['ab'][-1]:.6g} (ab/u* − 1 = {r['ab'][-1] / limit - 1:+.2%}), minimiser of the sample's loss "
                            f"{r['ab_empirical_limit']:.6g}; largest relative gap to the ODE {dev:.2e}")
            panels.append({"label": f"${tex_letter} = {scale}$", "runs": panel_runs, "limit": limit, "paper": paper,
                           "paper_label": PAPER_LINE[name][1]})
            ratio_theory = float(capability.ratio(law, D, T).subs(T_SYM, T - 1))
            error_theory = float(capability.test_error(law, D, T).subs(T_SYM, T - 1))
            r0 = runs[0][0]
            read_cols.append({"label": f"${tex_letter} = {scale}$", "ratio": r0["ratio"], "test_error": r0["test_error"],
                              "ratio_theory": ratio_theory, "error_theory": error_theory})
        paths = save(fig.ab_dynamics(panels, f"[Z] {name} $x_1$: $ab$ under gradient descent ($d = {D}$, $T = {T}$, "
                                             f"$m = {m}$)"), out, f"ab_{name}")
        tick()
        spread = f"{min(gaps):+.2%}" if max(gaps) - min(gaps) < 1e-6 else f"{min(gaps):+.2%} to {max(gaps):+.2%}"
        gap_text = (f"[Z]'s line {PAPER_LINE[name][0]} lies {spread} from u* at every {letter} (the bottom row shows "
                    "ab/u* − 1 on a linear scale)" if max(abs(g) for g in gaps) > 1e-12 else
                    f"[Z]'s line {PAPER_LINE[name][0]} is u* exactly")
        captions.append((paths[0].name, f"ab per epoch, {name} law. Theory: ab → u*, the derived finite-T limit "
                         f"(grey), along the derived ODE at τ = lr·epoch (black dashes); {gap_text}. GD at lr = 1/λ_max is a "
                         "coarse Euler step of the flow on a finite sample, so it ends at the minimiser of the sample's "
                         "loss, not exactly at u*. Measured:\n" + "\n".join(f"  - {row}" for row in rows)))
        curves = [{"label": c["label"], **{k: c[k] for k in ("ratio", "test_error", "ratio_theory", "error_theory")}}
                  for c in read_cols]
        paths = save(fig.readout([{"label": f"{name} $x_1$", "curves": curves,
                                   "paper_ratio": 0.2 if name == "gaussian" else None}],
                                 f"[Z] {name} $x_1$: read-out at $t = T - 1$ from $(a_0, b_0) = (0.1, 0.1)$"),
                     out, f"readout_{name}")
        tick()
        captions.append((paths[0].name, f"ratio ŷ/x and test error ½‖ŷ − x‖² at t = T − 1 = {T - 1}, {name} law, from "
                         "(a₀, b₀) = (0.1, 0.1). Theory (dotted): the derived values at ab = u*. Measured (final epoch): "
                         + "; ".join(f"{letter} = {c['label'].strip('$').split('= ')[-1]}: ratio {c['ratio'][-1]:.4g} "
                                     f"(derived {c['ratio_theory']:.4g}), error {c['test_error'][-1]:.4g} (derived "
                                     f"{c['error_theory']:.4g})" for c in curves)))

    ones = [(r, mt) for r, mt in zip(results, meta) if mt["kind"] == "ones"]
    limit = float(ab_limit(ones[0][1]["spec"].exact(), D, T))
    panels = [{"label": "masked" if mt["mask"] else "unmasked", "K": r["K"], "V": r["V"]} for r, mt in ones]
    paths = save(fig.heatmaps(panels, f"[Z] all-ones $x_1$: trained weights ($d = {D}$, $T = {T}$, $m = {m}$)"),
                 out, "heatmaps_ones")
    tick()
    measured = []
    for r, mt in ones:
        inside, rest = _offdiag_blocks(r["K"], r["V"])
        measured.append(f"{'masked' if mt['mask'] else 'unmasked'}: ab {r['ab'][-1]:.6g}, off-diagonal entries of "
                        f"W^{{KQ}}_{{21}} and W^{{PV}}_1 {inside:.3g}, entries of the other blocks {rest:.3g}")
    captions.append((paths[0].name, "|W^{KQ}| and |W^{PV}| after training, all-ones law from (a₀, b₀) = (0.1, 0.1); white lines "
                     "separate the d×d blocks; log colour scale. Theory: with the off-diagonal gradient of "
                     "W^{KQ}_{21} and W^{PV}_1 masked those "
                     f"entries stay 0 and ab → {limit:.6g} (derived; the mask leaves the other blocks free); unmasked the "
                     "flow leaves the diagonal family. Measured: " + "; ".join(measured)))

    ginit = [(r, mt) for r, mt in zip(results, meta) if mt["kind"] == "ginit"]
    gaussian_runs = [{"label": f"{mt['name']}, std {mt['std']:g}", "ab": r["ab"], "offdiag": r["offdiag"],
                      "limit": float(ab_limit(mt["spec"].exact(), D, T))} for r, mt in ginit]
    paths = save(fig.trajectories(gaussian_runs, f"[Z] Gaussian initialisation of every entry ($d = {D}$, $T = {T}$, $m = {m}$)"),
                 out, "gaussian_init")
    tick()
    captions.append((paths[0].name, "every entry initialised N(0, std²): std 1 as in [Z]'s implementation, std 0.1 as an "
                     "extra run (gaussian law). Theory: the diagonal limit u* is a stationary point; whether GD from a "
                     "non-diagonal start reaches it is not claimed by the derivation. Measured: "
                     + "; ".join(f"{x['label']}: ab {x['ab'][-1]:.6g} (u* = {x['limit']:.6g}), norm of the other entries "
                                 f"{x['offdiag'][-1]:.3g}" for x in gaussian_runs)))
    return captions


def family(mt: dict) -> str:
    """The law family of a run (gaussian, sparse, ones): runs of one family cost alike per epoch."""
    return mt.get("name", mt["kind"])


def projected_seconds(n_jobs: int = 2, slice_epochs: int = 4, T: int = HORIZON) -> tuple[float, str]:
    """Wall time of the full set (`main`'s defaults: m = M, E = EPOCHS epochs) projected from a
    slice at full size, trained here: for each family f, its first data set, `slice_epochs` epochs.

    Measured per family: S_f, the set-up of its data set (sequences, loss, test set, empirical
    limit); r_f, the mean step-size estimate per run; t_f, the mean seconds of a run's
    `slice_epochs` = E_s epochs (with their read-outs and the final evaluation).  A data set of
    family f with n runs costs S_f + n (r_f + t_f E/E_s) (linear in the epochs; the final
    evaluation, scaled with them, makes it an upper bound); the data sets go to n_jobs workers
    in `sweep`'s order, each to the first free one; then the figures are drawn (timed here on
    the slice's runs, stretched to E epochs)."""
    import tempfile

    from mesaverify.numerics.zheng.sweep import data_key, run_group

    jobs, meta = jobs_and_theory(M, EPOCHS, T)
    groups: dict[tuple, list[int]] = {}
    for i, job in enumerate(jobs):
        groups.setdefault(data_key(job), []).append(i)
    cost, sample = {}, {}
    for idx in groups.values():
        f = family(meta[idx[0]])
        if f in cost:
            continue
        results = run_group([dict(jobs[i], epochs=slice_epochs) for i in idx], evaluations=EPOCHS + 1)
        cost[f] = (sum(r["seconds_shared"] for r in results),
                   sum(r["seconds_rate"] for r in results) / len(results),
                   sum(r["seconds_train"] for r in results) / len(results))
        sample[f] = results[0]
    order = sorted(groups.values(), key=lambda idx: -sum(jobs[i]["epochs"] + 1 for i in idx) * jobs[idx[0]]["m"])
    free = [0.0] * n_jobs
    for idx in order:  # as sweep sends them: each data set to the first free worker
        S, r, t = cost[family(meta[idx[0]])]
        k = free.index(min(free))
        free[k] += S + len(idx) * (r + t * EPOCHS / slice_epochs)
    stretched = []
    for mt in meta:
        r = dict(sample[family(mt)])
        for key in ("ab", "loss", "ratio", "test_error", "offdiag"):
            r[key] = r[key] + [r[key][-1]] * (EPOCHS - slice_epochs)
        stretched.append(r)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        draw(stretched, meta, Path(tmp), M, EPOCHS, T)
    drawing = time.perf_counter() - start
    total = max(free) + drawing
    how = (f"max over {n_jobs} workers of Σ_data sets [S_f + n (r_f + t_f·{EPOCHS}/{slice_epochs})] + drawing; "
           + ", ".join(f"{f}: S {S:.2f} s, r {r:.2f} s, t {t:.2f} s" for f, (S, r, t) in cost.items())
           + f"; drawing {drawing:.1f} s; {len(jobs)} runs in {len(groups)} data sets")
    return total, how


def add_arguments(p) -> None:
    """The options of `mesaverify figures` and `python -m mesaverify.figures`."""
    p.add_argument("--quick", action="store_true",
                   help=f"the same runs at m = {QUICK_M}, {QUICK_EPOCHS} epochs: every figure in under a minute on 2 cores")
    p.add_argument("--out", default="build/figures", help="directory for the PNG, PDF and README.md (default build/figures)")
    p.add_argument("--m", type=int, help=f"training sequences per data set (default {M}; {QUICK_M} with --quick)")
    p.add_argument("--epochs", type=int, help=f"gradient steps per run (default {EPOCHS}; {QUICK_EPOCHS} with --quick)")
    p.add_argument("--T", type=int, default=HORIZON, help=f"training horizon (default {HORIZON})")
    p.add_argument("--n-jobs", type=int, default=2, help="worker processes on this machine, or of --scheduler local (default 2)")
    p.add_argument("--scheduler", help="send the runs to a Dask cluster: tcp://HOST:8786 (a running scheduler) or local "
                                       "(a LocalCluster of --n-jobs single-threaded workers); needs mesaverify[dask]")


def run(args) -> int:
    """Train every run, draw every figure, write the captions; one line of summary on stdout."""
    from mesaverify import prose
    from mesaverify.errors import UsageError
    from mesaverify.progress import bar

    m = args.m if args.m is not None else (QUICK_M if args.quick else M)
    epochs = args.epochs if args.epochs is not None else (QUICK_EPOCHS if args.quick else EPOCHS)
    for name, value, least in (("--m", m, 10), ("--epochs", epochs, 1), ("--T", args.T, 3), ("--n-jobs", args.n_jobs, 1)):
        if value < least:
            raise UsageError(f"{name} must be >= {least}, got {value}")
    if args.scheduler is not None:
        cluster.check_address(args.scheduler)
    out, T = outputs.writable_dir(args.out, "--out"), args.T
    start = time.perf_counter()
    jobs, meta = jobs_and_theory(m, epochs, T)
    print(f"{len(jobs)} runs, m = {m}, {epochs} epochs, d = {D}, T = {T} ...", file=sys.stderr, flush=True)
    backend = f"{args.n_jobs} workers (loky)" if args.scheduler is None else f"the Dask cluster at {args.scheduler}"
    with contextlib.ExitStack() as stack, bar(len(jobs), "training", "run") as progress:
        if args.scheduler is None:
            results = sweep(jobs, n_jobs=args.n_jobs, progress=progress.update)
        else:
            stack.enter_context(cluster.client(args.scheduler, args.n_jobs))
            results = sweep(jobs, n_jobs=-1, backend="dask", progress=progress.update)
    trained = time.perf_counter() - start
    with bar(6, "drawing", "figure") as progress:
        captions = draw(results, meta, out, m, epochs, T, progress=lambda: progress.update(1))
    total = time.perf_counter() - start
    cpu = sum(r["seconds"] for r in results)
    lines = ["# Figures ([Z] Figure 1 and appendix), drawn by `mesaverify figures`", "",
             f"{len(jobs)} runs of {epochs} epochs, m = {m}, d = {D}, T = {T}, "
             f"on {backend}: training {trained:.0f} s (the runs themselves {cpu:.0f} s of worker time), "
             f"total {total:.0f} s. The empirical loss is a sum over t like L, so τ = lr·epoch.", ""]
    for name, text in captions:
        head, *rows = text.split("\n")
        lines += [f"`{name}` (and .pdf): {prose.markdown(head)}", *(f"  - {prose.markdown(r.strip()[2:])}" for r in rows), ""]
    outputs.write_text(out / "README.md", "\n".join(lines))
    print(f"figures: {out}/ ({total:.0f} s: training {trained:.0f} s, worker time in runs {cpu:.0f} s)")
    return 0


def main(argv=None) -> int:
    """`python -m mesaverify.figures`: the same as `mesaverify figures`."""
    from mesaverify.cli import main as cli

    return cli(["figures", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
