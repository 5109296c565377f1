"""[S] Sander et al. (ICML 2024): exact derivations, SymPy only."""
