"""The errors a user sees, each one line: bad input (exit 2), a run that failed (exit 1) and well-formed input
outside the hypotheses of the result asked for (exit 3, `OutsideHypotheses`, raised by the derivations)."""
from mesaverify.derivations.hypotheses import OutsideHypotheses

__all__ = ["OutsideHypotheses", "RunFailed", "UsageError"]


class UsageError(Exception):
    """Bad input from the command line (bad dimension, invalid law, ...): exit code 2."""


class RunFailed(Exception):
    """Valid input, but the run failed (training diverged, no usable data): exit code 1."""
