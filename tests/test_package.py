"""The distribution is one import package, `mesaverify`, whose layers import only downwards."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import mesaverify

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"derivations": ROOT / "derivations", "numerics": ROOT / "numerics", "checks": ROOT / "checks"}
TOOLS = ROOT / "mesaverify"


def _imports(path: Path) -> set[str]:
    """Every module name a file imports (absolute imports, as written)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


# what each layer may not import: the arrows run down (tools → checks → derivations, numerics), never across
FORBIDDEN = {
    "derivations": ("mesaverify.numerics", "mesaverify.checks", *(f"mesaverify.{p.stem}" for p in TOOLS.glob("*.py"))),
    "numerics": ("mesaverify.derivations", "mesaverify.checks", *(f"mesaverify.{p.stem}" for p in TOOLS.glob("*.py"))),
    "checks": (*(f"mesaverify.{p.stem}" for p in TOOLS.glob("*.py") if p.stem != "__init__"), "mesaverify.commands"),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layers_import_only_downwards(layer):
    bad = []
    for path in sorted(LAYERS[layer].rglob("*.py")):
        for name in _imports(path):
            if name == "mesaverify" or any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_nothing_imports_the_old_top_level_packages():
    old = ("derivations", "numerics", "checks")
    bad = [f"{path.relative_to(ROOT)}: {name}" for folder in (*LAYERS.values(), TOOLS, ROOT / "tests")
           for path in folder.rglob("*.py") for name in _imports(path) if name.split(".")[0] in old]
    assert not bad, "\n".join(bad)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the source tree (the build leaves nothing in the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", "build", ".git", "*.egg-info", "__pycache__",
                                                                ".hypothesis", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                    "-w", str(tmp), str(source)], check=True, capture_output=True, timeout=300)
    (path,) = tmp.glob("mesaverify-*.whl")
    return path


@pytest.mark.slow
def test_the_wheel_holds_one_top_level_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"mesaverify", f"mesaverify-{mesaverify.__version__}.dist-info"}
    sources = [f"mesaverify/{layer}/{path.relative_to(folder)}" for layer, folder in LAYERS.items()
               for path in folder.rglob("*.py")]
    sources += [f"mesaverify/{path.relative_to(TOOLS)}" for path in TOOLS.rglob("*.py")]
    assert sorted(set(sources) - set(names)) == []  # every module of the source tree is in the wheel


@pytest.mark.slow
def test_the_wheel_alone_is_the_library(wheel, tmp_path):
    """Imported from the wheel (not the source tree), the API answers; python -m mesaverify --version too."""
    env = {"PYTHONPATH": str(wheel), "PATH": "/usr/bin:/bin"}
    code = ("import mesaverify as mv; print(mv.__file__); "
            "print(mv.zheng.limit(mv.laws.sparse(d=3, c=2), T=7))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split("\n")
    assert out[0].startswith(str(wheel)) and out[1] == "1/4"
    version = subprocess.run([sys.executable, "-m", "mesaverify", "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120, check=True).stdout
    assert version.strip() == f"mesaverify {mesaverify.__version__}"


def test_the_import_path_is_the_file_path(tmp_path):
    """From a checkout on sys.path (nothing installed needed), every layer is imported from mesaverify/<layer>/:
    the links mesaverify/derivations → ../derivations (and numerics, checks) that every tool follows."""
    for layer in LAYERS:
        link = TOOLS / layer
        assert link.is_symlink() and link.resolve() == LAYERS[layer].resolve(), link
    code = ("import mesaverify.derivations.zheng.loss as a, mesaverify.numerics.zheng.train as b, "
            "mesaverify.checks.core.registry as c; print(a.__file__); print(b.__file__); print(c.__file__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=120, check=True).stdout.split()
    assert out == [str(TOOLS / "derivations/zheng/loss.py"), str(TOOLS / "numerics/zheng/train.py"),
                   str(TOOLS / "checks/core/registry.py")]
