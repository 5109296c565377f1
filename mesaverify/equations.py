"""What each check's derived expression is: the left-hand side its equation is printed with.

`NAMES[check id]` is LaTeX: one name for the whole expression, or a tuple of
names, one per component of a derived tuple.  `lhs(check_id)` gives the name,
`y` for a check that has none (a test holds that every check has one).
"""
from __future__ import annotations

LIMIT = r"\lim_{\tau\to\infty} ab"
TEST_ERROR = r"\mathcal{E}(t)"  # E[½‖ŷ_t − x_{t+1}‖²] at test context t, ab at its trained limit
BOUND = (r"\kappa", "M", "R(C, p)")
MINIMISERS = (r"p_{T-1}/p_T", "p_T C", r"L^{*}")

NAMES: dict[str, str | tuple] = {
    "Z.loss.diagonal": "L(a, b)",
    "Z.loss.diagonal.mc": "L(a, b)",
    "Z.loss.per_coordinate": "L(a_{0}, a_{1}, b_{0}, b_{1})",
    "Z.flow.ode": (r"\frac{da}{d\tau}", r"\frac{db}{d\tau}"),
    "Z.flow.invariant": r"Q(a, b)",
    "Z.flow.solution": r"u(\tau) = a(\tau)\, b(\tau)",
    "Z.flow.basin": LIMIT,
    "Z.stationary.types": ((r"\nabla^2 L(0, 0)", r"\text{type}"), (r"\nabla^2 L\big|_{ab = u^*}", r"\text{type}")),
    "Z.thm4_1.limit": "u^{*} = " + LIMIT,
    "Z.thm4_1.limit.mc": "u^{*} = " + LIMIT,
    "Z.mesa.one_step_gd": r"\eta_t",
    "Z.assumption4_1.gradients": tuple(rf"G_{{{block},\mathrm{{{kind}}}}}" for block in
                                       ("k11", "k12", "k21", "k22", "v1", "v2") for kind in ("diag", "off")),
    "Z.assumption4_1.identities": tuple((rf"\text{{moment}}_{{{n}}}", rf"\text{{weight}}_{{{n}}}") for n in range(1, 5)),
    "Z.thm4_2.test_error": TEST_ERROR,
    "Z.thm4_2.condition": (r"m_2 m_6 - m_4^2", r"(d - 1)\, m_{2,4}", r"\lim_{t\to\infty} " + TEST_ERROR),
    "Z.example4_1.recovery": (LIMIT, r"\lim_{t\to\infty} " + TEST_ERROR,
                              r"\mathbb{E}\left[\hat y_{t,k} / x_{t+1,k}\right]"),
    "Z.prop4_1.ratio": r"\mathbb{E}\left[\hat y_{t,k} / x_{t+1,k}\right]",
    "Z.beyond4_1.closure": r"\text{classes}",
    "Z.beyond4_1.masked": LIMIT,
    "Z.beyond4_1.stationary": tuple((r"(a, a', b, b')", r"L", r"\text{type}") for _ in range(3)),
    "Z.sim.empirical_limit": LIMIT,
    "Z.sim.ode": r"u(\tau)",
    "Z.sim.masked_ones": LIMIT,
    "S.aug.loss": "L(A, B)",
    "S.aug.gd_step": r"\eta",
    "S.aug.step_size": r"\eta^{*}",
    "S.aug.P_dependence": (r"\eta^{*}_{I}", r"\eta^{*}_{P}"),
    "S.aug.global_min": r"\min L",
    "S.nonaug.unitary.loss": "L(C, p)",
    "S.nonaug.unitary.bound": BOUND,
    "S.nonaug.unitary.minimum": tuple(rf"\min L\big|_{{d={d},\,H={h}}}" for d, h in ((3, 2), (2, 2), (3, 1))),
    "S.nonaug.unitary.heads": r"p_T A B^{\top}",
    "S.nonaug.orthogonal.loss": "L(C, p)",
    "S.nonaug.orthogonal.trig": MINIMISERS,
    "S.nonaug.orthogonal.bound": BOUND,
    "S.nonaug.orthogonal.minimum": tuple(rf"\min L\big|_{{d={d},\,H={h}}}" for d, h in ((2, 1), (4, 1), (4, 2))),
    "S.nonaug.orthogonal.heads": r"p_T A B^{\top}",
    "S.noncommuting.augmented": (r"(ab)^{*}", r"\min L"),
    "S.noncommuting.nonaugmented": MINIMISERS,
    "Z.model.residual": r"\text{residual variant: loss, flow and } u^{*}",
    "Z.model.one_over_t": r"\text{1/t variant: loss, flow and } u^{*}",
    "Z.model.second_order": r"\text{second-order variant: loss, flow and } u^{*}",
    "S.official.unitary": (r"L_{\mathrm{official}} - L\;(d = 2)", r"L_{\mathrm{official}} - L\;(d = 3)"),
    "S.official.orthogonal": r"L_{\mathrm{official}} - L",
    "Z.official.plot_lines": r"\text{plotted lines vs the finite-}T\text{ values}",
}


def lhs(check_id: str):
    """The name (or names, for a tuple) of a check's derived expression; y when it has none."""
    return NAMES.get(check_id, "y")


def inline(check_id: str) -> str:
    """One name for the whole expression, for a one-line equation: a tuple of names as a tuple."""
    name = lhs(check_id)

    def flat(n):
        return n if isinstance(n, str) else r"\left(" + r",\ ".join(flat(x) for x in n) + r"\right)"

    return flat(name)
