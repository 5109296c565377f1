"""`mesaverify verify`: run the checks (all, or those selected by id prefix and tags), print a table, write build/report.*."""
from __future__ import annotations

import sys
import time

from mesaverify import outputs, report, runner
from mesaverify.checks.core.registry import COSTS, KINDS, PAPERS, all_checks, select
from mesaverify.commands import summary
from mesaverify.errors import UsageError

TAGS = (*PAPERS.values(), *KINDS, *COSTS)


def register(sub) -> None:
    """Add `verify` to the subcommands."""
    p = sub.add_parser("verify", help=summary("verify"),
                       description="Re-derive every claim of both papers ([Z], [S]) with SymPy and hold it against an "
                                   "independent numeric evaluation (mpmath at 50 digits, exact quadrature, Monte Carlo "
                                   "with standard errors, training); print a table and write report.md, report.json "
                                   "and expressions.json. Exit 1 if any check fails.",
                       epilog="examples:\n  mesaverify verify --list --tag zheng\n"
                              "  mesaverify verify --only Z.thm4_1.limit --out build")
    p.add_argument("--only", default="", help="run only checks whose id starts with this prefix (e.g. Z.flow; default: every check)")
    p.add_argument("--tag", action="append", default=[], choices=TAGS, metavar="TAG",
                   help=f"run only checks carrying this tag (repeatable; all must hold; default: no filter): {', '.join(TAGS)}")
    p.add_argument("--list", action="store_true", help="list the selected checks with their tags and claims; run nothing")
    p.add_argument("--out", default="build", help="directory for report.md and report.json (default: build)")
    p.add_argument("--jobs", type=int, default=runner.default_jobs(),
                   help="worker processes (default: all cores); the report is the same for any number")
    p.set_defaults(run=run)


def run(args) -> int:
    """Run the checks (or list them), print the table and write the report; exit 1 if a check fails."""
    checks = list(select(all_checks(), only=args.only, tags=tuple(args.tag)).values())
    if not checks:
        raise UsageError(f"no check has an id starting with {args.only!r} and the tags {args.tag}")
    if args.list:
        for c in checks:
            print(f"{c.id:30} [{', '.join(sorted(c.tags))}]\n    {c.claim}")
        return 0
    if args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {args.jobs}")
    out = outputs.writable_dir(args.out, "--out")
    start = time.perf_counter()
    finished = []

    def progress(o):
        finished.append(o.id)
        print(f"[{len(finished)}/{len(checks)}] {o.id}: {o.status} ({o.seconds:.1f} s)", file=sys.stderr, flush=True)

    results = runner.run(checks, args.jobs, runner.last_costs(out / "report.json"), progress, prepare=report.rendered)
    outcomes = [o for o, _ in results]
    total = time.perf_counter() - start
    print(report.table(outcomes))
    report.write(outcomes, total, out, {o.id: parts for o, parts in results})
    print(f"report: {out / 'report.md'}, {out / 'report.json'}")
    return 0 if all(o.status == "pass" for o in outcomes) else 1
