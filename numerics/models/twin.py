"""The numeric twin of a model description: matrices, tokens and sequences built from the description at
mpmath precision, and the loss and its gradient evaluated from them — no `Term`, no derivation.

x_s = W^{s−1} x_1 for s ≥ 1 (x_s = 0 otherwise) with W = diag(λ) ("phases"), W = blockdiag(R(φ_i)) with
R(φ) = [[cos φ, −sin φ], [sin φ, cos φ]] ("rotations") or W = diag(μ_1, μ̄_1, μ_2, μ̄_2, …) ("pairs"), conjugated
to P W P^* when the description gives P: W is built as a matrix and x_s = W x_{s−1} multiplied out.  Each entry of
W and each coordinate of every token is kept as a trigonometric polynomial in the independent uniform phases
(λ_m, or μ_i = e^{iφ_i}: cos φ = (μ + μ^{−1})/2, sin φ = (μ − μ^{−1})/(2i)), a dict {exponent vector:
coefficient}, and every product of the model is computed on these.  Uniform independent phases make distinct
characters orthonormal, so
E_λ|Σ_n c_n λ^n|² = Σ_n |c_n|² — the exact phase average, for every d, at the cost of the model's own
terms (a grid of roots of unity exact for the same degree holds (3T)^d points).  x_1 runs over the finite
support of its law (or a Gauss quadrature exact for the model's degree), with its probabilities.

The description is read by its attributes (tokens, heads, keys, lag, normalisation, positional, residual,
readout, loss, start, scale, process, conjugation, conjugated); parameter values by name: a number (a·I, g·J,
g·E_mn), a list (diag), a matrix (dense; complex entries for a complex block); positional weights as a list
p_1..p_T (or, where heads have their own, a dict name -> list).  The gradient in a complex entry θ is ∂L/∂Re θ + i ∂L/∂Im θ.
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


def _number(v):
    """An exact neutral number of the description (Fraction or numbers.ExactComplex) in mpmath."""
    if hasattr(v, "numerator"):
        return mpmath.mpf(v.numerator) / v.denominator
    return mpmath.mpc(_number(v.real), _number(v.imag))


def _unit(n: int, m: int, power: int) -> tuple:
    return tuple(power if q == m else 0 for q in range(n))


def process_matrix(desc, d: int) -> tuple[list[list[dict]], int]:
    """(W as a d×d matrix of trigonometric polynomials, the number of phases)."""
    zero = (0,) * (d if desc.process == "phases" else d // 2)
    n = len(zero)
    W: list[list[dict]] = [[{} for _ in range(d)] for _ in range(d)]
    if desc.process == "phases":
        for m in range(d):
            W[m][m] = {_unit(n, m, 1): mpmath.mpf(1)}
    elif desc.process == "pairs":
        for b in range(n):
            W[2 * b][2 * b], W[2 * b + 1][2 * b + 1] = {_unit(n, b, 1): mpmath.mpf(1)}, {_unit(n, b, -1): mpmath.mpf(1)}
    else:
        half = mpmath.mpf(1) / 2
        for b in range(n):
            cos = {_unit(n, b, 1): half, _unit(n, b, -1): half}
            sin = {_unit(n, b, 1): -1j * half, _unit(n, b, -1): 1j * half}
            W[2 * b][2 * b], W[2 * b][2 * b + 1] = cos, {e: -v for e, v in sin.items()}
            W[2 * b + 1][2 * b], W[2 * b + 1][2 * b + 1] = sin, dict(cos)
    if desc.conjugation is not None:
        P = [[_number(v) for v in row] for row in desc.conjugation]
        W = [[_add_all([_scaled(W[a][b], P[r][a] * mpmath.conj(P[c][b])) for a in range(d) for b in range(d)])
              for c in range(d)] for r in range(d)]
    return W, n


def _scaled(p: dict, c) -> dict:
    return {e: c * v for e, v in p.items()} if c else {}


def _add_all(polys: list[dict]) -> dict:
    out: dict = {}
    for p in polys:
        out = _add(out, p)
    return out


def sequence(W: list[list[dict]], n: int, x1, last: int) -> list[list[dict]]:
    """x_0 = 0, x_1, …, x_last coordinate by coordinate: x_s = W x_{s−1}."""
    d = len(x1)
    out: list[list[dict]] = [[{} for _ in range(d)], [{(0,) * n: x1[m]} if x1[m] else {} for m in range(d)]]
    for _ in range(2, last + 1):
        prev = out[-1]
        out.append([_add_all([_mul(W[r][c], prev[c]) for c in range(d) if prev[c] and W[r][c]]) for r in range(d)])
    return out


def block_matrix(structure, values: dict, d: int, wrt: str | None = None, direction=1) -> list[list]:
    """The d×d block of a structure at the parameter values; with `wrt`, its derivative in that parameter
    (for a diag/dense parameter, `wrt` = "name[m]" or "name[m,n]", from 0) along `direction` (1, or i for the
    imaginary part of a complex entry)."""
    zero = mpmath.mpf(0)
    M = [[zero] * d for _ in range(d)]
    kind, name = structure.kind, structure.name
    f = mpmath.mpf(structure.factor.numerator) / structure.factor.denominator
    for r in range(d):
        for c in range(d):
            if kind in ("scalar", "diag") and r != c or kind == "entry" and (r, c) != (structure.row - 1, structure.col - 1):
                continue
            label = {"diag": f"{name}[{r}]", "dense": f"{name}[{r},{c}]", "complex": f"{name}[{r},{c}]"}.get(kind, name)
            if kind == "zero":
                continue
            if wrt is not None:
                M[r][c] = f * direction if label == wrt else zero
            else:
                value = values[name]
                M[r][c] = f * (value[r] if kind == "diag" else value[r][c] if kind in ("dense", "complex") else value)
    return M


def _matrices(desc, values: dict, d: int, h: int, wrt=None, direction=1):
    """(W^{KQ}_h as nd×nd, the read-out row of W^{PV}_h as d×nd) at the values (or their derivatives)."""
    n = len(desc.tokens)
    zero = mpmath.mpf(0)
    K = [[zero] * (n * d) for _ in range(n * d)]
    V = [[zero] * (n * d) for _ in range(d)]
    head = desc.heads[h]
    for r, c, s in head.kq:
        B = block_matrix(s, values, d, wrt, direction)
        for a in range(d):
            for b in range(d):
                K[(r - 1) * d + a][(c - 1) * d + b] += B[a][b]  # a block given twice: the sum
    for c, s in head.pv:
        B = block_matrix(s, values, d, wrt, direction)
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
    """n(τ) Σ_{i ∈ keys(τ)} p_i (V e_i)(e_i^* K q_τ) (or e_i^T K conj(q_τ)), coordinate by coordinate."""
    d = len(V)
    norm = {"1/(t-1)": mpmath.mpf(1) / (tau - 1) if tau > 1 else None, "1/t": mpmath.mpf(1) / tau,
            "1/T": None, "1": mpmath.mpf(1)}[desc.normalisation]
    if norm is None:
        norm = mpmath.mpf(1) / weights["T"]
    key_bar = desc.conjugated == "key"
    query = tokens(tau - desc.lag)
    Kq = _apply(K, query if key_bar else [_conj(v) for v in query])
    out: list[dict] = [{} for _ in range(d)]
    last = tau if desc.keys == "1..t" else tau - 1
    for key in range(1, last + 1):
        e = tokens(key)
        score: dict = {}
        for ec, kc in zip(e, Kq):
            score = _add(score, _mul(_conj(ec) if key_bar else ec, kc))
        scale = norm * (weights["p"][key - 1] if weights["p"] is not None else 1)
        for m, ve in enumerate(_apply(V, e)):
            out[m] = _add(out[m], _mul(ve, score), scale)
    return out


def _complex_labels(desc) -> set:
    """The names of the complex blocks' parameters."""
    return {s.name for h in desc.heads for s in [x[-1] for x in h.kq] + [x[-1] for x in h.pv] if s.kind == "complex"}


def loss_and_gradient(desc, values: dict, d: int, T: int, law, wrt=(), positional=None):
    """(L, {parameter label: ∂L/∂θ}) at the current mpmath precision; `law` a FiniteLaw (points, probs),
    `wrt` the parameter labels ("a", "a[0]", "A[0,1]") whose partial derivatives are wanted."""
    c = mpmath.mpf(desc.scale.numerator) / desc.scale.denominator
    heads = range(len(desc.heads))
    own = positional if isinstance(positional, dict) else {desc.positional: positional}
    weights = [{"T": T, "p": own.get(desc.heads[h].positional or desc.positional)} for h in heads]
    complex_names = _complex_labels(desc)
    mats = [_matrices(desc, values, d, h) for h in heads]
    directions = {w: ((1, 1j) if w.split("[")[0] in complex_names else (1,)) for w in wrt}
    dmats = {(w, u): [_matrices(desc, values, d, h, w, u) for h in heads] for w in wrt for u in directions[w]}
    positions = [T] if desc.loss == "last" else range(desc.start, T)
    W, n = process_matrix(desc, d)
    total, grad = mpmath.mpf(0), {w: mpmath.mpf(0) for w in wrt}
    for x1, prob in zip(law.points, law.probs):
        xs = sequence(W, n, x1, T + 1)

        def tokens(s):
            return [poly for shift in desc.tokens
                    for poly in (xs[s - shift] if shift is not None and s - shift >= 1 else [{} for _ in range(d)])]

        for tau in positions:
            err: list[dict] = [{} for _ in range(d)]
            for h, (K, V) in zip(heads, mats):
                err = [_add(p, q) for p, q in zip(err, _attention(desc, K, V, tokens, tau, weights[h]))]
            if desc.residual:
                read = tokens(tau)[(desc.readout - 1) * d: desc.readout * d]
                err = [_add(p, q) for p, q in zip(err, read)]
            err = [_add(p, q, -1) for p, q in zip(err, xs[tau + 1])]
            total += prob * c * sum(abs(v) ** 2 for p in err for v in p.values())
            for w in wrt:
                for u in directions[w]:
                    derr: list[dict] = [{} for _ in range(d)]
                    for h, (K, V), (dK, dV) in zip(heads, mats, dmats[(w, u)]):
                        for A, B in ((dK, V), (K, dV)):
                            derr = [_add(p, q) for p, q in zip(derr, _attention(desc, A, B, tokens, tau, weights[h]))]
                    part = prob * 2 * c * sum(mpmath.re(mpmath.conj(p.get(e, 0)) * v)
                                              for p, q in zip(derr, err) for e, v in q.items())
                    grad[w] += part if u == 1 else 1j * part
    return total, grad
