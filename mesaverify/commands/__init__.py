"""Subcommands of `mesaverify`: the table of every one (its module and its one-line summary), read without
importing any module, so that `mesaverify --help` and `--version` import no SymPy, SciPy or NumPy.  Each
module defines `register(subparsers)`, which adds its full parsers with the summaries of this table."""

COMMANDS = {  # name: (module, one-line summary), in the order --help lists them
    "verify": ("mesaverify.commands.verify", "re-derive every result and check it numerically"),
    "fixed-point": ("mesaverify.commands.fixed_point",
                    "exact limit of ab for a law, d and T ([Z] Thm 4.1), hypotheses checked"),
    "assumption": ("mesaverify.commands.assumption",
                   "derived Assumptions 4.1/4.2 of [Z] for a law (exit 3 where 4.1 fails)"),
    "simulate": ("mesaverify.commands.simulate", "train the full model on sampled sequences ([Z] Figure 1)"),
    "sander-loss": ("mesaverify.commands.sander", "[S] derived population loss at given parameters"),
    "sander-minima": ("mesaverify.commands.sander", "[S] derived minimum value and a minimiser"),
    "latex": ("mesaverify.commands.latex", "print one check's derived expression in LaTeX, or write build/latex/"),
    "derive": ("mesaverify.commands.latex", "print one check's derived expression (text, LaTeX or SymPy srepr)"),
    "selftest": ("mesaverify.commands.latex",
                 "run every check against mutants of its derivation (build/selftest.json)"),
    "model": ("mesaverify.commands.model", "loss, flow and stationary points of a model described in a TOML file"),
    "figures": ("mesaverify.commands.tools", "train [Z]'s Figure 1 runs and draw them with the derived theory"),
    "bench": ("mesaverify.commands.tools", "time our implementations against straightforward references"),
}


def summary(name: str) -> str:
    """The one-line summary of a subcommand (its --help line in `mesaverify --help`)."""
    return COMMANDS[name][1]
