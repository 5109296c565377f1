"""[Z] Figure 1 sweeps: many seeded training runs, in parallel over cores (joblib) or a Dask cluster.

A run is a plain dict (law, d, T, m, init, lr, epochs, mask, seed) so that
it pickles to any worker; `run_one` samples its data from the seed alone, so
runs that share (law, seed) train on the same sequences.
"""
from __future__ import annotations

import time

import numpy as np

from numerics import laws as nlaws
from numerics.zheng import train as tr


def draw_x1(law: dict, d: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """m draws of x_1 from {"sigma": σ, "complex": bool} (Gaussian) or {"points", "probs"} (finite)."""
    if "sigma" in law:
        return nlaws.sample_gaussian(d, float(law["sigma"]), m, rng, complex_=law.get("complex", False))
    probs = np.asarray(law["probs"], dtype=float)
    return tr.sample_finite(np.asarray(law["points"], dtype=complex), probs / probs.sum(), m, rng)


def run_one(job: dict) -> dict:
    """Train one run; returns the job, its History as lists, the final (W^{KQ}, W^{PV}),
    the empirical diagonal-family limit and the seconds it took."""
    start = time.perf_counter()
    rng = np.random.default_rng(job["seed"])
    d, T = job["d"], job["T"]
    train_set = tr.draw_sequences(draw_x1(job["law"], d, job["m"], rng), T, rng)
    test = tr.TestSet.of(tr.draw_sequences(draw_x1(job["law"], d, job.get("test_m", 1000), rng), T, rng))
    if job.get("init", "diagonal") == "gaussian":
        K, V = tr.gaussian_init(d, job["init_std"], np.random.default_rng(job["seed"] + 1))
    else:
        K, V = tr.diagonal_init(d, job["a0"], job["b0"])
    loss_fn = tr.EmpiricalLoss(train_set)
    lr = job["lr"] if job.get("lr") is not None else auto_rate(train_set, K, V, job.get("limit_point"))
    K, V, hist = tr.train(loss_fn, K, V, lr, job["epochs"], mask=job.get("mask", False), test=test)
    return {"job": job, "lr": lr, **hist.as_dict(), "K": K, "V": V,
            "ab_empirical_limit": tr.ab_empirical_limit(train_set),
            "seconds": time.perf_counter() - start}


def auto_rate(train_set: tr.Sequences, K, V, limit_point=None, sample: int = 1000) -> float:
    """lr = 1/λ_max, λ_max the largest Hessian eigenvalue of L̂ (on the first `sample` sequences)
    at the start and at the diagonal point (a, b) = limit_point: GD is stable for lr < 2/λ_max."""
    loss_fn = tr.EmpiricalLoss(train_set.slice(0, sample))
    points = [(K, V)] + ([tr.diagonal_init(train_set.d, *limit_point)] if limit_point is not None else [])
    return 1.0 / max(tr.top_curvature(loss_fn, *p) for p in points)


def sweep(jobs: list[dict], n_jobs: int = 2, backend: str = "loky", verbose: int = 0) -> list[dict]:
    """Run every job; results in the order of `jobs`.

    backend="loky" (default): processes on this machine, BLAS limited to one thread each.
    backend="dask": the jobs go to the Dask cluster of the current `dask.distributed.Client`
    (create it first, e.g. `Client("tcp://scheduler:8786")`; needs `pip install mesaverify[dask]`);
    n_jobs=-1 then uses every worker.
    """
    from joblib import Parallel, delayed, parallel_config

    with parallel_config(backend=backend, n_jobs=n_jobs, inner_max_num_threads=1 if backend == "loky" else None):
        return Parallel(verbose=verbose)(delayed(run_one)(job) for job in jobs)
