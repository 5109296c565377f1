"""The recorder of tests/data/handbuilt_snapshot.json: [Z] derived expressions as `sp.srepr` strings, with the
commit of the code that derived them (`python tests/handbuilt_snapshot.py` records the `CASES` from the code it
runs on).  The stored file holds the expressions of an implementation that built the [Z] model by hand, with its
own term construction, independent of the description engine: it is the regression oracle of
tests/test_models_identity.py, which evaluates the same `CASES` on the description engine and asks each difference
to expand to zero.  Nothing runs on import: pytest imports this module when it collects doctests.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import sympy as sp

OUT = Path(__file__).resolve().parent / "data" / "handbuilt_snapshot.json"
R = sp.Rational
BLOCKS = ("k11", "k12", "k21", "k22", "v1", "v2")


def _laws():
    from mesaverify.derivations.moments import Discrete, Ones, RealGaussian, Sparse, SymbolicExchangeable
    from mesaverify.derivations.zheng.symbols import d

    return {
        "symbolic": SymbolicExchangeable(d),
        "gaussian": RealGaussian(d),
        "sparse2": Sparse(2, R(1, 2)),
        "ones2": Ones(2),
        # not exchangeable, complex support (the per-coordinate check's law)
        "skewed": Discrete(((1, R(1, 2)), (R(-1, 3), 2), (R(1, 2) + sp.I, -1)), (R(1, 2), R(1, 3), R(1, 6))),
        # not exchangeable: the per-coordinate family holds the flow (tests/test_hypotheses.py)
        "readme": Discrete(((1, 0), (0, R(1, 3))), (R(1, 3), R(2, 3))),
    }


def _rademacher():
    from mesaverify.derivations.moments import Rademacher
    from mesaverify.derivations.zheng.symbols import d

    return Rademacher(d)


def _gradients(law, d, horizon=None):
    from mesaverify.derivations.zheng import assumption

    found = assumption.gradients(law, d) if horizon is None else assumption.gradients(law, d, horizon)
    return sp.Tuple(*[sp.Tuple(sp.Symbol(f"{blk}.{kind}"), g) for (blk, kind), g in sorted(found.items())])


def _percoordinate(law, d, horizon):
    """Every entry's gradient on the per-coordinate family (point-by-point sums) and the limits of a_k b_k."""
    from mesaverify.derivations.zheng import invariance
    from mesaverify.derivations.zheng import percoordinate as pc
    from mesaverify.derivations.zheng.assumption import m, n

    rows = []
    for block in BLOCKS:
        for same in (True, False):
            roles, entries = ((m,), [(c,) for c in range(d)]) if same else \
                ((m, n), [(i, j) for i in range(d) for j in range(d) if i != j])
            found = pc.coefficients(pc.entry_pieces(block, same), law, roles, entries)
            for e in entries:
                rows.append(sp.Tuple(sp.Symbol(f"{block}.{same}.{e}"), pc.as_expr(found.get(e, {}))))
    family = invariance.family(law, d, horizon)
    return sp.Tuple(sp.Tuple(*rows), sp.Symbol(str(family.name)), sp.Tuple(*(family.limits or ())))


def _cases() -> dict:
    """name -> a function of no arguments returning a SymPy object (the derived expression to store)."""
    from mesaverify.derivations.zheng import beyond, capability
    from mesaverify.derivations.zheng import loss as zloss
    from mesaverify.derivations.zheng.symbols import d

    law = _laws()
    return {
        "diagonal_loss.rademacher": lambda: zloss.diagonal_loss(_rademacher(), d),
        "diagonal_loss.gaussian": lambda: zloss.diagonal_loss(law["gaussian"], d),
        "diagonal_loss.symbolic": lambda: zloss.diagonal_loss(law["symbolic"], d),
        "diagonal_loss.sparse2.T5": lambda: zloss.diagonal_loss(law["sparse2"], 2, 5),
        "per_coordinate_loss.skewed": lambda: zloss.per_coordinate_loss(law["skewed"], 2),
        "per_coordinate_loss.skewed.T5": lambda: zloss.per_coordinate_loss(law["skewed"], 2, 5),
        "gradients.symbolic": lambda: _gradients(law["symbolic"], d),
        "gradients.sparse2.T5": lambda: _gradients(law["sparse2"], 2, 5),
        "gradients.skewed": lambda: _gradients(law["skewed"], 2),
        "beyond.closure.ones2.T5": lambda: sp.Tuple(*[sp.Symbol(f"{b}.{k}") for b, k in beyond.closure(law["ones2"], 2, 5)]),
        "beyond.reduced_loss.ones2.T5": lambda: beyond.reduced_loss(law["ones2"], 2, 5),
        "beyond.class_gradient.symbolic": lambda: sp.Tuple(*[
            beyond.class_gradient(classes, law["symbolic"], d, blk, kind)
            for classes, blocks in (((("k21", "diag"), ("v1", "diag")), BLOCKS),
                                    ((("k21", "diag"), ("v1", "diag"), ("k21", "off"), ("v1", "off")), BLOCKS),
                                    ((("k21", "diag"), ("v1", "diag"), ("k12", "off"), ("v2", "diag"), ("k22", "off")),
                                     ("k11", "k21")))
            for blk in blocks for kind in ("diag", "off")]),
        "capability.test_error.symbolic": lambda: capability.test_error(law["symbolic"], d),
        "capability.test_error_limit.symbolic": lambda: capability.test_error_limit(law["symbolic"], d),
        "capability.ratio.symbolic": lambda: capability.ratio(law["symbolic"], d),
        "capability.assumption_4_2.symbolic": lambda: sp.Tuple(*capability.assumption_4_2(law["symbolic"], d)),
        "capability.recovery_condition.symbolic": lambda: sp.Tuple(
            *capability.recovery_condition(law["symbolic"], d).values()),
        "percoordinate.readme.T10": lambda: _percoordinate(law["readme"], 2, 10),
        "percoordinate.skewed.T": lambda: _percoordinate(law["skewed"], 2, sp.Symbol("T", integer=True, positive=True)),
    }


CASES = _cases  # evaluated lazily: the test and the generator call it


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "derivations", "checks", "mesaverify"], cwd=root,
                           capture_output=True, text=True, check=True).stdout
    if dirty:
        print("refused: derivations/, checks/ or mesaverify/ have uncommitted changes", file=sys.stderr)
        return 1
    stored = {}
    for name, derive in CASES().items():
        start = time.perf_counter()
        stored[name] = sp.srepr(derive())
        print(f"{name}: {time.perf_counter() - start:.1f} s", flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"commit": commit.strip(), "expressions": stored}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
