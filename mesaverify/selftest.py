"""`make selftest`: every check of `make verify` run against mutants of its derived expression.

A check that passes a wrong expression proves nothing.  Each check's derivation
is mutated in five ways (operators below), and its `compare` must fail every
mutant.  A mutant equal to the original after evaluation (an *equivalent
mutant*: −0, a term that is zero, a swap of symbols the expression is
symmetric in) cannot be failed by any check; it is detected exactly
(`mesaverify.tex.same`) and reported as such, not counted.  A mutant that makes
`compare` raise is killed (verify would not pass it) and reported as an error.

Writes build/selftest.json: {"mutants", "killed", "survivors", "equivalent",
"errors", "checks": {id: {...}}, "total_seconds"}.
"""
from __future__ import annotations

import signal
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from mesaverify import jsonio, outputs
from mesaverify import tex as latex
from mesaverify.errors import UsageError

SCALE = 1 + sp.Rational(1, 10**6)
MANY_SITES, FEW_SITES = 3, 1  # mutants per operator of a check tagged fast, of one tagged slow
TIMEOUT = 300  # seconds for one compare of a mutant; beyond it the mutant is an error


# --- where a derived expression can be mutated -----------------------------------------------------
def leaves(expr, path=()):
    """(path, scalar) for every scalar inside tuples, matrices and the values of a Piecewise."""
    if isinstance(expr, sp.Tuple):
        for n, x in enumerate(expr):
            yield from leaves(x, path + (n,))
    elif isinstance(expr, sp.MatrixBase):
        for n, x in enumerate(expr):
            yield path + (n,), x
    elif isinstance(expr, sp.Piecewise):
        for n, (value, _) in enumerate(expr.args):
            yield from leaves(value, path + (n,))
    else:
        yield path, expr


def replace_leaf(expr, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(expr, sp.Tuple):
        return sp.Tuple(*[replace_leaf(x, rest, new) if n == head else x for n, x in enumerate(expr)])
    if isinstance(expr, sp.MatrixBase):
        flat = list(expr)
        flat[head] = new
        return sp.ImmutableMatrix(expr.rows, expr.cols, flat)
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(replace_leaf(v, rest, new) if n == head else v, c)
                              for n, (v, c) in enumerate(expr.args)])
    raise TypeError(f"no leaf at {path} in {type(expr).__name__}")


def _where(path) -> str:
    return "the expression" if not path else "component " + ".".join(str(n + 1) for n in path)


def _short(expr) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Mutant:
    operator: str
    description: str
    expr: sp.Basic


def _term_sites(expr):
    """(path, leaf, index, term) for the additive terms of every leaf: first terms of all leaves first."""
    per_leaf = [(p, x, sp.Add.make_args(x)) for p, x in leaves(expr) if x != 0]
    depth = max((len(ts) for _, _, ts in per_leaf), default=0)
    return [(p, x, i, ts[i]) for i in range(depth) for p, x, ts in per_leaf if i < len(ts)]


def scaled(expr, k):
    for path, leaf, i, term in _term_sites(expr)[:k]:
        new = sp.Add(*[t * SCALE if j == i else t for j, t in enumerate(sp.Add.make_args(leaf))])
        yield Mutant("scale", f"term {i + 1} of {_where(path)} ({_short(term)}) times 1 + 1e-6",
                     replace_leaf(expr, path, new))


def sign_flipped(expr, k):
    for path, leaf, i, term in _term_sites(expr)[:k]:
        new = sp.Add(*[-t if j == i else t for j, t in enumerate(sp.Add.make_args(leaf))])
        yield Mutant("flip_sign", f"sign of term {i + 1} of {_where(path)} ({_short(term)}) flipped",
                     replace_leaf(expr, path, new))


def term_dropped(expr, k):
    """A term of a sum dropped: the top-level sums of the leaves first, then sums inside them."""
    sites = []
    for path, leaf in leaves(expr):
        for node in sp.preorder_traversal(leaf):
            if isinstance(node, sp.Add):
                sites += [(path, leaf, node, t) for t in node.args]
    sites.sort(key=lambda s: 0 if s[2] == s[1] else 1)  # stable: top-level sums first
    for path, leaf, node, term in sites[:k]:
        new = leaf.xreplace({node: sp.Add(*[t for t in node.args if t != term])})
        yield Mutant("drop_term", f"term {_short(term)} dropped from {_short(node)} in {_where(path)}",
                     replace_leaf(expr, path, new))


def horizon_shifted(expr, k):
    for symbol in [s for s in expr.free_symbols if getattr(s, "name", None) == "T"][:1]:
        yield Mutant("shift_T", "T replaced by T + 1", expr.xreplace({symbol: symbol + 1}))


def moment_swapped(expr, k):
    """Two moment symbols m_{...} of the expression exchanged; with only one, it becomes another moment."""
    moments = sorted((s for s in expr.free_symbols if getattr(s, "name", "").startswith("m_{")),
                     key=lambda s: s.name)
    pairs = [(p, q) for n, p in enumerate(moments) for q in moments[n + 1:]]
    if len(moments) == 1:
        other = sp.Symbol("m_{4}" if moments[0].name != "m_{4}" else "m_{2}", positive=True)
        pairs = [(moments[0], other)]
    for p, q in pairs[:k]:
        yield Mutant("swap_moment", f"{p.name} and {q.name} exchanged", expr.xreplace({p: q, q: p}))


OPERATORS = (scaled, term_dropped, horizon_shifted, moment_swapped, sign_flipped)


def mutants(expr, k: int) -> list[Mutant]:
    """Up to k mutants per operator that applies."""
    return [m for operator in OPERATORS for m in operator(expr, k)]


# --- running ------------------------------------------------------------------------------------------
def _timeout(signum, frame):
    raise TimeoutError(f"compare took more than {TIMEOUT} s")


def _compare(check, expr):
    """(status, max_error, tolerance, detail): status 'fail' (killed), 'pass' (survived) or 'error' (killed)."""
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(TIMEOUT)
    try:
        result = check.compare(expr)
    except Exception as err:  # the check cannot evaluate the mutant: verify would not pass it
        return "error", None, None, f"{type(err).__name__}: {str(err)[:200]}"
    finally:
        signal.alarm(0)
    return ("pass" if result.passed else "fail"), float(result.max_error), float(result.tolerance), ""


def run_check(cid: str) -> dict:
    """Derive once, compare the original (it must pass), then every mutant."""
    from mesaverify.checks.core.registry import all_checks

    check = all_checks()[cid]
    start = time.perf_counter()
    expr = check.derived()
    status, err, tol, detail = _compare(check, expr)
    out = {"id": cid, "baseline": status, "baseline_error": detail, "mutants": [], "equivalent": []}
    if status != "pass":
        out["seconds"] = round(time.perf_counter() - start, 2)
        return out
    for m in mutants(expr, MANY_SITES if check.cost == "fast" else FEW_SITES):
        row = {"check": cid, "operator": m.operator, "mutant": m.description}
        if latex.same(m.expr, expr):
            out["equivalent"].append(row)
            continue
        status, err, tol, detail = _compare(check, m.expr)
        row.update({"status": {"fail": "killed", "error": "error", "pass": "survived"}[status],
                    "max_error": err, "tolerance": tol})
        if detail:
            row["error"] = detail
        out["mutants"].append(row)
    out["seconds"] = round(time.perf_counter() - start, 2)
    return out


def summarise(results: list[dict], total_seconds: float) -> dict:
    rows = [r for res in results for r in res["mutants"]]
    return {
        "mutants": len(rows),
        "killed": sum(r["status"] != "survived" for r in rows),
        "survivors": [r for r in rows if r["status"] == "survived"],
        "equivalent": [r for res in results for r in res["equivalent"]],
        "errors": [r for r in rows if r["status"] == "error"],
        "baseline_failures": [{"check": res["id"], "status": res["baseline"], "error": res["baseline_error"]}
                              for res in results if res["baseline"] != "pass"],
        "checks": {res["id"]: {"mutants": len(res["mutants"]),
                               "killed": sum(r["status"] != "survived" for r in res["mutants"]),
                               "equivalent": len(res["equivalent"]),
                               "operators": sorted({r["operator"] for r in res["mutants"]}),
                               "seconds": res["seconds"]} for res in results},
        "total_seconds": round(total_seconds, 1),
    }


def last_costs(out: Path) -> dict[str, float]:
    """Seconds per check of the last selftest in `out`, else of the last verify there (`runner.last_costs`: a
    check's own cost), else none."""
    from mesaverify import runner

    try:
        data = jsonio.load_file(str(out / "selftest.json"), str(out / "selftest.json"))
        return {str(cid): float(c["seconds"]) for cid, c in data["checks"].items()}
    except (UsageError, ValueError, KeyError, TypeError, AttributeError):
        return runner.last_costs(out / "report.json")


def run(ids: list[str], workers: int = 2, out: Path = Path("build"), progress=print) -> dict:
    """Run the checks' mutants on `workers` processes, the costliest first (by `last_costs`) so that no long
    check starts last; write out/selftest.json; the summary.  In each process a check's numeric side is
    evaluated once (`mesaverify.numerics.memo`): its mutants then cost their derived side only."""
    start = time.perf_counter()
    results = []
    costs = last_costs(out)
    queue = sorted(ids, key=lambda cid: -costs.get(cid, float("inf")))  # unknown costs first: they may be long
    from mesaverify.runner import single_threaded

    with ProcessPoolExecutor(max_workers=workers, initializer=single_threaded) as pool:
        for future in as_completed([pool.submit(run_check, cid) for cid in queue]):  # report as each finishes
            res = future.result()
            results.append(res)
            killed = sum(r["status"] != "survived" for r in res["mutants"])
            progress(f"{res['id']}: {killed}/{len(res['mutants'])} killed, {len(res['equivalent'])} equivalent, "
                     f"{res['seconds']:.1f} s" + ("" if res["baseline"] == "pass" else
                                                  f" — the check itself does not pass ({res['baseline']})"))
            for r in res["mutants"]:
                if r["status"] == "survived":
                    progress(f"  survivor: {r['operator']}: {r['mutant']} (max_error {r['max_error']:.3e} "
                             f"<= tolerance {r['tolerance']:.3e})")
    order = {cid: n for n, cid in enumerate(ids)}
    results.sort(key=lambda res: order[res["id"]])
    summary = summarise(results, time.perf_counter() - start)
    outputs.write_text(out / "selftest.json", jsonio.dumps(summary, indent=2, default=str) + "\n")
    return summary
