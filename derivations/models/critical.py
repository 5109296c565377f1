"""The stationary set of a loss, complete or said not to be: {θ : ∇L(θ) = 0} split into its components, each
with its equations, a point of it, its loss and its type.

Where ∇L is a polynomial system with rational coefficients (a numeric horizon and a law with numeric moments),
the set is decomposed exactly: a Gröbner basis of the gradient ideal, split wherever one of its elements
factors (V(I + ⟨fg⟩) = V(I + ⟨f⟩) ∪ V(I + ⟨g⟩)) and wherever an element is a sum of even powers of one sign (over
the reals each of its variables vanishes, or there is no real point at all).  The union of the components is
then the whole stationary set, by construction; each is stated by its equations, which are exact, and a point
of it solved from them, checked to make the gradient vanish.  L is constant on each component (its remainder
modulo the component's basis).  Elsewhere (symbols in the coefficients, conjugates, more than MAX_UNKNOWNS
unknowns, a decomposition beyond MAX_COMPONENTS pieces) the points SymPy's solver finds are listed, each
checked, and the set is said not to be complete, with the reason.

The type is read off the Hessian at the point listed (Descartes' rule on its characteristic polynomial counts
its positive and negative eigenvalues exactly): "saddle", "minimum", "maximum", or "degenerate" where more
eigenvalues vanish than the component has directions, so that the second-order test decides nothing.
"""
from __future__ import annotations

import itertools
import math

import sympy as sp

MAX_UNKNOWNS = 6  # the gradient system is decomposed up to this many unknowns
MAX_COMPONENTS = 200  # pieces the splitting may visit
SAMPLES = (1, 2, -1, sp.Rational(1, 3), 3)  # values tried for the free parameters of a component's point
REAL_DIGITS = 50  # digits at which a point written with complex radicals is found real or not
MAX_SOLVED_DEGREE = 4  # a component whose equations have a higher degree is not solved (left, and said to be)
COMPLEX_DEGREE = 3  # isolated points are certified complete through every complex solution up to this degree
MAX_PRODUCTS = 16  # products the covering test may try (one numerator per branch); beyond, the set is not certified


def sign_changes(signs) -> int:
    nonzero = [x for x in signs if x != 0]
    return sum(1 for x, y in zip(nonzero, nonzero[1:]) if x != y)


def classified(point, value, charpoly) -> dict:
    """A stationary point with its loss and its type from the Hessian's characteristic polynomial:
    Descartes' rule counts its positive and negative roots exactly (the Hessian is symmetric)."""
    values = [sp.N(c, 60) for c in charpoly]
    scale = max(abs(v) for v in values)
    signs = [0 if abs(v) <= scale * sp.Float(10) ** -40 else (1 if v > 0 else -1) for v in values]
    top = len(signs) - 1
    positive = sign_changes(signs)
    negative = sign_changes([s_ * (-1) ** (top - n) for n, s_ in enumerate(signs)])  # roots of p(−λ)
    kind = "saddle" if positive and negative else "maximum" if negative else "minimum"
    return {"point": point, "loss": value, "type": kind, "zero_eigenvalues": top - positive - negative}


def _polynomials(grad: list, params: list) -> list | None:
    """The gradient as polynomials over QQ in the parameters, or None where it is not one."""
    try:
        return [sp.Poly(g, *params, domain=sp.QQ) for g in grad]
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, sp.polys.polyerrors.DomainError):
        return None


def _one_signed_even(poly: sp.Poly) -> list | None:
    """For a polynomial whose monomials all have even exponents and whose coefficients share one sign: over the
    reals each monomial must vanish, so the monomials (with x_k for x_k²…) to add to the ideal, or [1] where one
    is a constant (no real zero); None for any other polynomial."""
    terms = poly.terms()
    if len({c > 0 for _, c in terms}) != 1 or not all(all(e % 2 == 0 for e in m) for m, _ in terms):
        return None
    gens = poly.gens
    return [sp.Mul(*[x for x, e in zip(gens, m) if e]) if any(m) else sp.Integer(1) for m, _ in terms]


def decompose(grad: list, params: list) -> list | None:
    """Gröbner bases (grevlex) of pieces whose zero sets cover the real zeros of `grad`, none contained in
    another's ideal; None where the splitting needs more than MAX_COMPONENTS pieces."""
    work, done, visited = [list(grad)], [], 0
    while work:
        visited += 1
        if visited > MAX_COMPONENTS:
            return None
        G = sp.groebner(work.pop(), *params, order="grevlex", domain=sp.QQ)
        if G.exprs == [1]:
            continue
        split = None
        for g in G.polys:
            vanishing = _one_signed_even(g)
            if vanishing is not None:  # a sum of squares: each of its monomials vanishes at a real zero
                split = [[*G.exprs, *vanishing]]
                break
            factors = g.factor_list()[1]
            if len(factors) > 1 or (factors and factors[0][1] > 1):
                split = [[*G.exprs, f.as_expr()] for f, _ in factors]
                break
        if split is None:
            done.append(G)
        else:
            work += split
    unique = list({tuple(G.exprs): G for G in done}.values())
    return [G for G in unique if not any(o is not G and all(G.contains(e) for e in o.exprs) for o in unique)]


def _real(v) -> bool:
    """Whether a value is a finite real number: decided exactly where SymPy can, else at REAL_DIGITS digits (an
    algebraic number written with complex radicals); a value holding symbols such as T is taken as real."""
    if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or v.is_real is False:
        return False
    if v.is_real or v.free_symbols:
        return True
    value = sp.N(v, REAL_DIGITS)
    return bool(abs(sp.im(value)) <= sp.Float(10) ** (5 - REAL_DIGITS) * max(1, abs(value)))


def _sample(point: dict, free: list) -> dict | None:
    """The point at real values of its free parameters (the first of SAMPLES that gives a finite real point)."""
    for value in SAMPLES:
        at = {p: sp.simplify(v.subs({f: value for f in free})) for p, v in point.items()}
        if all(_real(v) for v in at.values()):
            return at
        if not free:
            break
    return None


def _typed(L, hessian, params, point: dict, free: list, at: dict, equations) -> dict:
    lam = sp.Dummy("lambda")
    value = sp.factor(sp.simplify(L.subs(at)))
    coeffs = hessian.subs(at).charpoly(lam).all_coeffs()
    if not all(sp.S(c).is_number for c in coeffs):  # signs of symbols (T, moments) needed
        typed = {"point": point, "loss": value, "type": "undetermined", "zero_eigenvalues": None}
    else:
        typed = classified(point, value, coeffs)
    if typed["zero_eigenvalues"] is not None and typed["zero_eigenvalues"] > len(free):
        typed["type"] = "degenerate"  # the second-order test decides nothing here
    typed["curve"] = sorted(str(p) for p in free)
    typed["equations"] = list(equations)
    return typed


def _covers(equations: list, solutions: list, params: list) -> bool:
    """Whether the branches SymPy solved cover the whole zero set of `equations`: each branch lies in the zero set
    of the numerators of θ − θ(branch), and V(I) ⊆ ∪ V(J_k) holds exactly when every product of one such
    numerator per branch lies in the radical of I (1 ∈ I + ⟨1 − w f⟩, Rabinowitsch)."""
    w = sp.Dummy("w")
    numerators = [[sp.numer(sp.together(p - v)) for p, v in solution.items()] for solution in solutions]
    if math.prod(len(n) for n in numerators) > MAX_PRODUCTS:
        return False  # not certified: the test would take too long
    try:
        for combo in itertools.product(*numerators):
            f = sp.expand(sp.Mul(*combo))
            if f != 0 and sp.groebner([*equations, 1 - w * f], *params, w, order="grevlex").exprs != [1]:
                return False
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, sp.polys.polyerrors.DomainError):
        return False
    return True


def _isolated(solutions: list, params: list) -> bool:
    return all(len(solution) == len(params) for solution in solutions)


def _complex(equations: list, params: list) -> list:
    """Every solution of a system solved to isolated points, complex ones too (the parameters are real symbols,
    for which SymPy's solver keeps only real solutions): what `_covers` needs to certify that none is missing."""
    free = [sp.Dummy(str(p)) for p in params]
    to_free, back = dict(zip(params, free)), dict(zip(free, params))
    try:
        found = sp.solve([e.xreplace(to_free) for e in equations], free, dict=True)
    except NotImplementedError:
        return []
    return [{back[k]: v.xreplace(back) for k, v in solution.items()} for solution in found]


def _points(L, params, grad, equations, hessian) -> tuple[list, bool]:
    """Each solution branch of `equations` as a typed point, checked to make the gradient vanish; and whether a
    part may be left out (a branch with no real sample, a failed check, branches that do not cover a set that is
    not finite: `_covers`; equations beyond MAX_SOLVED_DEGREE, which are not solved)."""
    out, missed = [], False
    degree = max((sp.Poly(e, *params).total_degree() for e in equations), default=0)
    if degree > MAX_SOLVED_DEGREE:
        return [], True  # stated by its equations only: SymPy's solver takes minutes on such a system
    try:
        solutions = sp.solve(equations, params, dict=True)
    except NotImplementedError:
        return [], True
    every = _complex(equations, params) if _isolated(solutions, params) and degree <= COMPLEX_DEGREE else solutions
    if not _covers(equations, every, params):
        missed = True  # SymPy's solver may drop a branch, or a curve through the points it found
    for solution in solutions:
        point = {p: sp.factor(solution.get(p, p)) for p in params}
        free = [p for p in params if p not in solution]
        at = _sample(point, free)
        if at is None and not free:  # an isolated point that is not real: no stationary point of a real loss
            continue
        if at is None or any(sp.simplify(g.subs(point)) != 0 for g in grad):
            missed = True
            continue
        out.append(_typed(L, hessian, params, point, free, at, equations))
    return out, missed or not solutions


def stationary(L: sp.Expr, params: list) -> dict:
    """{"solved": bool, "points": [...], "why": str | None, "equations", "unknowns"}: every component of the
    stationary set of L in `params` (see the module's docstring); "solved" only where the list is complete."""
    grad = [sp.expand(sp.diff(L, p)) for p in params]
    system = {"equations": grad, "unknowns": len(params)}
    if not params:
        return {"solved": False, "points": [], "why": "the model has no parameters", **system}
    if len(params) > MAX_UNKNOWNS:
        return {"solved": False, "points": [], "why": f"{len(params)} unknowns; the stationary set is derived for at "
                f"most {MAX_UNKNOWNS}", **system}
    hessian = sp.hessian(L, params)
    if all(g == 0 for g in grad):
        whole = _typed(L, hessian, params, {p: p for p in params}, list(params), {p: 1 for p in params}, [])
        whole["type"] = "every point"
        return {"solved": True, "points": [whole], "why": "the loss does not depend on the parameters: every point "
                "is stationary", **system}
    polys = _polynomials(grad, params)
    components = decompose(grad, params) if polys is not None else None
    if components is None:
        points, _ = _points(L, params, grad, grad, hessian)
        unsolved = ("the gradient is not a polynomial with rational coefficients in the parameters (symbols such as T or "
                    "a moment, or conjugates, in it): the points listed are stationary, but no other is excluded; give a "
                    "numeric T and a law with numeric moments" if polys is None else
                    f"the decomposition of the stationary set needs more than {MAX_COMPONENTS} pieces")
        return {"solved": False, "points": _sorted(points), "why": unsolved, **system}
    points, missed = [], []
    for G in components:
        found, left = _points(L, params, grad, G.exprs, hessian)
        points += found
        if left:
            missed.append(" = 0, ".join(str(e) for e in G.exprs) + " = 0")
    why: str | None = None if not missed else ("a part of the stationary set was not solved to real points checked against "
                                   "the gradient: " + "; ".join(missed))
    return {"solved": not missed, "points": _sorted(_distinct(points)), "why": why, **system}


def _distinct(points: list) -> list:
    """The points without an isolated one that lies on a set listed too (a piece of the splitting may hold both)."""
    sets = [s for s in points if s["curve"]]
    return [s for s in points if s["curve"] or not any(all(sp.simplify(e.subs(s["point"])) == 0 for e in o["equations"])
                                                       for o in sets)]


def _sorted(points: list) -> list:
    return sorted(points, key=lambda s: (sp.N(s["loss"], 30) if s["loss"].is_number else sp.oo, s["curve"]))
