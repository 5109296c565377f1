"""Checks: each claim of a paper, a derivation held against an independent numeric evaluation."""
