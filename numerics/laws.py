"""Laws of x_1 as the numeric layer sees them: finite support (exact weights) or a sampler.

Independent of derivations/: support points are written down from the law's
definition, and moments are computed from them, never looked up.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import mpmath
import numpy as np


@dataclass(frozen=True)
class FiniteLaw:
    """Support points (rows, complex) with probabilities; mpmath values kept alongside."""

    points: tuple  # tuple of tuples of mpmath.mpc
    probs: tuple  # tuple of mpmath.mpf

    @property
    def d(self) -> int:
        return len(self.points[0])

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        pts = np.array([[complex(v) for v in p] for p in self.points], dtype=complex)
        return pts, np.array([float(p) for p in self.probs])


def finite(points, probs) -> FiniteLaw:
    return FiniteLaw(
        tuple(tuple(mpmath.mpc(v) for v in p) for p in points),
        tuple(mpmath.mpf(p) for p in probs),
    )


def sparse(d: int, c) -> FiniteLaw:
    """[Z] Example 4.1: ±c e_k, k uniform, sign uniform: 2d points of mass 1/(2d)."""
    pts = []
    for k in range(d):
        for sign in (1, -1):
            p = [mpmath.mpf(0)] * d
            p[k] = sign * mpmath.mpf(c)
            pts.append(p)
    return finite(pts, [mpmath.mpf(1) / (2 * d)] * (2 * d))


def ones(d: int) -> FiniteLaw:
    return finite([[1] * d], [1])


def rademacher(d: int) -> FiniteLaw:
    pts = list(itertools.product((1, -1), repeat=d))
    return finite(pts, [mpmath.mpf(1) / len(pts)] * len(pts))


PHASE_ORDER = 7  # roots of unity standing in for the uniform phase


def phase(d: int, order: int = PHASE_ORDER) -> FiniteLaw:
    """Uniform phases on the circle via roots of unity of `order`: exact for moments with |p−q| < order."""
    roots = [mpmath.expjpi(mpmath.mpf(2 * n) / order) for n in range(order)]
    pts = list(itertools.product(roots, repeat=d))
    return finite(pts, [mpmath.mpf(1) / len(pts)] * len(pts))


def sample_gaussian(d: int, sigma: float, n: int, rng: np.random.Generator, complex_: bool = False) -> np.ndarray:
    """n draws of x_1 ~ N(0, σ² I_d) (real) or CN(0, σ² I_d) (circular, E|x_k|² = σ²)."""
    if complex_:
        return sigma * (rng.standard_normal((n, d)) + 1j * rng.standard_normal((n, d))) / np.sqrt(2)
    return sigma * rng.standard_normal((n, d)).astype(complex)


def gaussian(d: int, sigma, complex_: bool = False, degree: int = 3) -> FiniteLaw:
    """N(0, σ²I_d) or CN(0, σ²I_d) as a finite law with the same moments E[Π x_k^{p_k} x̄_k^{q_k}]
    for every p_k, q_k ≤ `degree` (product quadrature, at the current mpmath precision).

    Real: Gauss–Hermite with n = degree + 1 nodes per coordinate, exact for polynomials of
    degree < 2n, so for x^p x̄^q = x^{p+q}, p + q ≤ 2·degree.  Complex: x = r e^{iφ} with
    r² ~ σ² Exp(1) and φ uniform, independent; x^p x̄^q = r^{p+q} e^{i(p−q)φ}.  Roots of unity
    of order degree + 1 average e^{i(p−q)φ} exactly for |p − q| ≤ degree, and Gauss–Laguerre
    with ⌈(degree + 1)/2⌉ nodes gives E[(r²)^p] exactly for p ≤ degree.
    The model ŷ_t of [Z] is cubic (x x̄ x) in x_1, so its loss needs degree 3.
    """
    sigma = mpmath.mpf(sigma)
    if complex_:
        radii, rw = mpmath.gauss_quadrature((degree + 2) // 2, "laguerre")
        order = degree + 1
        nodes = [sigma * mpmath.sqrt(r) * mpmath.expjpi(mpmath.mpf(2 * n) / order)
                 for r in radii for n in range(order)]
        weights = [w / order for w in rw for _ in range(order)]
    else:
        xs, ws = mpmath.gauss_quadrature(degree + 1, "hermite")
        nodes = [mpmath.sqrt(2) * sigma * x for x in xs]
        weights = [w / mpmath.sqrt(mpmath.pi) for w in ws]
    pts = list(itertools.product(nodes, repeat=d))
    probs = [mpmath.fprod(ws_) for ws_ in itertools.product(weights, repeat=d)]
    return finite(pts, probs)
