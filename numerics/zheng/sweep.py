"""[Z] Figure 1 sweeps: many seeded training runs, in parallel over cores (joblib) or a Dask cluster.

A run is a plain dict (law, d, T, m, init, lr, epochs, mask, seed) so that
it pickles to any worker; its data come from the seed alone, so runs that
share (law, d, T, m, test_m, seed) train on the same sequences.  `sweep`
sends such runs to one worker together (`run_group`): the sequences, the
loss's precomputation (for long runs, the moments of quartic.QuarticLoss), the
test set and the empirical limit are built once for all of them, and a step
size is estimated once per point (`auto_rate`).
"""
from __future__ import annotations

import time

import numpy as np

from mesaverify.numerics import laws as nlaws
from mesaverify.numerics.zheng import quartic
from mesaverify.numerics.zheng import train as tr


def draw_x1(law: dict, d: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """m draws of x_1 from {"sigma": σ, "complex": bool} (Gaussian) or {"points", "probs"} (finite)."""
    if "sigma" in law:
        return nlaws.sample_gaussian(d, float(law["sigma"]), m, rng, complex_=law.get("complex", False))
    probs = np.asarray(law["probs"], dtype=float)
    return tr.sample_finite(np.asarray(law["points"], dtype=complex), probs / probs.sum(), m, rng)


def data_key(job: dict) -> tuple:
    """What a run's data depend on: runs with the same key train and test on the same sequences."""
    law = tuple((k, repr(np.asarray(v).tolist())) for k, v in sorted(job["law"].items()))
    return law, job["d"], job["T"], job["m"], job.get("test_m", 1000), job["seed"]


def run_group(jobs: list[dict], evaluations: int | None = None) -> list[dict]:
    """Train runs that share their data (one `data_key`); the loss is the cheaper exact form for
    `evaluations` calls (by default the longest run's epochs + 1: the form does not depend on
    which runs share the data, so a run trained with others is the run trained alone); per run: the job, its History as
    lists, the final (W^{KQ}, W^{PV}), the empirical diagonal-family limit and its seconds:
    `seconds` = `seconds_shared` (its share of the data, loss and limit set-up) + `seconds_rate`
    (step size) + `seconds_train` (the epochs+1 evaluations of the loss and read-outs)."""
    start = time.perf_counter()
    job0 = jobs[0]
    assert all(data_key(j) == data_key(job0) for j in jobs), "run_group: the jobs must share their data"
    rng = np.random.default_rng(job0["seed"])
    d, T = job0["d"], job0["T"]
    train_set = tr.draw_sequences(draw_x1(job0["law"], d, job0["m"], rng), T, rng)
    test = tr.TestSet.of(tr.draw_sequences(draw_x1(job0["law"], d, job0.get("test_m", 1000), rng), T, rng))
    loss_fn = quartic.empirical_loss(train_set, evaluations or max(job["epochs"] + 1 for job in jobs))
    limit = tr.ab_empirical_limit(train_set)
    shared = (time.perf_counter() - start) / len(jobs)
    curvatures: dict = {}
    out = []
    for job in jobs:
        begin = time.perf_counter()
        if job.get("init", "diagonal") == "gaussian":
            K, V = tr.gaussian_init(d, job["init_std"], np.random.default_rng(job["seed"] + 1))
        else:
            K, V = tr.diagonal_init(d, job["a0"], job["b0"])
        lr = job["lr"] if job.get("lr") is not None else auto_rate(train_set, K, V, job.get("limit_point"), curvatures=curvatures)
        rated = time.perf_counter()
        K, V, hist = tr.train(loss_fn, K, V, lr, job["epochs"], mask=job.get("mask", False), test=test)
        end = time.perf_counter()
        out.append({"job": job, "lr": lr, **hist.as_dict(), "K": K, "V": V, "ab_empirical_limit": limit,
                    "seconds": shared + end - begin, "seconds_shared": shared, "seconds_rate": rated - begin,
                    "seconds_train": end - rated})
    return out


def run_one(job: dict) -> dict:
    """`run_group` of a single run."""
    return run_group([job])[0]


def hyperbola_point(a0, b0, u):
    """Where the flow from (a0, b0) ends on ab = u, a² − b² = a0² − b0² being conserved (a > 0); elementwise on
    arrays (a per-coordinate end point)."""
    c0 = np.asarray(a0, dtype=float) ** 2 - np.asarray(b0, dtype=float) ** 2
    a = np.sqrt((c0 + np.sqrt(c0**2 + 4 * np.asarray(u, dtype=float) ** 2)) / 2)
    return a, np.asarray(u, dtype=float) / a


def auto_rate(train_set: tr.Sequences, K, V, limit_point=None, sample: int = 1000, curvatures: dict | None = None) -> float:
    """lr = 1/λ_max, λ_max the largest Hessian eigenvalue of L̂ (on the first `sample` sequences)
    at the start and at the diagonal point (a, b) = limit_point (a and b may be arrays: the point diag(a_k),
    diag(b_k)): GD is stable for lr < 2/λ_max.

    `curvatures` (a dict, kept by the caller for one training set) holds λ_max per point, so runs
    that share a start or an end point estimate it once: the estimate depends on the data and the
    point only.  A masked run (train(mask=True)) moves in a coordinate subspace, where the Hessian
    is P H P with λ_max(P H P) ≤ λ_max(H), so the same rate is stable for it too."""
    curvatures = {} if curvatures is None else curvatures
    points = [(K, V)] + ([tr.diagonal_init(train_set.d, *limit_point)] if limit_point is not None else [])
    keys = [tuple(np.asarray(x, dtype=complex).tobytes() for x in point) for point in points]
    loss_fn = None
    for key, point in zip(keys, points):
        if key not in curvatures:
            loss_fn = loss_fn or tr.EmpiricalLoss(train_set.slice(0, sample))
            curvatures[key] = tr.top_curvature(loss_fn, *point)
    return 1.0 / max(curvatures[key] for key in keys)


def _numbered(k: int, jobs: list[dict]) -> tuple[int, list[dict]]:
    """`run_group` with the number of its group, for results that arrive in any order."""
    return k, run_group(jobs)


def sweep(jobs: list[dict], n_jobs: int = 2, backend: str = "loky", verbose: int = 0, progress=None) -> list[dict]:
    """Run every job; results in the order of `jobs`.  Jobs that share their data go to one
    worker together (`run_group`), the largest groups first; `progress(n)`, if given, is called
    with the number of runs of each group as it finishes.

    backend="loky" (default): processes on this machine, BLAS limited to one thread each.
    backend="dask": the jobs go to the Dask cluster of the current `dask.distributed.Client`
    (create it first, e.g. `Client("tcp://scheduler:8786")`; needs `pip install mesaverify[dask]`);
    n_jobs=-1 then uses every worker.
    """
    from joblib import Parallel, delayed, parallel_config

    groups: dict[tuple, list[int]] = {}
    for i, job in enumerate(jobs):
        groups.setdefault(data_key(job), []).append(i)
    order = sorted(groups.values(), key=lambda idx: -sum(jobs[i]["epochs"] + 1 for i in idx) * jobs[idx[0]]["m"])
    results: list = [None] * len(jobs)
    with parallel_config(backend=backend, n_jobs=n_jobs, inner_max_num_threads=1 if backend == "loky" else None):
        parts = Parallel(verbose=verbose, return_as="generator_unordered")(
            delayed(_numbered)(k, [jobs[i] for i in idx]) for k, idx in enumerate(order))
        for k, part in parts:
            for i, r in zip(order[k], part):
                results[i] = r
            if progress is not None:
                progress(len(part))
    return results
