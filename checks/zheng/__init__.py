"""The claims of [Z] (Zheng et al., NeurIPS 2024), one module per part of the paper; `CHECKS` lists them."""
from __future__ import annotations

from mesaverify.checks.zheng import assumption, beyond, capability, convergence, flow, loss, official, simulation

CHECKS = (
    loss.loss_diagonal,
    loss.loss_diagonal_mc,
    loss.loss_per_coordinate,
    flow.flow_ode,
    flow.flow_invariant,
    flow.flow_solution,
    flow.flow_basin,
    flow.stationary_types,
    convergence.thm41_limit,
    convergence.thm41_limit_mc,
    convergence.mesa_one_step,
    assumption.gradients_41,
    assumption.check_identities_41,
    capability.test_error_42,
    capability.condition_42,
    capability.example_41,
    capability.prop_41,
    beyond.closure_41,
    beyond.masked_41,
    beyond.stationary_41,
    simulation.empirical_limit,
    simulation.ode,
    simulation.masked_ones,
    official.plot_lines,
)
