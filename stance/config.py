"""Validated YAML configs: one file fully describes a run.

Every config model derives from `StrictModel` (unknown keys are errors). `load_config`
turns a pydantic error into a message that names the file and the field, and suggests
the closest valid key for a typo.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from stance.errors import ConfigError

C = TypeVar("C", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for config sections: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file, reporting syntax errors with their line."""
    path = Path(path)
    if not path.exists():
        raise ConfigError("file not found", path=path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', exc)}", path=path,
                          line=mark.line + 1 if mark else None) from None


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The valid field names of the (sub)model addressed by `loc` (best effort)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        candidates = [ann, *getattr(ann, "__args__", ())]
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if current is None:
            for c in candidates:
                for a in getattr(c, "__args__", ()):
                    if isinstance(a, type) and issubclass(a, BaseModel):
                        current = a
    return list(getattr(current, "model_fields", {}) or [])


def format_validation_error(exc: ValidationError, model: type[BaseModel], path: str | Path,
                            prefix: str = "") -> ConfigError:
    """One readable ConfigError for all problems in `exc`, with 'did you mean' hints; `prefix`
    (e.g. "model.params") is put before every field name."""
    lines = []
    first_field = None
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        field = ".".join(str(p) for p in loc) or "(top level)"
        if prefix:
            field = f"{prefix}.{field}"
        first_field = first_field or field
        msg = err["msg"]
        if err["type"] == "extra_forbidden" and loc:
            close = difflib.get_close_matches(str(loc[-1]), _fields_at(model, loc), n=1, cutoff=0.6)
            msg = f"unknown key {loc[-1]!r}" + (f"; did you mean {close[0]!r}?" if close else "")
        lines.append(f"{field}: {msg}")
    return ConfigError("; ".join(lines), path=path, field=first_field)


def load_config(path: str | Path, model: type[C], overrides: dict[str, Any] | None = None) -> C:
    """Read YAML at `path` and validate it as `model`; raise ConfigError naming file and field."""
    data = read_yaml(path) or {}
    if overrides:
        data = {**data, **overrides}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, model, path) from None
