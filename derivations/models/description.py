"""A linear-attention model as data: the process, the token, the prediction, the parameters and the loss.

    ŷ_t = R e_t [residual] + n(t) Σ_h W^{PV}_h Σ_{i ∈ keys(t)} p_i e_i (e_i^* W^{KQ}_h q_t),   q_t = e_{t−lag}

with x_{t+1} = W x_t, W = diag(λ) with i.i.d. uniform phases, x_s = 0 for s ≤ 0, and the token e_t a stack
of blocks x_{t−s} or 0_d.  Only the read-out block row R of W^{PV}_h enters ŷ_t, so a head states that row
(structures per column block) and W^{KQ}_h block by block; absent blocks are zero, a block given more than
once is the sum of its structures (aI + a'(J − I) = a·I + a'·(−1)·I + a'·J).  A block's structure
is zero, a·I ("scalar"), diag(a_1..a_d) ("diag"), g·J ("ones"), g·E_{mn} ("entry") or a dense matrix of
symbols ("dense"); blocks naming the same parameter share it (ties), with an optional rational factor.
The positional weights p_i are the description's (`positional`) or a head's own (`Head.positional`).
The loss is Σ_{t=t0}^{T−1} c E‖ŷ_t − x_{t+1}‖² ("autoregressive") or c E‖ŷ_T − x_{T+1}‖² ("last").

The process (`process`, see `derivations.models.process`): "phases", W = diag(λ) as above; "rotations",
W = blockdiag(R(φ_1), …) with 2×2 rotations R(φ_i), the φ_i i.i.d. uniform (d even); "pairs", W's eigen-form
diag(μ_1, μ̄_1, μ_2, μ̄_2, …) of the same.  Each optionally conjugated by a fixed unitary P (`conjugation`, a
matrix of exact numbers): W becomes P W P^*.  The score of key e_i against the query is e_i^* W^{KQ} q
(`conjugated` = "key", [Z]) or e_i^T W^{KQ} conj(q) ("query", [S] §3.2: s_{T−1}^* A s_t for real A).
A "complex" block is a dense matrix of complex symbols (A[m, n] and its conjugate both enter the loss).

Plain data (no SymPy): numbers are `fractions.Fraction`; blocks and entries are numbered from 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

KINDS = ("zero", "scalar", "diag", "ones", "entry", "dense", "complex")
KEYS = ("1..t", "1..t-1")
NORMALISATIONS = ("1/(t-1)", "1/t", "1/T", "1")
LOSSES = ("autoregressive", "last")
PROCESSES = ("phases", "rotations", "pairs")
CONJUGATED = ("key", "query")


# Names a parameter may not take: the derivations' own symbols (T, d, t, k, τ) and SymPy's constants, which would
# print as the parameter and the constant alike (L = I**2*T*b**2 ...).
RESERVED = frozenset({"T", "d", "t", "k", "tau", "I", "E", "pi", "oo", "zoo", "nan", "S", "N", "O", "Q", "x", "e"})


class InvalidDescription(ValueError):
    """A description that states no model (unknown kinds, blocks outside the token, ...)."""


def _placed(index) -> bool:
    """An entry's row or column: an integer from 1, or a coordinate symbol (a SymPy symbol, the entry's own
    coordinate, for a derivation over every entry at once)."""
    return (isinstance(index, int) and index >= 1) or getattr(index, "is_Symbol", False)


@dataclass(frozen=True)
class Structure:
    """The structure of one d×d block: `kind` with parameter `name`, times `factor` (ties: same name)."""

    kind: str
    name: str = ""
    factor: Fraction = Fraction(1)
    row: int = 0  # "entry": the entry (row, col), from 1, or (derivations only) coordinate symbols
    col: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InvalidDescription(f"a block's kind is one of {KINDS}, not {self.kind!r}")
        if (self.kind != "zero") != bool(self.name) or (self.name and not self.name.isidentifier()):
            raise InvalidDescription(f"a {self.kind} block needs {'a' if self.kind != 'zero' else 'no'} parameter name "
                                     "(letters, digits, _)")
        if self.name in RESERVED:
            raise InvalidDescription(f"the parameter name {self.name} is reserved (the names {', '.join(sorted(RESERVED))} "
                                     "are the derivations' own symbols or SymPy's constants)")
        if (self.kind == "entry") != (_placed(self.row) and _placed(self.col)):
            raise InvalidDescription("an entry block names its (row, col), from 1; no other block does")
        if not isinstance(self.factor, Fraction) or self.factor == 0:
            raise InvalidDescription("a block's factor is a non-zero rational number")


@dataclass(frozen=True)
class Head:
    """W^{KQ}: ((row block, column block, structure), ...); W^{PV}: ((column block, structure), ...) of the
    read-out row.  Blocks from 1."""

    kq: tuple = ()
    pv: tuple = ()
    positional: str = ""  # the head's own positional weights, named (else the description's, if any)


@dataclass(frozen=True)
class Description:
    tokens: tuple  # the shift s of each block, x_{t−s}, or None for 0_d
    heads: tuple  # of Head
    name: str = "model"
    keys: str = "1..t"
    lag: int = 0  # the query q_t = e_{t−lag}
    normalisation: str = "1/(t-1)"
    positional: str = ""  # name of positional weights p_i, or "" for none
    residual: bool = False  # ŷ_t gains the read-out block of e_t
    readout: int = 1  # the block row of W^{PV} that is read
    loss: str = "autoregressive"
    start: int = 2  # t0 of the autoregressive loss
    scale: Fraction = Fraction(1, 2)  # c
    process: str = "phases"
    conjugation: tuple | None = None  # P: rows of exact numbers (Fraction or numbers.ExactComplex), or None for I
    conjugated: str = "key"  # the factor of the score that is conjugated
    notes: tuple = field(default=(), compare=False)

    def __post_init__(self):
        n = len(self.tokens)
        problems = []
        if not 1 <= n or any(s is not None and (not isinstance(s, int) or s < 0) for s in self.tokens):
            problems.append("the token is a non-empty stack of blocks x_{t−s} (s ≥ 0) or 0")
        if not self.heads or not all(isinstance(h, Head) for h in self.heads):
            problems.append("a model has one head or more")
        for n_head, h in enumerate(self.heads, 1):
            if isinstance(h, Head) and bool(h.kq) != bool(h.pv):
                problems.append(f"head {n_head} has {'W^KQ' if h.kq else 'W^PV'} blocks but no "
                                f"{'W^PV' if h.kq else 'W^KQ'} blocks: its output is 0 and its parameters enter nothing")
            for r, c, s in h.kq:
                if not (1 <= r <= n and 1 <= c <= n) or not isinstance(s, Structure):
                    problems.append(f"W^KQ block ({r}, {c}) is outside the {n}×{n} blocks of the token")
            for c, s in h.pv:
                if not 1 <= c <= n or not isinstance(s, Structure):
                    problems.append(f"W^PV block {c} is outside the {n} blocks of the token")
        checks = [(self.keys in KEYS, f"keys one of {KEYS}"), (self.normalisation in NORMALISATIONS,
                  f"normalisation one of {NORMALISATIONS}"), (self.loss in LOSSES, f"loss one of {LOSSES}"),
                  (self.process in PROCESSES, f"process one of {PROCESSES}"),
                  (self.conjugated in CONJUGATED, f"the conjugated factor of the score one of {CONJUGATED}"),
                  (_square(self.conjugation), "a conjugation P given as a square matrix of exact numbers"),
                  (1 <= self.readout <= n, "readout a block of the token"),
                  (isinstance(self.lag, int) and self.lag >= 0, "lag ≥ 0"),
                  (isinstance(self.start, int) and self.start >= 1, "start ≥ 1"),
                  (isinstance(self.scale, Fraction) and self.scale > 0, "scale c > 0 rational"),
                  (all(not n or n.isidentifier() for n in self.weights()), "positional weights named by an identifier"),
                  (not set(self.weights()) & RESERVED, "positional weights with a name that is not reserved")]
        problems += [f"a description has {what}" for ok, what in checks if not ok]
        if self.normalisation == "1/(t-1)" and self.loss == "autoregressive" and self.start < 2:
            problems.append("n(t) = 1/(t−1) needs start ≥ 2")
        if self.residual and self.tokens[self.readout - 1] is None:
            problems.append("a residual reads the read-out block of e_t, which is 0 here")
        if problems:
            raise InvalidDescription("; ".join(dict.fromkeys(problems)))

    def entries_within(self, d) -> str | None:
        """The first "entry" block whose (row, col) lies outside d×d blocks, described; None if there is none."""
        for matrix, h, block, s in self.structures():
            if s.kind == "entry" and isinstance(d, int) and isinstance(s.row, int) and max(s.row, s.col) > d:
                return (f"head {h + 1}, {'W^KQ' if matrix == 'kq' else 'W^PV'} block {block}: the entry "
                        f"({s.row}, {s.col}) is outside the {d}×{d} block")
        return None

    def structures(self):
        """Every (matrix, head, block, structure) with a non-zero structure; matrix "kq" or "pv"."""
        for h, head in enumerate(self.heads):
            for r, c, s in head.kq:
                if s.kind != "zero":
                    yield "kq", h, (r, c), s
            for c, s in head.pv:
                if s.kind != "zero":
                    yield "pv", h, (self.readout, c), s

    def parameters(self) -> dict:
        """name -> kind of every parameter; a name tied across blocks keeps one kind (else refused)."""
        out: dict[str, str] = {}
        for _, _, _, s in self.structures():
            kind = "scalar" if s.kind in ("scalar", "ones", "entry") else s.kind
            if out.setdefault(s.name, kind) != kind:
                raise InvalidDescription(f"parameter {s.name} is tied across blocks of different kinds")
        for name in self.weights():
            if name in out:
                raise InvalidDescription(f"the positional weights and a block share the name {name}")
        return out

    def weights(self) -> tuple:
        """The names of the positional weights in use: the description's and the heads' own, each once."""
        names = [h.positional or self.positional for h in self.heads if isinstance(h, Head)]
        return tuple(n for n in dict.fromkeys(names + [self.positional]) if n)

    def exchangeable(self) -> bool:
        """Whether the structure treats every coordinate alike (only a·I, g·J): symbolic d is then possible."""
        return (self.process == "phases" and self.conjugation is None
                and all(s.kind in ("scalar", "ones") for _, _, _, s in self.structures()))


def _square(P) -> bool:
    """None, or a non-empty square tuple of rows of exact numbers (its unitarity is checked with d, on use)."""
    from numbers import Complex

    if P is None:
        return True
    return (isinstance(P, tuple) and len(P) > 0 and all(isinstance(row, tuple) and len(row) == len(P) for row in P)
            and all(isinstance(v, (Fraction, Complex)) and not isinstance(v, (float, complex)) for row in P for v in row))
