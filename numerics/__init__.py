"""Numerics (NumPy, SciPy, mpmath only): sampling, quadrature, phase averages, flows, training."""
