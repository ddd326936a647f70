"""Bytes to text with a located error: the one decoder behind the readers of user files (articles,
JSONL records, external datasets)."""
from __future__ import annotations

from pathlib import Path

from stance.errors import InputError

ENCODING_HINT = "pass the file's encoding, e.g. --encoding cp1252 or latin-1"


def decode(data: bytes, encoding: str, path: str | Path, line_offset: int = 0, hint: str = ENCODING_HINT) -> str:
    """`data` decoded, or InputError naming the file, the line (`line_offset` lines before `data`
    starts) and the column and value of the first bad byte, with `hint` on what to do."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1 + line_offset
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"byte 0x{data[exc.start]:02x} at column {column} is not valid {encoding}; {hint}",
                         path=path, line=line) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", path=path) from None
