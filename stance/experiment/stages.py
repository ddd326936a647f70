"""Cached pipeline stages: a stage is skipped when its inputs and parameters are unchanged.

A stage's key is a SHA-256 over the contents of its input files (folders are walked in
name order), its parameters (as canonical JSON) and the package version. The key is
kept in `<work_dir>/.stamps/<stage>.json` with a hash of the stage's outputs; a stage
whose stamp matches and whose outputs still hash to what the stamp recorded is not run
again. The stamp is removed before a stage runs and written only after all its outputs
are in place, so a failed or interrupted run (even with `--force`) is never followed by
"up to date, skipped" on a truncated output.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stance import __version__, atomic


def hash_paths(paths: Iterable[str | Path]) -> str:
    """SHA-256 over the relative names and bytes of every file under `paths`."""
    h = hashlib.sha256()
    for given in paths:
        p = Path(given)
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            h.update(str(f.relative_to(p) if p.is_dir() else f.name).encode())
            h.update(f.read_bytes() if f.exists() else b"<missing>")
    return h.hexdigest()


def code_fingerprint() -> str:
    """SHA-256 over the package's own sources and data files (e.g. the given-name table), so a
    change to either invalidates every stage."""
    root = Path(__file__).resolve().parents[1]  # the whole stance package
    h = hashlib.sha256()
    for f in sorted([*root.rglob("*.py"), *root.rglob("*.tsv")]):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def stage_key(inputs: Sequence[str | Path], params: Any) -> str:
    """The cache key of a stage: its inputs' contents, its parameters and the package's code."""
    blob = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(f"{__version__}|{code_fingerprint()}|{hash_paths(inputs)}|{blob}".encode()).hexdigest()


@dataclass
class StageRunner:
    """Runs named stages in order, skipping those whose stamp is current."""

    work_dir: Path
    force: bool = False
    log: Callable[[str], None] = print

    def run(self, name: str, inputs: Sequence[str | Path], params: Any, outputs: Sequence[str | Path],
            fn: Callable[[], Any]) -> bool:
        """Run `fn` unless cached; return True when it ran."""
        stamp = self.work_dir / ".stamps" / f"{name}.json"
        key = stage_key(inputs, params)
        if not self.force and self._current(stamp, key, outputs):
            self.log(f"[{name}] up to date, skipped")
            return False
        stamp.unlink(missing_ok=True)
        t0 = time.perf_counter()
        self.log(f"[{name}] running")
        fn()
        missing = [str(o) for o in outputs if not Path(o).exists()]
        if missing:
            raise RuntimeError(f"stage {name} did not write {', '.join(missing)}")
        atomic.write_text(stamp, json.dumps({"key": key, "outputs": hash_paths(outputs),
                                             "seconds": round(time.perf_counter() - t0, 2)}))
        self.log(f"[{name}] done in {time.perf_counter() - t0:.1f} s")
        return True

    @staticmethod
    def _current(stamp: Path, key: str, outputs: Sequence[str | Path]) -> bool:
        """The stamp exists, holds `key`, and the outputs exist with the contents it recorded."""
        if not stamp.exists() or not all(Path(o).exists() for o in outputs):
            return False
        try:
            recorded = json.loads(stamp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False  # a damaged stamp: run the stage again
        return (isinstance(recorded, dict) and recorded.get("key") == key
                and recorded.get("outputs") == hash_paths(outputs))
