"""`mesaverify latex` / `derive`: one check's derived expression as LaTeX, plain text or srepr; and
`mesaverify latex --all` behind `make latex` (build/latex/<check-id>.tex and derivations.tex)."""
from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

from mesaverify import document, outputs, report
from mesaverify import tex as latex
from mesaverify.checks.core.registry import all_checks
from mesaverify.commands import summary
from mesaverify.commands.lawargs import add_law_arguments, law_from_args, refuse_inapplicable
from mesaverify.errors import UsageError
from mesaverify.progress import bar
from mesaverify.runner import default_jobs

FORMATS = ("text", "latex", "srepr")
# [Z] results on the diagonal family aI, bI: for a law they hold only where the flow stays on it (Assumption 4.1)
DIAGONAL_RESULTS = ("Z.flow.", "Z.stationary.", "Z.thm4_1.", "Z.mesa.", "Z.thm4_2.", "Z.example4_1.", "Z.prop4_1.")


def register(sub) -> None:
    """Add `latex`, `derive` and `selftest` to the subcommands."""
    p = sub.add_parser("latex", help=summary("latex"),
                       description="Print one check's derived expression as LaTeX in the papers' notation, or with "
                                   "--all write build/latex/<check-id>.tex for every check and the document "
                                   "derivations.tex (quoting the evidence of the last verify run); --pdf compiles it.",
                       epilog="examples:\n  mesaverify latex Z.thm4_1.limit\n  mesaverify latex --all --pdf")
    p.add_argument("check_id", nargs="?", help="a check id (see `mesaverify verify` for the list)")
    p.add_argument("--all", action="store_true",
                   help="write build/latex/<check-id>.tex for every check and build/latex/derivations.tex")
    p.add_argument("--out", help="directory for --all (default build/latex)")
    p.add_argument("--report", help="the verify run whose evidence --all quotes (default build/report.json)")
    p.add_argument("--pdf", action="store_true", help="with --all: compile derivations.pdf (latexmk, pdflatex, "
                   "lualatex or tectonic); exit 2 with how to install one if none is on the PATH")
    p.set_defaults(run=run_latex)

    q = sub.add_parser("derive", help=summary("derive"),
                       description="Print one check's derived expression (SymPy text, LaTeX or srepr), exact, "
                                   "optionally specialised: --law puts in the law's moments m_{...}, --d the "
                                   "dimension, --T the horizon. For the results of [Z]'s diagonal family (Z.flow.*, "
                                   "Z.stationary.*, Z.thm4_1.*, Z.mesa.*, Z.thm4_2.*, Z.prop4_1.*, Z.example4_1.*) "
                                   "given a law, the hypothesis that the flow stays on aI, bI is checked first for "
                                   "the law, d and T: exit 3 where it fails.",
                       epilog="examples:\n  mesaverify derive Z.thm4_1.limit\n"
                              "  mesaverify derive Z.thm4_1.limit --law sparse --c 2 --d 3 --T 7")
    q.add_argument("check_id", help="a check id (see `mesaverify verify --list`)")
    q.add_argument("--format", choices=FORMATS, default="text",
                   help="text (SymPy), latex (the papers' notation) or srepr (SymPy's exact tree)")
    q.add_argument("--T", type=int, help="substitute the horizon T")
    add_law_arguments(q, horizon=False, required=False)  # --law substitutes its moments m_{...}; --d the dimension
    q.set_defaults(run=run_derive)

    r = sub.add_parser("selftest", help=summary("selftest"),
                       description="Run every check (or those --only selects) against mutants of its derived "
                                   "expression (an operator, constant or symbol changed) and count the mutants it "
                                   "kills; write selftest.json. Exit 1 if a mutant survives or a check fails "
                                   "unmutated.",
                       epilog="example:\n  mesaverify selftest --only Z.thm4_1.limit --workers 1 --out build")
    r.add_argument("--only", default="", help="only checks whose id starts with this prefix (default: every check)")
    r.add_argument("--workers", type=int, default=default_jobs(), help="processes (default: all cores)")
    r.add_argument("--out", default="build", help="directory for selftest.json (default: build)")
    r.set_defaults(run=run_selftest)


def lookup(check_id: str):
    """The check of this id, or a UsageError listing the known ids."""
    checks = all_checks()
    if check_id not in checks:
        known = ", ".join(checks)
        raise UsageError(f"unknown check id {check_id!r}; known ids: {known}")
    return checks[check_id]


def run_latex(args) -> int:
    """One check's expression in LaTeX, or (--all) every fragment and the document, optionally compiled."""
    if args.all and args.check_id:
        raise UsageError(f"give a check id or --all, not both (got {args.check_id!r} and --all)")
    if not args.all:
        for option in ("pdf", "out", "report"):
            if getattr(args, option) not in (None, False):
                raise UsageError(f"--{option} applies only with --all")
    if args.all:
        command = document.engine() if args.pdf else None
        if args.pdf and command is None:
            raise UsageError(document.INSTALL_HINT)
        out = outputs.writable_dir(args.out or "build/latex", "--out")
        report_path = Path(args.report or "build/report.json")
        recorded = report.read(report_path)
        stored = document.stored_expressions(report_path.with_name(report.EXPRESSIONS)) if recorded else {}
        checks = all_checks()
        with bar(len(checks), "expressions", "check") as progress:
            written, fresh = document.write_all(out, checks, recorded, stored, progress=lambda: progress.update(1))
        reused = len(written) - 1 - fresh
        print(f"wrote {len(written) - 1} expressions ({reused} from the last verify, {fresh} derived) and {written[-1]}")
        if command is not None:
            ok, tail = document.compile_pdf(written[-1], command)
            if not ok:
                print(tail, file=sys.stderr)
                print(f"mesaverify: error: {command[0]} failed on {written[-1]}", file=sys.stderr)
                return 1
            print(f"wrote {written[-1].with_suffix('.pdf')} ({command[0]})")
        return 0
    if not args.check_id:
        raise UsageError("give a check id, or --all; known ids: " + ", ".join(all_checks()))
    print(latex.paper(lookup(args.check_id).derived()))
    return 0


def _by_name(expr, name):
    """The free symbol of expr called `name`, or None."""
    return next((s for s in expr.free_symbols if getattr(s, "name", None) == name), None)


def specialise(expr, args, spec=None):
    """Substitute the law `spec` (its moments m_{...}; read from args by run_derive), --d and --T into a derived
    expression; harmonic numbers and sums too long to write out stay unevaluated (`derivations.specialise`)."""
    from mesaverify.derivations.given import derive_all
    from mesaverify.derivations.moments import with_moments
    from mesaverify.derivations.specialise import at_dimension, at_horizon, moment_symbols, written_out

    law = None
    if spec is not None:
        args.d, law = spec.d, spec.exact()
        if not law.exchangeable and moment_symbols(expr):
            raise UsageError("derive substitutes the moments m_{...} of an exchangeable law; this law's "
                             "coordinates are not exchangeable")
    for name, value, least in (("d", args.d, 1), ("T", args.T, 3)):
        if value is not None and value < least:
            raise UsageError(f"--{name} must be >= {least}, got {value}")
    d, T, c = _by_name(expr, "d"), _by_name(expr, "T"), _by_name(expr, "c")
    if c is not None and spec is not None and spec.name == "sparse":
        expr = expr.subs(c, spec.c)  # Example 4.1's scale
    if d is not None and args.d is not None:
        expr = at_dimension(expr, args.d, d)  # first: moments on more than d coordinates drop out
    if law is not None:
        expr = derive_all(law, lambda law: with_moments(expr, law))
    if T is not None and args.T is not None:
        expr = at_horizon(expr, args.T, T)
    return written_out(expr) if (args.d, args.T) != (None, None) else expr


def hypotheses(args, spec) -> None:
    """A diagonal-family result asked for at a law: OutsideHypotheses unless the flow stays on aI, bI for the
    law, its d and T (symbolic T: for every T)."""
    from mesaverify import limits
    from mesaverify.derivations.given import derive_all
    from mesaverify.derivations.zheng.invariance import require_diagonal
    from mesaverify.derivations.zheng.symbols import T
    from mesaverify.errors import OutsideHypotheses

    if args.T is not None and args.T < 3:
        raise UsageError(f"--T must be >= 3, got {args.T}")
    if args.check_id.startswith("Z.example4_1.") and spec.name != "sparse":
        raise OutsideHypotheses(f"{args.check_id} is derived for the law of [Z] Example 4.1 (--law sparse), "
                                f"not for --law {spec.name}", "Example 4.1")
    limits.per_coordinate(spec.exact(), spec.d)
    derive_all(spec.exact(), lambda law: require_diagonal(law, spec.d, T if args.T is None else args.T, args.check_id))


def run_derive(args) -> int:
    """Print one check's derived expression, specialised to the law, d and T given."""
    refuse_inapplicable(args)
    check = lookup(args.check_id)
    spec = law_from_args(args) if args.law is not None else None
    if spec is not None and args.check_id.startswith(DIAGONAL_RESULTS):
        hypotheses(args, spec)
    expr = specialise(check.derived(), args, spec)
    if args.format == "latex":
        print(latex.paper(expr))
    elif args.format == "srepr":
        print(sp.srepr(expr))
    else:
        print(sp.sstr(expr))
    return 0


def run_selftest(args) -> int:
    """Run every check against its mutants; write selftest.json; exit 1 on a survivor."""
    from mesaverify import selftest

    ids = [cid for cid in all_checks() if cid.startswith(args.only)]
    if not ids:
        raise UsageError(f"no check id starts with {args.only!r}")
    if args.workers < 1:
        raise UsageError(f"--workers must be >= 1, got {args.workers}")
    out = outputs.writable_dir(args.out, "--out")
    summary = selftest.run(ids, args.workers, out, progress=lambda line: print(line, flush=True))
    print(f"{summary['killed']} of {summary['mutants']} mutants killed "
          f"({len(summary['errors'])} by an error), {len(summary['equivalent'])} equivalent mutants excluded, "
          f"{len(summary['survivors'])} survivors, {summary['total_seconds']:.0f} s; {out / 'selftest.json'}")
    for row in summary["survivors"]:
        print(f"SURVIVOR {row['check']}: {row['operator']}: {row['mutant']} "
              f"(max_error {row['max_error']:.3e} <= tolerance {row['tolerance']:.3e})")
    for row in summary["baseline_failures"]:
        print(f"CHECK FAILS UNMUTATED {row['check']}: {row['status']} {row['error']}")
    return 0 if not summary["survivors"] and not summary["baseline_failures"] else 1
