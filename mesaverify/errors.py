"""The one error a user sees: bad input, reported in one line with exit code 2."""


class UsageError(Exception):
    """Bad input from the command line (bad dimension, invalid law, ...)."""
