"""The errors of well-formed input that gets no result: outside the hypotheses of the result asked for (no theorem
to apply, `OutsideHypotheses`), or beyond what the engine derives (a size past a stated limit, a model the
expectation operator does not average, `BeyondEngine`)."""
from __future__ import annotations


class OutsideHypotheses(Exception):
    """The hypotheses of the requested result fail for the given input (a law, d and T); the message names
    the hypothesis that fails and the evidence (a moment identity and its value, an off-family gradient).
    The command line exits with code 3 on it; `family` says which family the flow does stay in (or None)."""

    def __init__(self, message: str, hypothesis: str = "", family: str | None = None):
        """One line: the result, the hypothesis that fails and its evidence."""
        super().__init__(message)
        self.hypothesis = hypothesis
        self.family = family


class BeyondEngine(Exception):
    """Well-formed input beyond what the engine derives: a size past one of the stated limits, or a model or law
    the derivation has no method for.  Not malformed input: the command line exits with code 4 on it."""
