"""Errors that point at the exact place in a user's input."""
from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input: names the file, the line (or row) and the field at fault."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.reason = message
        where = []
        if self.path:
            where.append(self.path if line is None else f"{self.path}:{line}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ConfigError(InputError):
    """A config file that does not validate."""
