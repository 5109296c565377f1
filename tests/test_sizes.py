"""Every command answers or refuses up front: inputs that hung or ran out of memory now give an exact answer
(checked against an independent expression or the numeric model) or one line naming the limit and exit 4 (beyond a stated limit).
Each test runs under a hang guard, so that a regression fails instead of hanging; no other speed is asserted."""
import json
import signal

import mpmath
import numpy as np
import pytest
import sympy as sp

from mesaverify import limits
from mesaverify.derivations.sander import closed as sclosed
from mesaverify.numerics.sander import augmented as numeric_aug
from tests.clirun import cli

GUARD = 60  # seconds: a hang detector on a shared machine, not a speed target (make bench holds those)


@pytest.fixture(autouse=True)
def hang_guard():
    def stop(signum, frame):
        raise TimeoutError(f"no answer within {GUARD} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(GUARD)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def answer(*args):
    """Run the command in-process (tests/clirun.py); (exit code, stdout, stderr)."""
    proc = cli(*args)
    return proc.returncode, proc.stdout, proc.stderr


def refused(*args, fragment="exceeds the limit", code=4):
    """The command refuses with exit `code` (4: beyond a stated limit) and one line that names its limit (or hypothesis)."""
    got, out, err = answer(*args)
    lines = err.strip().splitlines()
    assert got == code and len(lines) == 1 and fragment in lines[0] and "Traceback" not in err, err
    return lines[0]


def gaussian_limit(dim, horizon, H):
    """u* for N(0, I_d): (T−2) m₄ / ((T−2) m₆ + (d−1) m_{2,4} H_{T−2}) with m₄ = 3, m₆ = 15, m_{2,4} = 3."""
    return 3 * (horizon - 2) / (15 * (horizon - 2) + 3 * (dim - 1) * H)


@pytest.mark.parametrize("dim,horizon", [(1000, 5), (10**6, 100), (99999999999999999999, 5)])
def test_fixed_point_at_large_d_is_the_closed_form(dim, horizon):
    code, out, _ = answer("fixed-point", "--law", "gaussian", "--d", dim, "--T", horizon, "--json")
    assert code == 0
    assert sp.sympify(json.loads(out)["result"]["ab"]) == gaussian_limit(dim, horizon, sp.harmonic(horizon - 2))


@pytest.mark.parametrize("horizon", [100000, 10**9])
def test_fixed_point_at_large_T_keeps_the_harmonic_number(horizon):
    code, out, _ = answer("fixed-point", "--law", "gaussian", "--d", 2, "--T", horizon, "--json")
    record = json.loads(out)["result"]
    assert code == 0 and f"harmonic({horizon - 2})" in record["ab"]
    with mpmath.workdps(30):
        expected = gaussian_limit(2, horizon, mpmath.psi(0, horizon - 1) + mpmath.euler)
        assert abs(record["ab_float"] - float(expected)) <= 1e-15 * abs(float(expected))


def test_derive_and_assumption_at_large_T():
    code, out, _ = answer("derive", "Z.thm4_1.limit", "--T", 100000)
    assert code == 0 and "harmonic(99998)" in out
    code, out, _ = answer("assumption", "--law", "rademacher", "--d", 2, "--T", 1000000, "--json")
    record = json.loads(out)["result"]  # m₂ = m₄ = m₆ = m_{2,4} = 1: u* = (T − 2)/((T − 2) + (d − 1)H_{T−2})
    assert code == 0 and record["ab"] == "999998/(harmonic(999998) + 999998)"
    code, out, _ = answer("fixed-point", "--law", "rademacher", "--d", 3, "--T", 10**9)
    assert code == 0 and "harmonic(999999998)" in out


def test_assumption_at_large_d():
    code, out, _ = answer("assumption", "--law", "rademacher", "--d", 10**6, "--T", 10, "--json")
    assert code == 0 and json.loads(out)["result"]["assumption_4_1"] is True


def test_discrete_law_with_one_point_in_d_12():
    """12! rearrangements are not enumerated: the law is found not exchangeable at once, and the families its flow
    leaves are found entry by entry (x_1 = (1, …, 12): every off-diagonal entry of W^{KQ}_{21} has a gradient)."""
    point = json.dumps([list(range(1, 13))])
    for command in ("assumption", "fixed-point"):
        line = refused(command, "--law", "discrete", "--support", point, "--probs", "[1]", "--T", 5,
                       fragment="Assumption 4.1 fails", code=3)
        assert "nor the per-coordinate family" in line


def test_exchangeable_discrete_law_of_d_1_drops_moments_of_two_coordinates():
    code, out, _ = answer("derive", "Z.thm4_1.limit", "--law", "discrete", "--support", "[[2]]",
                          "--probs", "[1]", "--T", 7)
    assert code == 0 and out.strip() == "1/4"  # x = 2: u* = m₄/m₆ = 16/64


def test_per_coordinate_derivations_have_a_limit():
    points = json.dumps([[k % 3 for k in range(limits.PER_COORDINATE_D + 1)]])
    line = refused("fixed-point", "--law", "discrete", "--support", points, "--probs", "[1]", "--T", 5)
    assert str(limits.PER_COORDINATE_D) in line


@pytest.mark.parametrize("args", [
    ["--law", "gaussian", "--d", 1000, "--T", 100],
    ["--law", "gaussian", "--d", 5, "--T", 100, "--m", 1000000],
    ["--law", "gaussian", "--d", 99999999999999999999, "--T", 10],
])
def test_simulate_refuses_over_its_memory_budget(args):
    line = refused("simulate", *args, "--lr", "0.01", fragment="GiB")
    assert f"limit is {limits.SIMULATE_BYTES / 2**30:g} GiB" in line


def test_simulate_refuses_a_support_too_large_to_write_out():
    refused("simulate", "--law", "rademacher", "--d", 30, "--T", 5, "--m", 10, "--lr", "0.01")


def test_simulate_answers_with_the_closed_form_limit():
    code, out, _ = answer("simulate", "--law", "gaussian", "--d", 30, "--T", 5, "--m", 20, "--test-m", 5,
                          "--lr", "0.001", "--epochs", 1, "--json")
    assert code == 0 and sp.sympify(json.loads(out)["result"]["ab_limit"]) == gaussian_limit(30, 5, sp.harmonic(3))


def test_memory_estimate_grows_with_the_data():
    assert limits.simulate_bytes(10000, 1000, 100, 5) < limits.SIMULATE_BYTES / 4  # the [Z] Figure 1 runs, well within
    assert limits.simulate_bytes(10**6, 1000, 100, 5) > limits.SIMULATE_BYTES
    # a draw of the sparse law has one non-zero coordinate: each sequence is computed on it alone
    sparse, dense = limits.simulate_bytes(1000, 1000, 100, 50, width=1), limits.simulate_bytes(1000, 1000, 100, 50)
    assert sparse < limits.SIMULATE_BYTES < dense


def params(tmp_path, **data):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    return path


def test_sander_loss_augmented_at_d_5_is_the_numeric_model(tmp_path):
    eye = np.eye(5).astype(int).tolist()
    code, out, _ = answer("sander-loss", "--setting", "augmented", "--T", 3,
                          "--params", params(tmp_path, A=eye, B=eye), "--json")
    s, w = numeric_aug.dataset([np.full(5, 1 / np.sqrt(5))], [1.0], np.eye(5), 3)
    numeric, _, _ = numeric_aug.loss_and_gradient(np.eye(5), np.eye(5), s, w, 3)
    assert code == 0 and json.loads(out)["result"]["loss_float"] == pytest.approx(numeric, rel=1e-12)


def test_sander_loss_augmented_over_its_limit(tmp_path):
    eye = np.eye(limits.AUGMENTED_D + 1).astype(int).tolist()
    refused("sander-loss", "--setting", "augmented", "--T", 5, "--params", params(tmp_path, A=eye, B=eye))


@pytest.mark.parametrize("setting", ["unitary", "orthogonal"])
def test_sander_loss_large_d_and_long_p(tmp_path, setting):
    """60×60 heads and p of length 10⁴ from the command line (the file is parsed number by number); the closed
    form is held against the derived loss at small d in test_closed_forms."""
    rng = np.random.default_rng(0)
    A, B = (rng.integers(-3, 4, size=(60, 60)).tolist() for _ in range(2))
    code, out, _ = answer("sander-loss", "--setting", setting, "--T", 4,
                          "--params", params(tmp_path, A=A, B=B, p=[1, 0, 2, 1]), "--json")
    assert code == 0 and sp.sympify(json.loads(out)["result"]["loss"]) == sclosed.loss(setting, A, B, [1, 0, 2, 1])
    p = rng.integers(-3, 4, size=10**4).tolist()
    code, out, _ = answer("sander-loss", "--setting", setting, "--T", len(p),
                          "--params", params(tmp_path, A=[[1, 2]], B=[[3, 4]], p=p), "--json")
    assert code == 0 and sp.sympify(json.loads(out)["result"]["loss"]) == sclosed.loss(setting, [[1, 2]], [[3, 4]], p)


def test_nonaugmented_closed_form_at_d_300_and_p_of_length_a_million():
    rng = np.random.default_rng(1)
    A, B = (rng.integers(-9, 10, size=(300, 300)).tolist() for _ in range(2))
    p = rng.integers(-9, 10, size=10**6).tolist()
    for setting in ("unitary", "orthogonal"):
        value = sclosed.loss(setting, A, B, p[:5])
        C = np.array(B, dtype=float).T @ np.array(A, dtype=float)
        if setting == "unitary":  # S₂‖C‖² + p_{T−1}²(‖C𝟙‖² − ‖C‖²) − 2 p_T tr C + d, in floats
            S2, pm, pT = sum(v * v for v in p[:5]), p[3], p[4]
            numeric = S2 * (C**2).sum() + pm**2 * ((C.sum(1)**2).sum() - (C**2).sum()) - 2 * pT * np.trace(C) + 300
            assert float(value) == pytest.approx(numeric, rel=1e-9)
        assert sclosed.loss(setting, [[1, 2]], [[3, 4]], p).is_Rational


def test_sander_loss_nonaugmented_over_its_limit(tmp_path):
    wide = [[1] * 400] * 200  # H·d² = 3.2·10⁷
    refused("sander-loss", "--setting", "unitary", "--T", 3, "--params", params(tmp_path, A=wide, B=wide, p=[0, 0, 1]))


def test_sander_minima_in_closed_form():
    code, out, _ = answer("sander-minima", "--setting", "unitary", "--d", 100, "--H", 1, "--T", 10, "--json")
    record = json.loads(out)["result"]
    assert code == 0 and record["minimum"] == "99" and record["lower_bound"] == "99"  # d − H
    code, out, _ = answer("sander-minima", "--setting", "orthogonal", "--d", 100, "--H", 7, "--T", 10, "--json")
    record = json.loads(out)["result"]
    assert code == 0 and record["minimum"] == "86" and record["lower_bound"] == "86"  # d − 2H
    code, out, _ = answer("sander-minima", "--setting", "augmented", "--d", 300, "--T", 10, "--json")
    assert code == 0 and sp.sympify(json.loads(out)["result"]["minimum"]).is_Rational


@pytest.mark.parametrize("setting", ["augmented", "unitary", "orthogonal"])
def test_sander_minima_refuses_what_it_cannot_print(setting):
    refused("sander-minima", "--setting", setting, "--d", 99999999999999999998, "--T", 10)
    if setting != "augmented":  # the non-augmented minimiser prints p, of length T
        refused("sander-minima", "--setting", setting, "--d", 2, "--T", 10**8)


@pytest.mark.parametrize("dim", [9, 10])
def test_the_check_of_the_families_has_a_limit(dim):
    """x_k = ±k with independent signs: the per-coordinate family holds the flow (every entry off it is checked,
    none can stop the check early) but its loss couples the coordinates; at d = 10 the coordinate triples of the
    2^d points exceed the limit."""
    import itertools

    points = [[s * (k + 1) for k, s in enumerate(signs)] for signs in itertools.product((1, -1), repeat=dim)]
    args = ("fixed-point", "--law", "discrete", "--support", json.dumps(points), "--probs",
            json.dumps([f"1/{len(points)}"] * len(points)), "--T", 10)
    if len(points) * dim**3 > limits.PER_COORDINATE_TRIPLES:
        refused(*args, fragment=f"exceeds the limit {limits.PER_COORDINATE_TRIPLES}")
    else:
        refused(*args, fragment="couples the coordinates", code=3)
