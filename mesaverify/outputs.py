"""Files the suite writes (build/ and --out directories): checked for writability before any work, and
written atomically (a temporary file in the same directory, then os.replace), so a reader — or a
second run writing the same file — never sees a partial file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mesaverify.errors import UsageError


def writable_dir(path, option: str) -> Path:
    """The directory `path` (created if missing) after a probe file was written there; else a UsageError."""
    if path is None or not str(path).strip():
        raise UsageError(f"{option} must name a directory, got an empty string")
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UsageError(f"{option} {path}: cannot write there ({err.strerror or err})") from None
    return directory


def write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically: a temporary file in the same directory, flushed, then renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically."""
    return write_bytes(path, text.encode("utf-8"))
