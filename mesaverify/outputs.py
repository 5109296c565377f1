"""Files the suite writes (build/ and --out directories) and reads.  Written: checked for writability before
any work, and atomically (a temporary file in the same directory, then os.replace), so a reader — or a second
run writing the same file — never sees a partial file.  Read: regular files only (never a FIFO, a device or a
socket, which could block or never end), at most a stated number of bytes."""
from __future__ import annotations

import os
import stat
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


def read_bytes(path, what: str, limit: int) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them; a UsageError naming `what` for anything
    else (missing, a directory, a FIFO, a device, larger).  The file is opened without blocking and examined
    through its descriptor, so a FIFO or /dev/zero (directly or through a link) is refused before any read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise UsageError(f"cannot read {what}: {err.strerror or err}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a FIFO, device or socket"
            raise UsageError(f"cannot read {what}: not a regular file ({kind}); not read")
        if info.st_size > limit:
            raise UsageError(f"{what}: larger than {_size(limit)} ({info.st_size} bytes); not read")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise UsageError(f"cannot read {what}: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise UsageError(f"{what}: larger than {_size(limit)}; not read")
    return b"".join(chunks)


def _size(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit >> 10} kB" if limit >= 1 << 10 else f"{limit} bytes"


def read_text(path, what: str, limit: int, expected: str = "a text file") -> str:
    """A regular file (`read_bytes`) as UTF-8 text (a byte-order mark dropped)."""
    raw = read_bytes(path, what, limit)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UsageError(f"{what} is not UTF-8 text (byte {err.start}); {expected} was expected") from None
