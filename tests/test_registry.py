"""The registry's rules: every check defined under checks/ is listed by its package's `CHECKS` (as Hypothesis's
`_check_exports` holds its exports), and a check is refused without its equation."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

from mesaverify.checks.core.registry import Check, Comparison, all_checks

PACKAGES = ("zheng", "sander", "models")


def _defined(package) -> dict[str, Check]:
    """Every `Check` that a module of the package holds as an attribute, by id."""
    found: dict[str, Check] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        found.update({value.id: value for value in vars(module).values() if isinstance(value, Check)})
    return found


@pytest.mark.parametrize("name", PACKAGES)
def test_every_check_defined_is_listed(name):
    package = importlib.import_module(f"mesaverify.checks.{name}")
    listed = {c.id: c for c in package.CHECKS}
    assert len(listed) == len(package.CHECKS), f"{name}.CHECKS lists a check twice"
    defined = _defined(package)
    assert sorted(set(defined) - set(listed)) == [], f"defined in mesaverify.checks.{name} but not in its CHECKS"
    assert sorted(set(listed) - set(defined)) == [], f"in {name}.CHECKS but defined outside its modules"
    assert all(defined[cid] is c for cid, c in listed.items())


def test_the_packages_are_the_registry():
    assert [c.id for name in PACKAGES for c in importlib.import_module(f"mesaverify.checks.{name}").CHECKS] == list(all_checks())


@pytest.mark.parametrize("equation", ["", (), ("L", ""), None], ids=["empty", "no names", "an empty name", "none"])
def test_a_check_without_an_equation_is_refused(equation):
    with pytest.raises(ValueError, match="equation"):
        Check("Z.x.y", "claim", "reference", lambda: 0, lambda e: Comparison(0.0, 1.0, ""), ("exact",), equation)
