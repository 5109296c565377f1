"""Numeric results remembered within one process, by the exact value of their inputs.

The numeric side of a check is a function of its own inputs only (it never reads a derived value), so a check
compared again — on a corrupted or mutated expression (`mesaverify selftest`, the tests) — evaluates the same
numbers: `memo` returns them instead of recomputing.  One `make verify` evaluates each once, so it gains nothing
and loses nothing.  Keys are the pickled arguments with the working precision (mpmath's dps) and the seed state
they carry; values are returned as deep copies, so no caller can change what another one reads.
"""
from __future__ import annotations

import copy
import functools
import pickle
from collections import OrderedDict

import mpmath

SIZE = 256  # results kept per function by default (least recently used go first)


def memo(function=None, *, size: int = SIZE):
    """`function` remembered by the exact (pickled) value of its arguments and mpmath's precision, the last
    `size` results (`@memo` or `@memo(size=...)`)."""
    if function is None:
        return functools.partial(memo, size=size)
    store: OrderedDict = OrderedDict()

    @functools.wraps(function)
    def remembered(*args, **kwargs):
        try:
            key = pickle.dumps((args, sorted(kwargs.items()), mpmath.mp.dps), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return function(*args, **kwargs)
        if key in store:
            store.move_to_end(key)
        else:
            store[key] = function(*args, **kwargs)
            if len(store) > size:
                store.popitem(last=False)
        return copy.deepcopy(store[key])

    return remembered
