"""Exact derivations (SymPy only): expectations, population losses, flows, stationary points."""
