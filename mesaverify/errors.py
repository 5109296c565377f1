"""The errors a user sees, each one line: bad input (exit 2) and a run that failed (exit 1)."""


class UsageError(Exception):
    """Bad input from the command line (bad dimension, invalid law, ...): exit code 2."""


class RunFailed(Exception):
    """Valid input, but the run failed (training diverged, no usable data): exit code 1."""
