"""The claims of [S] (Sander et al., ICML 2024), one module per part of the paper; `CHECKS` lists them."""
from __future__ import annotations

from mesaverify.checks.sander import augmented, noncommuting, official, orthogonal, unitary

CHECKS = (
    augmented.aug_loss,
    augmented.aug_gd_step,
    augmented.aug_step_size,
    augmented.aug_p_dependence,
    augmented.aug_global_min,
    unitary.nonaug_unitary_loss,
    unitary.nonaug_unitary_bound,
    unitary.nonaug_unitary_minimum,
    unitary.nonaug_unitary_heads,
    orthogonal.nonaug_orthogonal_loss,
    orthogonal.nonaug_orthogonal_trig,
    orthogonal.nonaug_orthogonal_bound,
    orthogonal.nonaug_orthogonal_minimum,
    orthogonal.nonaug_orthogonal_heads,
    noncommuting.noncommuting_augmented,
    noncommuting.noncommuting_nonaugmented,
    official.official_unitary,
    official.official_orthogonal,
)
