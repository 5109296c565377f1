"""`mesaverify figures` and `mesaverify bench`: [Z] Figure 1 with the theory drawn over it, and the timings."""
from __future__ import annotations

from mesaverify.commands import summary


def register(sub) -> None:
    """Add `figures` and `bench` to the subcommands."""
    from mesaverify import figures  # matplotlib loads when figures are drawn; bench sets BLAS threads on import

    p = sub.add_parser("figures", help=summary("figures"),
                       description="Train the runs of [Z] Figure 1 and its appendix (d = 5, T = 100; Gaussian and "
                                   "Example 4.1 laws at three scales from three starts, all-ones masked and unmasked, "
                                   "Gaussian initialisation at std 1 and 0.1) and draw them with the derived limits "
                                   "and ODE; write PNG, PDF and captions with the measured numbers to --out.",
                       epilog="examples:\n  mesaverify figures --quick   # about 2 minutes on 2 cores\n"
                              "  mesaverify figures --out build/figures   # 6 to 9 minutes on 2 cores")
    figures.add_arguments(p)
    p.set_defaults(run=figures.run)

    q = sub.add_parser("bench", help=summary("bench"),
                       description="Time each implementation against a direct reference on the same problem (both "
                                   "on one BLAS thread), check that they agree and that each speed-up reaches its "
                                   "target, and project the wall time of the full figure set against its budget; "
                                   "write build/bench.json. Exit 1 if a result disagrees or a target is missed.",
                       epilog="example:\n  mesaverify bench --out build")
    q.add_argument("--out", default="build", help="directory for bench.json (default build)")
    q.set_defaults(run=_bench)


def _bench(args) -> int:
    from mesaverify import bench

    return bench.run_command(args)
