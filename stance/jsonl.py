"""Reading and writing JSONL files of pydantic records, with located errors."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from stance import atomic
from stance.decoding import decode
from stance.errors import InputError

M = TypeVar("M", bound=BaseModel)


def validation_field(err: ValidationError) -> str:
    """The dotted field path of the first error in a pydantic ValidationError."""
    loc = err.errors()[0].get("loc", ())
    return ".".join(str(p) for p in loc) or "(record)"


def iter_json_objects(path: str | Path, lines: list[str]) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line; InputError names file and line."""
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON: {exc.msg} at column {exc.colno}", path=path, line=n) from None
        except RecursionError:
            raise InputError("JSON nested too deeply", path=path, line=n) from None
        if not isinstance(data, dict):
            raise InputError("expected a JSON object", path=path, line=n)
        yield n, data


def iter_jsonl(path: str | Path, model: type[M], encoding: str = "utf-8") -> Iterator[tuple[int, M]]:
    """Yield (line number, record) for each non-blank line; raise InputError naming file, line, field."""
    path = Path(path)
    lines = decode(path.read_bytes(), encoding, path).splitlines()
    for n, data in iter_json_objects(path, lines):
        try:
            yield n, model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InputError(first["msg"], path=path, line=n, field=validation_field(exc)) from None


def read_jsonl(path: str | Path, model: type[M], encoding: str = "utf-8") -> list[M]:
    """All records of a JSONL file."""
    return [rec for _, rec in iter_jsonl(path, model, encoding)]


def write_jsonl(path: str | Path, records: Iterable[BaseModel | dict]) -> int:
    """Write records one per line (UTF-8, keys in field order); return the count."""
    n = 0
    with atomic.atomic_open(path) as fh:
        for rec in records:
            obj = rec.model_dump(mode="json") if isinstance(rec, BaseModel) else rec
            fh.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
            n += 1
    return n


def read_jsonl_dicts(path: str | Path) -> list[dict]:
    """Every non-blank line of a JSONL file as a dict (no schema); InputError naming the file and
    line of a malformed one."""
    path = Path(path)
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"malformed JSON: {exc.msg}", path=path, line=n) from None
    return rows
