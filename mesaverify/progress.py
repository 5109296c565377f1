"""A progress bar with ETA on stderr for jobs longer than a few seconds (tqdm), drawn only on a terminal."""
from __future__ import annotations

import sys


def bar(total: int, what: str, unit: str = "it"):
    """A tqdm bar of `total` steps named `what`; silent when stderr is not a terminal; cleared when done."""
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit=unit, file=sys.stderr, disable=None, dynamic_ncols=True, leave=False)
