"""The trainer of [Z] Figure 1: analytic gradient, reference, empirical limit, checks, CLI."""
import json

import numpy as np
import pytest
import sympy as sp

from mesaverify.checks.core.registry import all_checks, select
from mesaverify.cli import main
from mesaverify.numerics.zheng import reference
from mesaverify.numerics.zheng import train as tr
from tests.checkparams import corruption_params
from tests.clirun import cli
from tests.gradients import assert_central_differences

SIM = select(all_checks(), tags=("zheng", "training"))


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(3)
    d, T, m = 3, 7, 23
    seqs = tr.draw_sequences(rng.standard_normal((m, d)) + 0.3j * rng.standard_normal((m, d)), T, rng)
    K, V = tr.gaussian_init(d, 0.4, rng, complex_=True)
    return seqs, K, V


def test_gradient_matches_central_differences(problem):
    seqs, K, V = problem
    assert_central_differences(tr.EmpiricalLoss(seqs, chunk=5), K, V)


def test_matches_the_reference_to_1e_10(problem):
    seqs, K, V = problem
    ours = tr.EmpiricalLoss(seqs, chunk=4)(K, V)
    ref = reference.loss_and_gradient(K, V, seqs)
    for x, y in zip(ours, ref):
        assert np.max(np.abs(np.asarray(x) - np.asarray(y))) <= 1e-10 * max(1.0, np.max(np.abs(y)))


def test_separable_and_running_sums_agree(problem):
    seqs, K, V = problem
    separable, running = tr.EmpiricalLoss(seqs), tr.EmpiricalLoss(seqs, chunk=7, gap=np.inf)
    assert [b.n_far for b in separable.blocks] == [seqs.m] and [b.n_far for b in running.blocks] == [0]
    for x, y in zip(separable(K, V), running(K, V)):
        assert np.allclose(x, y, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("points", [
    # zero coordinates (supports {0}, {1}, {0, 2}, all) and x_1 = 0, sampled with random phases
    [[1, 0, 0], [0, -2, 0], [1, 0, 0.5j], [1, 1, 1], [0, 0, 0]],
])
def test_supports_match_the_reference(points):
    rng = np.random.default_rng(8)
    x1 = np.asarray(points, dtype=complex)[rng.integers(len(points), size=40)]
    seqs = tr.draw_sequences(x1, 6, rng)
    K, V = tr.gaussian_init(3, 0.5, rng, complex_=True)
    loss = tr.EmpiricalLoss(seqs, chunk=3)
    assert sorted(len(b.S) for b in loss.blocks) == [1, 1, 2, 3]
    for x, y in zip(loss(K, V), reference.loss_and_gradient(K, V, seqs)):
        assert np.max(np.abs(np.asarray(x) - np.asarray(y))) <= 1e-10 * max(1.0, np.max(np.abs(y)))


def test_coincident_phases_take_the_running_sum():
    # a phase grid puts θ_j = θ_k exactly in some sequences: those must not use the geometric form
    seqs = tr.phase_grid(np.array([[1.0, 0.5]]), 4)
    K, V = tr.gaussian_init(2, 0.5, np.random.default_rng(1), complex_=True)
    loss = tr.EmpiricalLoss(seqs)
    block, = loss.blocks
    assert 0 < block.n_far < seqs.m
    for x, y in zip(loss(K, V), reference.loss_and_gradient(K, V, seqs)):
        assert np.max(np.abs(np.asarray(x) - np.asarray(y))) <= 1e-10 * max(1.0, np.max(np.abs(y)))


def test_empirical_limit_minimises_the_diagonal_loss(problem):
    seqs, _, _ = problem
    f = tr.EmpiricalLoss(seqs)
    u = tr.ab_empirical_limit(seqs)

    def loss(v):
        return f(*tr.diagonal_init(seqs.d, v, 1.0), gradient=False)[0]

    _, GK, GV = f(*tr.diagonal_init(seqs.d, u, 1.0))
    d = seqs.d
    # ∂L̂/∂b at b = 1 is a·∂L̂/∂u: zero at the minimiser, up to rounding
    assert abs(np.trace(GV[:, :d]).real) < 1e-10 * loss(u)
    assert loss(u * 1.01) > loss(u) and loss(u * 0.99) > loss(u)


def test_empirical_limit_is_the_minimiser_of_the_directly_computed_family_loss():
    """ab_empirical_limit (running Dirichlet sums) against h_t = (1/(t−1)) Σ_i x_{i+1} x_i^* x_t formed from the tokens,
    with two phases 1e-12 apart (φ → 0)."""
    rng = np.random.default_rng(8)
    seqs = tr.draw_sequences(rng.standard_normal((7, 3)) + 0.5j * rng.standard_normal((7, 3)), 9, rng)
    seqs.theta[0, 1] = seqs.theta[0, 0] + 1e-12
    X = seqs.tokens()
    num = den = 0.0
    for t in range(2, seqs.T):
        h = np.einsum("nid,ni,nd->nd", X[:, 1:t], np.einsum("nid,nd->ni", np.conj(X[:, : t - 1]), X[:, t - 1]),
                      np.ones_like(X[:, 0])) / (t - 1)
        num += float(np.vdot(h, X[:, t]).real)
        den += float(np.vdot(h, h).real)
    assert tr.ab_empirical_limit(seqs) == pytest.approx(num / den, rel=1e-12)


def test_training_is_seeded_and_stops_on_divergence():
    from mesaverify.checks.core.laws import LawSpec
    from mesaverify.commands.simulate import simulate

    spec = LawSpec("gaussian", 2)
    one = simulate(spec, 5, 30, lr=0.02, epochs=3, test_m=10, seed=7)
    two = simulate(spec, 5, 30, lr=0.02, epochs=3, test_m=10, seed=7)
    assert one["ab"] == two["ab"] and one["loss"] == two["loss"]
    rng = np.random.default_rng(0)
    seqs = tr.draw_sequences(rng.standard_normal((20, 2)), 6, rng)
    with pytest.raises(tr.TrainingDiverged, match=r"epoch \d+.*smaller rate"):
        tr.train(tr.EmpiricalLoss(seqs), *tr.diagonal_init(2, 1.0, 1.0), lr=50.0, epochs=100)


def test_mask_zeroes_only_the_offdiagonal_of_the_carrying_blocks():
    MK, MV = tr.offdiagonal_mask(3)
    assert MK.sum() == 36 - 6 and MV.sum() == 18 - 6
    assert MK[3, 0] == 1 and MK[4, 0] == 0 and MK[0, 4] == 1 and MV[0, 0] == 1 and MV[0, 1] == 0


# ---------------------------------------------------------------- checks
def test_checks_pass():
    for c in SIM.values():
        assert c.run().status == "pass", c.id


@pytest.mark.parametrize("cid,k", corruption_params(SIM.values()))
def test_checks_fail_on_corrupted_expressions(cid, k):
    c = SIM[cid]
    expr = c.derived()
    bad = c.corruptions[k](expr)
    assert bad != expr, "the corruption must change the expression"
    assert not c.compare(bad).passed, f"corruption {k} of {cid} survived"


def test_every_training_check_has_a_corruption():
    assert all(c.corruptions for c in SIM.values()), [cid for cid, c in SIM.items() if not c.corruptions]


# ---------------------------------------------------------------- command line
def test_simulate_json(capsys):
    args = ["simulate", "--law", "sparse", "--c", "1/2", "--d", "2", "--T", "5", "--m", "40",
            "--test-m", "10", "--lr", "0.05", "--epochs", "4", "--a0", "0.5", "--b0", "1.5", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)["result"]
    for key in ("ab", "loss", "ratio", "test_error", "offdiag"):
        assert len(out[key]) == 5
    assert sp.sympify(out["ab_limit"]) == 4
    assert out["ab_empirical_limit"] == pytest.approx(4.0, rel=1e-12)  # one-hot x_1: every sample gives 1/c²
    assert out["ab"][0] == pytest.approx(0.75)


@pytest.mark.parametrize("extra,fragment", [
    (["--m", "0"], "--m"),
    (["--epochs", "-1"], "--epochs"),
    (["--lr", "0"], "--lr"),
    (["--lr", "nan"], "--lr"),
    (["--init", "gaussian", "--init-std", "-1"], "--init-std"),
    (["--init", "uniform"], "invalid choice"),
])
def test_simulate_bad_input_is_one_line_and_exit_2(extra, fragment):
    base = ["simulate", "--law", "gaussian", "--d", "2", "--T", "5", "--m", "5", "--lr", "0.1", "--epochs", "1"]
    args = base + extra
    # later options win in argparse: the bad value overrides the base one
    proc = cli(*args)
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


DIVERGING = ["simulate", "--law", "gaussian", "--d", "2", "--T", "6", "--m", "20", "--test-m", "5",
             "--a0", "1", "--b0", "1", "--lr", "50", "--epochs", "100"]


def test_simulate_divergence_names_the_epoch():
    proc = cli(*DIVERGING)
    assert proc.returncode == 1  # valid input, a run that failed
    last = proc.stderr.strip().splitlines()[-1]
    assert "at epoch 1" in last and "smaller rate" in last and "Traceback" not in proc.stderr
    assert proc.stdout.splitlines()[:2] == ["step: lr = 50", f"{'epoch':>5} {'loss':>12}"]  # the history so far


def test_simulate_divergence_is_a_result_in_json(capsys):
    """Strict JSON with the status, the epoch and the loss history up to it; the loss history is the one a run
    of that many epochs at the same step records."""
    assert main([*DIVERGING, "--json"]) == 1
    out, err = capsys.readouterr()
    record = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-finite {c}"))["result"]
    assert record["status"] == "diverged" and record["epoch"] == len(record["loss"]) == 1
    assert record["lr"] == 50 and record["lr_rule"] == "given" and len(err.strip().splitlines()) == 1
    assert main([*DIVERGING[:-1], "0", "--json"]) == 0  # zero epochs: the initial loss alone
    assert json.loads(capsys.readouterr().out)["result"]["loss"] == record["loss"]


def test_simulate_auto_step_is_printed_and_named_when_it_diverges(capsys, monkeypatch):
    from mesaverify.commands import simulate as command
    from mesaverify.numerics.zheng import sweep

    base = [*DIVERGING[:-6], "--epochs", "30"]  # no --lr: auto
    assert main([*base, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)["result"]
    assert record["status"] == "ok" and record["lr_rule"] == command.AUTO
    assert max(record["loss"][1:]) <= record["loss"][0]  # a stable step: no epoch above the start
    assert main(base) == 0
    assert capsys.readouterr().out.startswith(f"step: lr = {record['lr']:.6g} (auto: 1/λ_max")
    monkeypatch.setattr(command, "auto_rate", lambda *args, **kw: 50 * sweep.auto_rate(*args, **kw))
    assert main(base) == 1
    assert "the step was --lr auto = " in capsys.readouterr().err


# ---------------------------------------------------------------- sweeps
def test_sweep_runs_jobs_in_order_and_shares_data_by_seed():
    from mesaverify.numerics.zheng import sweep

    law = {"sigma": 1.0}
    jobs = [dict(law=law, d=2, T=5, m=30, test_m=5, a0=a, b0=a, lr=0.01, epochs=2, seed=4) for a in (0.3, 0.6)]
    jobs.insert(1, dict(jobs[0], seed=5))
    out = sweep.sweep(jobs, n_jobs=1)
    assert [r["ab"][0] for r in out] == pytest.approx([0.09, 0.09, 0.36])
    assert out[0]["ab_empirical_limit"] == out[2]["ab_empirical_limit"] != out[1]["ab_empirical_limit"]
    alone = sweep.run_one(jobs[2])  # a run trained with others is the run trained alone
    assert alone["ab"] == out[2]["ab"] and alone["loss"] == out[2]["loss"]


def test_runs_with_the_same_data_and_points_share_the_step_size(monkeypatch):
    from mesaverify.numerics.zheng import sweep

    calls = []
    top = tr.top_curvature
    monkeypatch.setattr(tr, "top_curvature", lambda *a, **k: calls.append(1) or top(*a, **k))
    job = dict(law={"sigma": 1.0}, d=2, T=5, m=30, test_m=5, a0=0.3, b0=0.3, lr=None, epochs=1, seed=4,
               limit_point=(0.5, 0.5))
    masked, free, other = sweep.run_group([dict(job, mask=True), job, dict(job, a0=0.4)])
    assert len(calls) == 3  # start and end of the first; the second shares both; the third its end
    assert masked["lr"] == free["lr"]
    assert other["lr"] == sweep.run_one(dict(job, a0=0.4))["lr"]


def test_auto_rate_is_the_inverse_top_curvature():
    from mesaverify.numerics.zheng import sweep

    rng = np.random.default_rng(2)
    seqs = tr.draw_sequences(rng.standard_normal((40, 2)), 5, rng)
    K, V = tr.diagonal_init(2, 0.5, 0.5)
    lr = sweep.auto_rate(seqs, K, V)
    loss_fn = tr.EmpiricalLoss(seqs)
    # brute-force Hessian in the real parameters
    def flat(K, V):
        return np.concatenate([K.real.ravel(), K.imag.ravel(), V.real.ravel(), V.imag.ravel()])

    def unflat(x):
        n = K.size
        return (x[:n].reshape(K.shape) + 1j * x[n:2 * n].reshape(K.shape),
                x[2 * n:2 * n + V.size].reshape(V.shape) + 1j * x[2 * n + V.size:].reshape(V.shape))

    x, h = flat(K, V), 1e-5
    H = np.zeros((x.size, x.size))
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        H[:, i] = (flat(*loss_fn(*unflat(x + e))[1:]) - flat(*loss_fn(*unflat(x - e))[1:])) / (2 * h)
    top = np.max(np.abs(np.linalg.eigvalsh((H + H.T) / 2)))
    assert 1 / lr == pytest.approx(top, rel=1e-2)  # power iteration, 30 steps, forward differences
