"""Atomic file output: write to a temporary file in the same folder, then move it into place.

Every output file of the toolkit goes through here, so an interrupted or failed write (a
kill, a full disk, a file-size limit, an exception half-way through a generator) leaves
the previous file intact and no half-written file under the final name. `os.replace` is
atomic on POSIX and Windows when both paths are on one file system, which a sibling
temporary file guarantees.

    with atomic_open(path) as fh:      # text, UTF-8
        fh.write(...)
    write_text(path, text)
    with atomic_path(path) as tmp:     # for writers that want a path (savefig, skops, safetensors)
        fig.savefig(tmp, format="png")
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from stance.errors import InputError


def _temp_name(path: Path) -> Path:
    """A hidden sibling of `path` that no reader globbing `*.jsonl` / `*.csv` picks up."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise InputError("output path is a folder, not a file", path=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create the output folder: {e.strerror or e}", path=path.parent) from None
    if not path.parent.is_dir():
        raise InputError("the output's parent is not a folder", path=path.parent)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success move it onto `path`, on failure remove it."""
    path = Path(path)
    _check_target(path)
    tmp = _temp_name(path)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"the writer produced no file at {tmp}")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, (PermissionError, IsADirectoryError, NotADirectoryError)) or \
                e.errno in (errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EDQUOT):
            raise InputError(f"cannot write: {e.strerror or e}", path=path) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file for writing; it replaces `path` only when the block ends without error."""
    if "b" in mode:
        encoding = None
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=encoding, newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """`Path.write_text`, atomically."""
    with atomic_open(path, "w", encoding=encoding) as fh:
        fh.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    """`Path.write_bytes`, atomically."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)
