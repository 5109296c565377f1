"""Training sweeps on a Dask cluster give the runs of this machine, bit for bit (same seeds)."""
import numpy as np
import pytest

from mesaverify import cluster
from mesaverify.cli import main
from mesaverify.errors import UsageError
from mesaverify.numerics.zheng import sweep

pytest.importorskip("dask.distributed")


def jobs():
    """Two data sets (seeds), three runs: Gaussian and finite laws, a fixed and an automatic step."""
    gaussian = {"sigma": 1.0}
    rademacher = {"points": [[1, 1], [1, -1], [-1, 1], [-1, -1]], "probs": [1, 1, 1, 1]}
    return [dict(law=gaussian, d=2, T=6, m=40, test_m=8, a0=0.3, b0=0.5, lr=0.02, epochs=3, seed=11),
            dict(law=gaussian, d=2, T=6, m=40, test_m=8, a0=0.6, b0=0.6, lr=None, epochs=3, seed=11),
            dict(law=rademacher, d=2, T=6, m=40, test_m=8, a0=0.2, b0=0.2, lr=0.02, epochs=3, seed=12)]


def same_run(x, y):
    for key in ("lr", "ab", "loss", "ab_empirical_limit"):
        assert x[key] == y[key], key
    for key in ("K", "V"):
        assert np.array_equal(x[key], y[key]), key


@pytest.fixture(scope="module")
def local():
    """One two-worker LocalCluster for the module (started through `cluster.client`, as `--scheduler local`)."""
    with cluster.client("local", workers=2) as client:
        yield client


def test_a_local_cluster_of_two_workers_gives_the_local_runs_bit_for_bit(local):
    here = sweep.sweep(jobs(), n_jobs=1)
    assert len(local.scheduler_info()["workers"]) == 2
    there = sweep.sweep(jobs(), n_jobs=-1, backend="dask")
    assert len(there) == len(here) == 3
    for x, y in zip(here, there):
        assert x["job"] == y["job"]
        same_run(x, y)


@pytest.mark.parametrize("address", ["tcp://", "http://host:8786", "tcp://host", "local; rm -rf /", "tcp://h:8786/x"])
def test_a_scheduler_is_local_or_an_address(address):
    with pytest.raises(UsageError):
        cluster.check_address(address)


def test_figures_refuse_a_malformed_scheduler_before_any_work(tmp_path, capsys):
    assert main(["figures", "--quick", "--scheduler", "somewhere", "--out", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err
    assert "--scheduler" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "f").exists()


def test_an_address_nobody_answers_at_is_a_failed_run(monkeypatch):
    from mesaverify.errors import RunFailed

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    with pytest.raises(RunFailed, match="no Dask scheduler answers"):
        with cluster.client("tcp://127.0.0.1:9"):
            pass


def test_the_readme_cluster_example_runs_on_a_local_cluster(local):
    """The README's sweep over (d, T, law) at a toy size, its client pointed at the running local cluster: it
    runs as printed."""
    import re
    from pathlib import Path

    readme = Path(__file__).resolve().parents[1] / "README.md"
    (code,) = [c for c in re.findall(r"```python\n(.*?)```", readme.read_text(), re.S) if "sweep(" in c]
    small = (code.replace('"tcp://HOST:8786"', repr(local.scheduler.address)).replace("m=10000", "m=20").replace("epochs=200", "epochs=1")
             .replace("(5, 10, 20)", "(2,)").replace("(50, 100, 200)", "(4,)").replace("range(4)", "range(2)"))
    assert local.scheduler.address in small and "m=20" in small and "(2,)" in small
    scope: dict = {}
    exec(compile(small, "README.md", "exec"), scope)  # the project's own README, not user input
    assert len(scope["results"]) == 2 and all(len(r["ab"]) == 2 for r in scope["results"])
