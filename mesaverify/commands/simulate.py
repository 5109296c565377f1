"""`mesaverify simulate`: train the full [Z] model by gradient descent and report each epoch."""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from mesaverify import jsonio, limits, numbers
from mesaverify.checks.core.laws import LawSpec, x1_law
from mesaverify.commands.lawargs import add_law_arguments, law_from_args
from mesaverify.derivations.zheng.closed import ab_limit
from mesaverify.errors import RunFailed, UsageError
from mesaverify.numerics.zheng import train as tr
from mesaverify.numerics.zheng.sweep import draw_x1


def register(sub) -> None:
    """Add `simulate` to the subcommands."""
    p = sub.add_parser("simulate", help="train the full model on sampled sequences ([Z] Figure 1)")
    add_law_arguments(p)
    p.add_argument("--m", type=int, default=10000, help="number of training sequences")
    p.add_argument("--test-m", type=int, default=1000, help="number of test sequences")
    p.add_argument("--a0", type=numbers.option_float("--a0"), default=0.1, help="diagonal initialisation: W^{KQ}_{d+k,k}")
    p.add_argument("--b0", type=numbers.option_float("--b0"), default=0.1, help="diagonal initialisation: W^{PV}_{k,k}")
    p.add_argument("--lr", type=numbers.option_float("--lr"), required=True, help="learning rate (one step advances the flow by τ = lr)")
    p.add_argument("--epochs", type=int, default=200, help="number of gradient steps (full batch)")
    p.add_argument("--mask", action="store_true",
                   help="zero the off-diagonal gradient of the blocks W^{KQ}_{21}, W^{PV}_1")
    p.add_argument("--init", choices=("diagonal", "gaussian"), default="diagonal")
    p.add_argument("--init-std", type=numbers.option_float("--init-std"), default=1.0, help="standard deviation of the Gaussian initialisation")
    p.add_argument("--seed", type=int, default=0, help="seed of the random draws, >= 0")
    p.add_argument("--json", action="store_true", help="print the run as JSON")
    p.set_defaults(run=run)


def _validate(args) -> None:
    """Refuse sizes, rates and scales no run can use."""
    if args.m < 1:
        raise UsageError(f"--m must be >= 1 training sequence, got {args.m}")
    if args.test_m < 1:
        raise UsageError(f"--test-m must be >= 1, got {args.test_m}")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    if args.epochs < 0:
        raise UsageError(f"--epochs must be >= 0, got {args.epochs}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive number, got {args.lr}")
    if not (math.isfinite(args.init_std) and args.init_std > 0):
        raise UsageError(f"--init-std must be a positive number, got {args.init_std}")
    for name in ("a0", "b0"):
        if not math.isfinite(getattr(args, name)):
            raise UsageError(f"--{name.replace('_', '-')} must be finite")


class ProgressBar:
    """A one-line progress bar on stderr (a terminal), redrawn at most ten times a second; `end()` closes its line."""

    def __init__(self, stream=None, width: int = 30):
        """A bar on `stream` (stderr by default), `width` characters wide."""
        self.stream, self.width, self.last, self.open = stream or sys.stderr, width, 0.0, False

    def __call__(self, epoch: int, epochs: int, loss: float) -> None:
        """Redraw the bar for this epoch (at most ten times a second, always at the last)."""
        now = time.perf_counter()
        if epoch < epochs and now - self.last < 0.1:
            return
        self.last = now
        done = int(self.width * epoch / max(epochs, 1))
        bar = "#" * done + "." * (self.width - done)
        self.stream.write(f"\r[{bar}] epoch {epoch}/{epochs}  loss {loss:.6g}")
        self.open = epoch < epochs
        self.stream.write("" if self.open else "\n")
        self.stream.flush()

    def end(self) -> None:
        """End a bar left mid-line (an error or an interrupt), so the next line starts on its own."""
        if self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False


def simulate(spec: LawSpec, T: int, m: int, *, a0=0.1, b0=0.1, lr, epochs, mask=False,
             init="diagonal", init_std=1.0, seed=0, test_m=1000, progress=None) -> dict:
    """One seeded run; the JSON-ready record of `mesaverify simulate --json`."""
    rng = np.random.default_rng(seed)
    law = x1_law(spec)
    with np.errstate(all="ignore"):  # a scale beyond float64 is reported just below
        train_set = tr.draw_sequences(draw_x1(law, spec.d, m, rng), T, rng)
    if not np.isfinite(train_set.x1).all():
        raise UsageError("the sampled x_1 are not finite in float64: the law's scale is too large to simulate")
    if not np.any(train_set.x1):
        raise RunFailed(f"every one of the {m} sampled x_1 is 0 (seed {seed}): the data carry no signal; "
                        "draw more sequences (--m) or take another --seed")
    test_set = tr.TestSet.of(tr.draw_sequences(draw_x1(law, spec.d, test_m, rng), T, rng))
    if init == "gaussian":
        K, V = tr.gaussian_init(spec.d, init_std, rng)
    else:
        K, V = tr.diagonal_init(spec.d, a0, b0)
    loss_fn = tr.EmpiricalLoss(train_set)
    try:
        K, V, hist = tr.train(loss_fn, K, V, lr, epochs, mask=mask, test=test_set, progress=progress)
    except tr.TrainingDiverged as err:
        raise RunFailed(str(err)) from None
    finally:
        getattr(progress, "end", lambda: None)()
    limit = ab_limit(spec.exact(), spec.d, T)
    return hist.as_dict() | {
        "ab_limit": str(limit),
        "ab_limit_float": float(limit),
        "ab_empirical_limit": tr.ab_empirical_limit(train_set),
        "W_KQ": [[[v.real, v.imag] for v in row] for row in K],
        "W_PV": [[[v.real, v.imag] for v in row] for row in V],
        "lr": lr,
        "tau": [lr * n for n in range(epochs + 1)],
    }


def run(args) -> int:
    """Train one seeded run and print it per epoch (or as JSON)."""
    spec = law_from_args(args)
    _validate(args)
    limits.simulate(spec, args.T, args.m, args.test_m)  # memory, work of an epoch, support: before any work
    limits.per_coordinate(spec.exact(), spec.d)  # the exact limit at the end
    record = simulate(spec, args.T, args.m, a0=args.a0, b0=args.b0, lr=args.lr, epochs=args.epochs,
                      mask=args.mask, init=args.init, init_std=args.init_std, seed=args.seed,
                      test_m=args.test_m, progress=ProgressBar() if sys.stderr.isatty() else None)
    if args.json:
        print(jsonio.dumps({"law": spec.label(), "d": spec.d, "T": args.T, "m": args.m} | record))
        return 0
    print(f"{'epoch':>5} {'ab':>12} {'loss':>12} {'ratio':>10} {'test error':>12} {'offdiag':>10}")
    for n, row in enumerate(zip(*(record[k] for k in ("ab", "loss", "ratio", "test_error", "offdiag")))):
        print(f"{n:>5} {row[0]:>12.6g} {row[1]:>12.6g} {row[2]:>10.4g} {row[3]:>12.4g} {row[4]:>10.3g}")
    print(f"derived population limit of ab: {record['ab_limit']} ≈ {record['ab_limit_float']:.12g}")
    print(f"exact minimiser of this training set's loss on the diagonal family: {record['ab_empirical_limit']:.12g}")
    return 0
