"""The error of a result asked for outside its hypotheses: well-formed input, no theorem to apply."""
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
