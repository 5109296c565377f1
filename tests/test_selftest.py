"""The mutation operators of `make selftest`, and the bookkeeping of killed, surviving and equivalent mutants."""
import sympy as sp

from mesaverify import selftest
from mesaverify.checks.core.registry import Check, Comparison

T, d, a = sp.symbols("T d a", positive=True)
m4, m6 = sp.symbols("m_{4} m_{6}", positive=True)
LIMIT = m4 * (T - 2) / ((T - 2) * m6 + (d - 1) * sp.harmonic(T - 2))


def test_every_operator_applies_and_changes_the_expression():
    found = selftest.mutants(LIMIT, 1)
    assert [m.operator for m in found] == ["scale", "drop_term", "shift_T", "swap_moment", "flip_sign"]
    assert all(m.expr != LIMIT for m in found)


def test_structures_are_mutated_inside():
    M = sp.ImmutableMatrix([[0, a * T], [a * T, 1]])
    b = sp.Symbol("b", real=True)
    expr = sp.Tuple(sp.Tuple(M, sp.Symbol("saddle")), sp.Piecewise((0, sp.Eq(b, 0)), (LIMIT, True)))
    found = selftest.mutants(expr, 3)
    assert {m.operator for m in found} == {"scale", "drop_term", "shift_T", "swap_moment", "flip_sign"}
    for m in found:
        assert type(m.expr) is sp.Tuple and isinstance(m.expr[0][0], sp.MatrixBase)
        assert isinstance(m.expr[1], sp.Piecewise)


def _check(expr, tolerance):
    """A check that evaluates at T = 5, d = 2 and compares with its own derivation at that point."""
    point = {T: 5, d: 2, m4: 3, m6: 7, a: sp.Rational(1, 3)}
    truth = float(LIMIT.subs(point).doit())

    def compare(e):
        value = float(e.subs(point).doit())
        return Comparison(abs(value - truth) / abs(truth), tolerance, f"{value} vs {truth}")

    return Check("Z.x.limit", "claim", "ref", lambda: expr, compare, ("exact",), equation="y")


def test_a_loose_check_lets_mutants_survive(monkeypatch):
    checks = {"Z.x.limit": _check(LIMIT, 1e-3)}
    monkeypatch.setattr("mesaverify.checks.core.registry.all_checks", lambda: checks)
    res = selftest.run_check("Z.x.limit")
    ops = {r["operator"]: r["status"] for r in res["mutants"]}
    assert ops["scale"] == "survived"  # a relative change of 1e-6 against a tolerance of 1e-3
    assert ops["shift_T"] == "killed"
    summary = selftest.summarise([res], 1.0)
    assert summary["mutants"] == len(res["mutants"]) and summary["survivors"]


def test_equivalent_mutants_are_excluded(monkeypatch):
    expr = sp.Tuple(a * T, sp.Integer(0) * T + m4 * m4)  # nothing to flip in 0, m4*m4 symmetric in nothing
    sym = m4 * m6  # swapping m4 and m6 gives the same product: an equivalent mutant
    checks = {"Z.x.sym": Check("Z.x.sym", "c", "r", lambda: sym, lambda e: Comparison(0.0 if e == sym else 1.0, 0.5, ""), ("exact",), equation="y")}
    monkeypatch.setattr("mesaverify.checks.core.registry.all_checks", lambda: checks)
    res = selftest.run_check("Z.x.sym")
    assert [r["operator"] for r in res["equivalent"]] == ["swap_moment"]
    assert all(r["status"] == "killed" for r in res["mutants"])
    assert selftest.mutants(expr, 3)  # zero leaves are skipped, the others mutated


def test_a_compare_that_raises_kills_the_mutant(monkeypatch):
    def compare(e):
        if e != LIMIT:
            raise ZeroDivisionError("boom")
        return Comparison(0.0, 1.0, "")

    checks = {"Z.x.raise": Check("Z.x.raise", "c", "r", lambda: LIMIT, compare, ("exact",), equation="y")}
    monkeypatch.setattr("mesaverify.checks.core.registry.all_checks", lambda: checks)
    summary = selftest.summarise([selftest.run_check("Z.x.raise")], 1.0)
    assert summary["killed"] == summary["mutants"] == len(summary["errors"]) > 0
