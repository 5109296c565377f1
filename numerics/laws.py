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


def phase(d: int, order: int = 7) -> FiniteLaw:
    """Uniform phases on the circle via roots of unity of `order`: exact for moments with |p−q| < order."""
    roots = [mpmath.expjpi(mpmath.mpf(2 * n) / order) for n in range(order)]
    pts = list(itertools.product(roots, repeat=d))
    return finite(pts, [mpmath.mpf(1) / len(pts)] * len(pts))


def sample_gaussian(d: int, sigma: float, n: int, rng: np.random.Generator, complex_: bool = False) -> np.ndarray:
    """n draws of x_1 ~ N(0, σ² I_d) (real) or CN(0, σ² I_d) (circular, E|x_k|² = σ²)."""
    if complex_:
        return sigma * (rng.standard_normal((n, d)) + 1j * rng.standard_normal((n, d))) / np.sqrt(2)
    return sigma * rng.standard_normal((n, d)).astype(complex)
