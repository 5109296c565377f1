"""`mesaverify simulate`: train the full [Z] model by gradient descent and report each epoch.

The step is `--lr auto` unless given: 1/λ_max, λ_max the top curvature of the empirical loss at the start and
at the derived end point (`numerics.zheng.sweep.auto_rate`; gradient descent is stable below 2/λ_max).  The
derived limit the run is compared with is printed only inside its hypotheses (the family the flow stays in,
`derivations.zheng.invariance`).  A run that diverges is a result: its epoch and loss history are printed
(`"status": "diverged"` in JSON) and the exit code is 1."""
from __future__ import annotations

import math
import sys
import time

import numpy as np
import sympy as sp

from mesaverify import jsonio, limits, numbers
from mesaverify.checks.core.laws import LawSpec, x1_law
from mesaverify.commands import summary
from mesaverify.commands.lawargs import add_law_arguments, law_from_args
from mesaverify.derivations.zheng.closed import ab_limit
from mesaverify.derivations.zheng.invariance import family
from mesaverify.derivations.zheng.symbols import a0 as A0
from mesaverify.derivations.zheng.symbols import b0 as B0
from mesaverify.errors import RunFailed, UsageError
from mesaverify.numerics.zheng import quartic
from mesaverify.numerics.zheng import train as tr
from mesaverify.numerics.zheng.sweep import auto_rate, draw_x1, hyperbola_point

WARMUP = 8  # epochs on the per-sequence loss before a long run builds the quartic form's moments: a diverging run ends first
AUTO = "1/λ_max, the top curvature of the empirical loss at the start and at the derived end point"


class Diverged(RunFailed):
    """Training diverged: a result (exit 1) whose record, the history so far, is printed first."""

    def __init__(self, message: str, record: dict):
        """The one-line message and the record of the run up to the epoch it diverged at."""
        super().__init__(message)
        self.record = record


def _rate(text: str):
    """--lr: a positive number, or "auto"."""
    return "auto" if text == "auto" else numbers.option_float("--lr")(text)


DESCRIPTION = """Train every entry of W^{KQ} and W^{PV} of [Z]'s one-layer linear attention by full-batch gradient
descent on m sampled sequences x_{t+1} = W x_t (W diagonal with uniform phases, x_1 from the law) and print
each epoch: ab, the loss ½ Σ_t ‖ŷ_t − x_{t+1}‖², the ratio prediction/truth, the test error and the largest
off-diagonal entry.  The derived limit of ab is printed beside the run only where its hypothesis holds (the
flow from a₀I, b₀I stays on aI, bI, or on diag(a_k), diag(b_k)); a run that diverges prints its history and
exits 1."""
EXAMPLES = """examples:
  mesaverify simulate --law sparse --c 2 --d 3 --T 20 --m 200 --a0 0.5 --b0 1.5 --epochs 30
  mesaverify simulate --law gaussian --d 5 --T 100 --m 10000 --a0 0.5 --b0 1.5 --epochs 0   # the step alone"""


A0_DEFAULT, B0_DEFAULT, STD_DEFAULT = 0.1, 0.1, 1.0  # the diagonal start and the Gaussian initialisation's std


def register(sub) -> None:
    """Add `simulate` to the subcommands."""
    p = sub.add_parser("simulate", help=summary("simulate"),
                       description=DESCRIPTION, epilog=EXAMPLES)
    add_law_arguments(p)
    p.add_argument("--m", type=int, default=10000, help="number of training sequences")
    p.add_argument("--test-m", type=int, default=1000, help="number of test sequences")
    p.add_argument("--a0", type=numbers.option_float("--a0"),
                   help=f"diagonal initialisation: W^{{KQ}}_{{d+k,k}} (--init diagonal; default {A0_DEFAULT})")
    p.add_argument("--b0", type=numbers.option_float("--b0"),
                   help=f"diagonal initialisation: W^{{PV}}_{{k,k}} (--init diagonal; default {B0_DEFAULT})")
    p.add_argument("--lr", type=_rate, default="auto",
                   help="learning rate, or auto (default): 1/λ_max of the empirical loss; one step advances the flow by τ = lr")
    p.add_argument("--epochs", type=int, default=200, help="number of gradient steps (full batch)")
    p.add_argument("--mask", action="store_true",
                   help="zero the off-diagonal gradient of the blocks W^{KQ}_{21}, W^{PV}_1")
    p.add_argument("--init", choices=("diagonal", "gaussian"), default="diagonal",
                   help="diagonal: W^{KQ}_{21} = a0·I, W^{PV}_1 = b0·I, all else 0; gaussian: every entry N(0, init-std²)")
    p.add_argument("--init-std", type=numbers.option_float("--init-std"),
                   help=f"standard deviation of the Gaussian initialisation (--init gaussian; default {STD_DEFAULT})")
    p.add_argument("--seed", type=int, default=0, help="seed of the random draws, >= 0")
    p.add_argument("--json", action="store_true",
                   help="print the run as one JSON object (command, version, law, d, T, result)")
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
    if args.lr != "auto" and not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive number, got {args.lr}")
    if args.init != "gaussian" and args.init_std is not None:
        raise UsageError("--init-std applies only with --init gaussian")
    if args.init == "gaussian" and (args.a0 is not None or args.b0 is not None):
        raise UsageError("--a0 and --b0 apply only with --init diagonal")
    args.a0, args.b0 = (A0_DEFAULT if args.a0 is None else args.a0), (B0_DEFAULT if args.b0 is None else args.b0)
    args.init_std = STD_DEFAULT if args.init_std is None else args.init_std
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


def theory(spec: LawSpec, T: int, init: str, mask: bool) -> tuple[dict, list | None]:
    """The derived limit the run is compared with, where its hypotheses hold: ab → u* (the flow stays on aI, bI),
    a_k b_k → u_k* (on diag(a_k), diag(b_k)), else not applicable, with the reason; the record's fields and the
    exact per-coordinate limits (None where there are none)."""
    empty = {"limit_family": None, "ab_limit": None, "ab_limit_float": None, "ab_limits": None, "ab_limits_float": None}
    if init == "gaussian":
        return empty | {"limit_note": "not applicable: the derived limits are for the flow from the diagonal "
                                      "initialisation, this run starts from a Gaussian one"}, None
    found = family(spec.exact(), spec.d, T, masked=mask)
    if found.name == "diagonal":
        value = ab_limit(spec.exact(), spec.d, T)
        return empty | {"limit_family": "diagonal", "ab_limit": str(value), "ab_limit_float": float(value),
                        "limit_note": found.statement()}, None
    if found.name == "per-coordinate":
        assert found.limits is not None  # family() gives a per-coordinate Family its limits
        return empty | {"limit_family": "per-coordinate", "ab_limits": [str(v) for v in found.limits],
                        "ab_limits_float": [jsonio.approx(v) for v in found.limits],
                        "limit_note": found.statement()}, list(found.limits)
    return empty | {"limit_note": f"not applicable: {found.reason}"}, None


def _end_point(record: dict, exact_limits: list | None, a0: float, b0: float, d: int, fallback: float):
    """The diagonal (or per-coordinate) point where the derived flow ends, for the step size's curvature
    (`exact_limits`: the per-coordinate limits, in a_0 and b_0 where they depend on the start)."""
    if record["limit_family"] == "diagonal":
        u = record["ab_limit_float"]
    elif exact_limits is not None:
        u = np.array([float(sp.S(v).subs({A0: sp.Float(a0), B0: sp.Float(b0)})) for v in exact_limits])
    else:
        u = fallback
    return hyperbola_point(a0, b0, u)


def simulate(spec: LawSpec, T: int, m: int, *, a0=0.1, b0=0.1, lr="auto", epochs, mask=False,
             init="diagonal", init_std=1.0, seed=0, test_m=1000, progress=None) -> dict:
    """One seeded run; the JSON-ready record of `mesaverify simulate --json` (`Diverged` if it diverges)."""
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
    record, exact_limits = theory(spec, T, init, mask)
    empirical = tr.ab_empirical_limit(train_set)
    auto = lr == "auto"
    if auto:
        start: tuple[float, float] = (a0, b0) if init == "diagonal" else (0.0, 0.0)
        lr = auto_rate(train_set, K, V, _end_point(record, exact_limits, *start, spec.d, empirical))
    losses = []

    def watch(epoch, epochs, loss):  # the loss history, also of a run that diverges
        losses.append(loss)
        if progress is not None:
            progress(epoch, epochs, loss)

    loss_fn = quartic.empirical_loss(train_set, epochs + 1, warmup=WARMUP)
    rule = {"lr": lr, "lr_rule": AUTO if auto else "given"}
    try:
        K, V, hist = tr.train(loss_fn, K, V, lr, epochs, mask=mask, test=test_set, progress=watch)
    except tr.TrainingDiverged as err:
        step = f"--lr auto = {lr:.6g} ({AUTO})" if auto else f"--lr {lr:.6g}"
        raise Diverged(f"{err}; the step was {step}",
                       {"status": "diverged", "epoch": len(losses), "loss": losses} | rule | record) from None
    finally:
        getattr(progress, "end", lambda: None)()
    a, b = tr.diagonal_entries(K, V)
    return {"status": "ok"} | hist.as_dict() | record | rule | {
        "ab_per_coordinate": [float(v) for v in (a * b).real],
        "ab_empirical_limit": empirical,
        "W_KQ": [[[v.real, v.imag] for v in row] for row in K],
        "W_PV": [[[v.real, v.imag] for v in row] for row in V],
        "tau": [lr * n for n in range(epochs + 1)],
    }


def _table(record: dict) -> None:
    """The run per epoch (as far as it went)."""
    print(f"step: lr = {record['lr']:.6g}" + (f" (auto: {AUTO})" if record["lr_rule"] == AUTO else ""))
    if record["status"] == "diverged":
        print(f"{'epoch':>5} {'loss':>12}")
        for n, loss in enumerate(record["loss"]):
            print(f"{n:>5} {loss:>12.6g}")
        return
    print(f"{'epoch':>5} {'ab':>12} {'loss':>12} {'ratio':>10} {'test error':>12} {'offdiag':>10}")
    for n, row in enumerate(zip(*(record[k] for k in ("ab", "loss", "ratio", "test_error", "offdiag")))):
        print(f"{n:>5} {row[0]:>12.6g} {row[1]:>12.6g} {row[2]:>10.4g} {row[3]:>12.4g} {row[4]:>10.3g}")
    print("trained a_k b_k: " + ", ".join(f"{v:.12g}" for v in record["ab_per_coordinate"]))
    if record["limit_family"] == "diagonal":
        print(f"derived population limit of ab: {record['ab_limit']} ≈ {record['ab_limit_float']:.12g}")
    elif record["limit_family"] == "per-coordinate":
        print(f"derived population limits of a_k b_k: {', '.join(record['ab_limits'])}")
    else:
        print(f"derived population limit: {record['limit_note']}")
    if record["limit_family"]:
        print(f"hypothesis checked: {record['limit_note']}")
    print(f"exact minimiser of this training set's loss on the diagonal family: {record['ab_empirical_limit']:.12g}")


def run(args) -> int:
    """Train one seeded run and print it per epoch (or as JSON); a diverged run prints its history, exit 1."""
    spec = law_from_args(args)
    _validate(args)
    limits.simulate(spec, args.T, args.m, args.test_m)  # memory, work of an epoch, support: before any work
    limits.per_coordinate(spec.exact(), spec.d)  # the exact limit
    where = {"law": spec.label(), "d": spec.d, "T": args.T}
    head = {"m": args.m, "test_m": args.test_m, "epochs": args.epochs, "a0": args.a0, "b0": args.b0,
            "init": args.init, "init_std": args.init_std, "mask": args.mask, "seed": args.seed}
    try:
        record = simulate(spec, args.T, args.m, a0=args.a0, b0=args.b0, lr=args.lr, epochs=args.epochs,
                          mask=args.mask, init=args.init, init_std=args.init_std, seed=args.seed,
                          test_m=args.test_m, progress=ProgressBar() if sys.stderr.isatty() else None)
    except Diverged as err:
        _show(head | err.record, where, args.json)
        raise
    _show(head | record, where, args.json)
    return 0


def _show(record: dict, where: dict, as_json: bool) -> None:
    """The record as strict JSON (law, d, T in the envelope), or as the table."""
    if as_json:
        jsonio.emit("simulate", record, **where)
    else:
        _table(record)
