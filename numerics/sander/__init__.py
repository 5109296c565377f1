"""[S] Sander et al. (ICML 2024): numeric evaluation, NumPy/SciPy/mpmath only."""
