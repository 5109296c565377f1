"""The numeric side of every check reads no derived value: a static seal over the checks' call graph (that
numerics/ never imports derivations/ is tests/test_package.py's).

From each check's `compare`, every function of the checks package it calls (transitively) is read; any
reference to a function of `derivations` is an error unless it is one of the few that *evaluate the given
expression* (put a law's moments, a point or T into it) or a transcribed formula of a paper's own code.
Derived statements for the report go through `findings`, outside `compare`.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import textwrap

import pytest

from mesaverify.checks.core.registry import all_checks
from tests.checkparams import check_params

DERIVATIONS = "mesaverify.derivations"
# what a compare may call in derivations: evaluating the expression it is given, the exact law it is given
# (moments), symbols, and the papers' transcribed formulas
EVALUATION = {
    f"{DERIVATIONS}.moments", f"{DERIVATIONS}.given", f"{DERIVATIONS}.specialise",
    f"{DERIVATIONS}.zheng.symbols", f"{DERIVATIONS}.sander.symbols",
    f"{DERIVATIONS}.zheng.official", f"{DERIVATIONS}.sander.official",
    f"{DERIVATIONS}.sander.nonaugmented.evaluate", f"{DERIVATIONS}.sander.nonaugmented.on_last_two",
    f"{DERIVATIONS}.sander.nonaugmented.Reading", f"{DERIVATIONS}.sander.nonaugmented.SUITE",
    f"{DERIVATIONS}.sander.minima.Decomposition", f"{DERIVATIONS}.sander.minima.manifestly_nonnegative",
    f"{DERIVATIONS}.sander.augmented.in_parameters", f"{DERIVATIONS}.zheng.beyond.parameter",
    f"{DERIVATIONS}.zheng.model.BLOCKS",
    # a model description read as data: its parameters and how many matrix entries each moves (no expectation)
    f"{DERIVATIONS}.models.description", f"{DERIVATIONS}.models.derive.entries",
    # SymPy's factor with its random generator seeded: the same expression rewritten (for a note), no derivation
    f"{DERIVATIONS}.factoring",
}


def _allowed(name: str) -> bool:
    """An evaluation helper, or no routine at all: a module (its attributes are read one by one) or data
    (a symbol such as d, a constant)."""
    if any(name == e or name.startswith(e + ".") for e in EVALUATION):
        return True
    try:
        importlib.import_module(name)
        return True  # a module
    except ImportError:
        owner, _, attr = name.rpartition(".")
        target = getattr(importlib.import_module(owner), attr, None)
        return not callable(target)


class _Module:
    """A checks module read once: its functions and what its names refer to."""

    def __init__(self, name: str):
        self.name = name
        self.tree = ast.parse(inspect.getsource(importlib.import_module(name)))
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))
                          and hasattr(n, "name")}
        self.aliases: dict[str, str] = {}  # local name → dotted target
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    self.aliases[a.asname or a.name] = a.name


_MODULES: dict[str, _Module] = {}


def _module(name: str) -> _Module:
    if name not in _MODULES:
        _MODULES[name] = _Module(name)
    return _MODULES[name]


def _references(module: _Module, node: ast.AST):
    """Dotted targets of the names and attributes a function body uses (not its decorators: `derive` is there)."""
    for sub in (s for stmt in node.body for s in ast.walk(stmt)):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in module.aliases:
            yield f"{module.aliases[sub.value.id]}.{sub.attr}"
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            if sub.id in module.aliases:
                yield module.aliases[sub.id]
            elif sub.id in module.functions:
                yield f"{module.name}.{sub.id}"


def derivation_calls(module_name: str, function: str) -> set[str]:
    """Every derivations name reachable from checks function `module.function` through the checks' own functions."""
    seen, found, todo = set(), set(), [(module_name, function)]
    while todo:
        mod_name, fn = todo.pop()
        if (mod_name, fn) in seen:
            continue
        seen.add((mod_name, fn))
        module = _module(mod_name)
        for target in _references(module, module.functions[fn]):
            if target.startswith(DERIVATIONS):
                if not _allowed(target):
                    found.add(target)
            elif target.startswith("mesaverify.checks."):
                owner, _, name = target.rpartition(".")
                try:
                    if name in _module(owner).functions:
                        todo.append((owner, name))
                except (ModuleNotFoundError, TypeError, OSError):
                    continue
    return found


CHECKS = all_checks()


@pytest.mark.parametrize("cid", check_params(sorted(CHECKS)))
def test_compare_reads_no_derived_value(cid):
    compare = inspect.unwrap(CHECKS[cid].compare)
    assert not derivation_calls(compare.__module__, compare.__name__), (
        f"{cid}: its compare derives {sorted(derivation_calls(compare.__module__, compare.__name__))}")


def test_the_seal_sees_a_leak():
    """A compare that re-derives a result (here the limit of Theorem 4.1) is caught."""
    source = textwrap.dedent('''
        from mesaverify.derivations.zheng import stationary
        def leaky(expr):
            return helper(expr)
        def helper(expr):
            return stationary.ab_limit(None, 2)
    ''')
    name = "mesaverify.checks._leak_probe"
    module = _Module.__new__(_Module)
    module.name, module.tree = name, ast.parse(source)
    module.functions = {n.name: n for n in module.tree.body if isinstance(n, ast.FunctionDef)}
    module.aliases = {"stationary": f"{DERIVATIONS}.zheng.stationary"}
    _MODULES[name] = module
    assert derivation_calls(name, "leaky") == {f"{DERIVATIONS}.zheng.stationary.ab_limit"}
