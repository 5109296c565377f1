"""The numeric twin of a model description: matrices, tokens and sequences built from the description at
mpmath precision, and the loss and its gradient evaluated from them — no `Term`, no derivation.

x_s = W^{s−1} x_1 for s ≥ 1 (x_s = 0 otherwise) with W = diag(λ): each coordinate of every token is kept as a
trigonometric polynomial in the phases, a dict {exponent vector: coefficient}, and every product of the model
is computed on these.  Uniform independent phases make distinct characters λ^n orthonormal, so
E_λ|Σ_n c_n λ^n|² = Σ_n |c_n|² — the exact phase average, for every d, at the cost of the model's own
terms (a grid of roots of unity exact for the same degree holds (3T)^d points).  x_1 runs over the finite
support of its law (or a Gauss quadrature exact for the model's degree), with its probabilities.

The description is read by its attributes (tokens, heads, keys, lag, normalisation, positional, residual,
readout, loss, start, scale); parameter values by name: a number (a·I, g·J, g·E_mn), a list (diag), a
matrix (dense); positional weights as a list p_1..p_T.
"""
from __future__ import annotations

import mpmath


def _mul(p: dict, q: dict) -> dict:
    out: dict = {}
    for e, a in p.items():
        for f, b in q.items():
            key = tuple(x + y for x, y in zip(e, f))
            out[key] = out.get(key, 0) + a * b
    return out


def _add(p: dict, q: dict, scale=1) -> dict:
    out = dict(p)
    for e, b in q.items():
        out[e] = out.get(e, 0) + scale * b
    return out


def _conj(p: dict) -> dict:
    return {tuple(-x for x in e): mpmath.conj(a) for e, a in p.items()}


def _x(x1, s: int) -> list[dict]:
    """x_s coordinate by coordinate: {(s−1)·e_m: x_{1,m}}, or 0 for s ≤ 0."""
    d = len(x1)
    if s < 1:
        return [{} for _ in range(d)]
    return [{tuple(s - 1 if n == m else 0 for n in range(d)): x1[m]} for m in range(d)]


def block_matrix(structure, values: dict, d: int, wrt: str | None = None) -> list[list]:
    """The d×d block of a structure at the parameter values; with `wrt`, its derivative in that parameter
    (for a diag/dense parameter, `wrt` = "name[m]" or "name[m,n]", from 0)."""
    zero = mpmath.mpf(0)
    M = [[zero] * d for _ in range(d)]
    kind, name = structure.kind, structure.name
    f = mpmath.mpf(structure.factor.numerator) / structure.factor.denominator
    for r in range(d):
        for c in range(d):
            if kind in ("scalar", "diag") and r != c or kind == "entry" and (r, c) != (structure.row - 1, structure.col - 1):
                continue
            label = {"diag": f"{name}[{r}]", "dense": f"{name}[{r},{c}]"}.get(kind, name)
            if kind == "zero":
                continue
            if wrt is not None:
                M[r][c] = f if label == wrt else zero
            else:
                value = values[name]
                M[r][c] = f * (value[r] if kind == "diag" else value[r][c] if kind == "dense" else value)
    return M


def _matrices(desc, values: dict, d: int, h: int, wrt=None):
    """(W^{KQ}_h as nd×nd, the read-out row of W^{PV}_h as d×nd) at the values (or their derivatives)."""
    n = len(desc.tokens)
    zero = mpmath.mpf(0)
    K = [[zero] * (n * d) for _ in range(n * d)]
    V = [[zero] * (n * d) for _ in range(d)]
    head = desc.heads[h]
    for r, c, s in head.kq:
        B = block_matrix(s, values, d, wrt)
        for a in range(d):
            for b in range(d):
                K[(r - 1) * d + a][(c - 1) * d + b] += B[a][b]  # a block given twice: the sum
    for c, s in head.pv:
        B = block_matrix(s, values, d, wrt)
        for a in range(d):
            for b in range(d):
                V[a][(c - 1) * d + b] += B[a][b]
    return K, V


def _apply(M, vec: list[dict]) -> list[dict]:
    out = []
    for row in M:
        acc: dict = {}
        for coeff, poly in zip(row, vec):
            if coeff:
                acc = _add(acc, poly, coeff)
        out.append(acc)
    return out


def _attention(desc, K, V, tokens, tau: int, weights) -> list[dict]:
    """n(τ) Σ_{i ∈ keys(τ)} p_i (V e_i)(e_i^* K q_τ), coordinate by coordinate."""
    d = len(V)
    norm = {"1/(t-1)": mpmath.mpf(1) / (tau - 1) if tau > 1 else None, "1/t": mpmath.mpf(1) / tau,
            "1/T": None, "1": mpmath.mpf(1)}[desc.normalisation]
    if norm is None:
        norm = mpmath.mpf(1) / weights["T"]
    Kq = _apply(K, tokens(tau - desc.lag))
    out = [{} for _ in range(d)]
    last = tau if desc.keys == "1..t" else tau - 1
    for key in range(1, last + 1):
        e = tokens(key)
        score: dict = {}
        for ec, kc in zip(e, Kq):
            score = _add(score, _mul(_conj(ec), kc))
        scale = norm * (weights["p"][key - 1] if weights["p"] is not None else 1)
        for m, ve in enumerate(_apply(V, e)):
            out[m] = _add(out[m], _mul(ve, score), scale)
    return out


def loss_and_gradient(desc, values: dict, d: int, T: int, law, wrt=(), positional=None):
    """(L, {parameter label: ∂L/∂θ}) at the current mpmath precision; `law` a FiniteLaw (points, probs),
    `wrt` the parameter labels ("a", "a[0]", "A[0,1]") whose partial derivatives are wanted."""
    c = mpmath.mpf(desc.scale.numerator) / desc.scale.denominator
    weights = {"T": T, "p": positional}
    heads = range(len(desc.heads))
    mats = [_matrices(desc, values, d, h) for h in heads]
    dmats = {w: [_matrices(desc, values, d, h, w) for h in heads] for w in wrt}
    positions = [T] if desc.loss == "last" else range(desc.start, T)
    total, grad = mpmath.mpf(0), {w: mpmath.mpf(0) for w in wrt}
    for x1, prob in zip(law.points, law.probs):
        def tokens(s):
            return [poly for shift in desc.tokens
                    for poly in (_x(x1, s - shift) if shift is not None else [{} for _ in range(d)])]

        for tau in positions:
            err = [{} for _ in range(d)]
            for K, V in mats:
                err = [_add(p, q) for p, q in zip(err, _attention(desc, K, V, tokens, tau, weights))]
            if desc.residual:
                read = tokens(tau)[(desc.readout - 1) * d: desc.readout * d]
                err = [_add(p, q) for p, q in zip(err, read)]
            err = [_add(p, q, -1) for p, q in zip(err, _x(x1, tau + 1))]
            total += prob * c * sum(abs(v) ** 2 for p in err for v in p.values())
            for w in wrt:
                derr = [{} for _ in range(d)]
                for (K, V), (dK, dV) in zip(mats, dmats[w]):
                    for A, B in ((dK, V), (K, dV)):
                        derr = [_add(p, q) for p, q in zip(derr, _attention(desc, A, B, tokens, tau, weights))]
                grad[w] += prob * 2 * c * sum(mpmath.re(mpmath.conj(p.get(e, 0)) * v)
                                              for p, q in zip(derr, err) for e, v in q.items())
    return total, grad
