"""The errors a user sees, each one line: bad input (exit 2), a run that failed (exit 1), well-formed input
outside the hypotheses of the result asked for (exit 3, `OutsideHypotheses`, raised by the derivations) and
well-formed input beyond what the engine derives (exit 4, `BeyondEngine`: a size past a stated limit)."""
from mesaverify.derivations.hypotheses import BeyondEngine, OutsideHypotheses

__all__ = ["BeyondEngine", "OutsideHypotheses", "RunFailed", "UsageError"]


class UsageError(Exception):
    """Bad input from the command line (bad dimension, invalid law, ...): exit code 2."""


class RunFailed(Exception):
    """Valid input, but the run failed (training diverged, no usable data): exit code 1."""
