"""Where a result comes from: the versions of the tool and its libraries, the commit, the machine, the time.

`stamp()` is what report.json and build/expressions.json open with; `same_source(a, b)`
tells whether two stamps were made by the same code (same digest of the package's
sources and same library versions), which is when `make latex` may reuse the
expressions `make verify` derived instead of deriving them again.
"""
from __future__ import annotations

import datetime
import hashlib
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import cast

SCHEMA_VERSION = 2  # of report.json; 1 was the unversioned report (total_seconds, passed, failed, checks)
LIBRARIES = ("sympy", "mpmath", "numpy", "scipy")


def versions() -> dict[str, str]:
    """mesaverify's version, Python's and those of the libraries that compute the results."""
    from importlib.metadata import PackageNotFoundError, version

    from mesaverify import __version__

    out = {"mesaverify": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - every one is a dependency
            out[name] = "unknown"
    return out


def _package_dirs() -> list[Path]:
    import mesaverify.checks
    import mesaverify.derivations
    import mesaverify.numerics

    return [Path(cast(str, m.__file__)).parent for m in (sys.modules["mesaverify"], mesaverify.derivations,
                                                         mesaverify.numerics, mesaverify.checks)]


def commit() -> str | None:
    """The git commit of the source tree (with `+changes` when files differ from it), or None outside a
    git checkout or without git."""
    root = _package_dirs()[0].parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10,
                              stdin=subprocess.DEVNULL)
        if head.returncode != 0:
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+changes" if status.returncode == 0 and status.stdout.strip() else "")


def source_digest() -> str:
    """SHA-256 of every Python source of the package (paths and contents): equal digests, same code."""
    digest = hashlib.sha256()
    for folder in _package_dirs():
        for path in sorted(folder.rglob("*.py")):
            digest.update(f"{folder.name}/{path.relative_to(folder)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def machine() -> dict:
    """The kind of machine the run was on (no host name)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"system": platform.system(), "release": platform.release(), "machine": platform.machine(),
            "python_implementation": platform.python_implementation(), "cpus": cpus}


def stamp() -> dict:
    """The opening fields of report.json and expressions.json."""
    return {"schema_version": SCHEMA_VERSION, **versions(), "commit": commit(), "source_digest": source_digest(),
            "created_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": machine()}


def same_source(a: dict, b: dict) -> bool:
    """Whether two stamps come from the same code: same sources and the same versions of every library."""
    keys = ("source_digest", "mesaverify", "python", *LIBRARIES)
    return all(a.get(k) is not None and a.get(k) == b.get(k) for k in keys)
