"""Reading run folders written by `stance train`: complete runs only, JSON files with located errors.

A run folder is complete when its completion marker `summary.json` exists: `stance train`
writes it last, inside a staging folder that replaces the run folder only when training
finished. A folder without it (a run from an interrupted older version, or a copy cut
short) is refused by `evaluate`, `predict` and `reproduce`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stance.errors import InputError


def read_json(path: str | Path) -> Any:
    """A JSON file's content; InputError naming the file (and line) when it is missing, unreadable or truncated."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file is missing", path=path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read: {getattr(e, 'strerror', None) or e}", path=path) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON ({e.msg}, column {e.colno}); the file is truncated or damaged",
                         path=path, line=e.lineno) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", path=path) from None


def require_complete_run(run_dir: str | Path) -> dict:
    """run.json of a complete run folder; InputError when it is not a run folder or training did not finish."""
    run_dir = Path(run_dir)
    if not (run_dir / "run.json").exists():
        raise InputError("not a run folder (run.json is missing); train it with `stance train`", path=run_dir)
    info = read_json(run_dir / "run.json")
    if not isinstance(info, dict):
        raise InputError("run.json does not hold an object", path=run_dir / "run.json")
    if not (run_dir / "summary.json").exists():
        raise InputError("incomplete run: summary.json (written when training finishes) is missing; "
                         "train it again with `stance train`", path=run_dir)
    read_json(run_dir / "summary.json")
    return info


def best_on_dev(run_dirs: Iterable[str | Path]) -> Path | None:
    """The run with the highest mean dev macro-F1 in its summary.json (the first on a tie; None for
    no runs): the one rule by which the study picks a model, never looking at test."""
    best, score = None, float("-inf")
    for run_dir in run_dirs:
        dev = read_json(Path(run_dir) / "summary.json")["dev"]["macro_f1"]["mean"]
        if dev > score:
            best, score = Path(run_dir), dev
    return best
