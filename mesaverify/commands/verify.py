"""`mesaverify verify`: run every registered check, print a table, write build/report.*."""
from __future__ import annotations

import sys
import time

from mesaverify import outputs, report
from mesaverify.errors import UsageError
from mesaverify.checks.core.registry import all_checks


def register(sub) -> None:
    """Add `verify` to the subcommands."""
    p = sub.add_parser("verify", help="re-derive every result and check it numerically")
    p.add_argument("--only", default="", help="run only checks whose id starts with this prefix")
    p.add_argument("--out", default="build", help="directory for report.md and report.json")
    p.set_defaults(run=run)


def run(args) -> int:
    """Run the checks, print the table and write the report; exit 1 if a check fails."""
    checks = [c for cid, c in all_checks().items() if cid.startswith(args.only)]
    if not checks:
        raise UsageError(f"no check id starts with {args.only!r}")
    out = outputs.writable_dir(args.out, "--out")
    start = time.perf_counter()
    outcomes = []
    for n, c in enumerate(checks, 1):
        print(f"[{n}/{len(checks)}] {c.id} ...", file=sys.stderr, flush=True)
        outcomes.append(c.run())
        o = outcomes[-1]
        print(f"[{n}/{len(checks)}] {c.id}: {o.status} ({o.seconds:.1f} s)", file=sys.stderr, flush=True)
    total = time.perf_counter() - start
    print(report.table(outcomes))
    report.write(outcomes, total, out)
    print(f"report: {out / 'report.md'}, {out / 'report.json'}")
    return 0 if all(o.status == "pass" for o in outcomes) else 1
