"""Models beyond the papers, from descriptions: each derived and held against its numeric twin; `CHECKS` lists them."""
from __future__ import annotations

from mesaverify.checks.models import checks

CHECKS = (checks.residual, checks.one_over_t, checks.second_order)
