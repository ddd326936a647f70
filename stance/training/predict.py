"""Classifying statements of new articles with trained models.

`predict_file(model_paths, input_path, out_path)` reads articles (any format `stance.corpus.readers`
reads), extracts their statements with `stance.extraction.quotes`, classifies each statement with every
model given (e.g. one stance run and one sentiment run), and writes one JSON line per
statement: the Statement fields plus `<task>` (the label), `<task>_probs` ({label: p}) and
`<task>_model` (a label the input already had moves to `<task>_input`). A JSONL file of Statement records (lines with `speaker`, `start` and `end`)
is classified as it is, without extraction.

A model path is a run folder (runs/<name>: the seed with the best dev macro-F1 is used unless
`seed` is given) or a saved model folder (one with manifest.json).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stance.errors import InputError
from stance.jsonl import iter_jsonl, write_jsonl
from stance.models import StanceModel, load_model
from stance.records import Statement
from stance.run_folder import read_json, require_complete_run


@dataclass
class Predictor:
    """A loaded model with the task it labels and a name for provenance."""

    model: StanceModel
    task: str
    name: str


def resolve_model_dir(path: str | Path, seed: int | None = None) -> tuple[Path, str, str]:
    """(model folder, task, name) for a run folder or a saved model folder."""
    path = Path(path)
    if (path / "manifest.json").exists():
        run_dir = path.parent.parent
        if not (run_dir / "run.json").exists():
            return path, "label", path.name
        return path, str(require_complete_run(run_dir).get("task", "label")), run_dir.name
    if not (path / "run.json").exists():
        raise InputError("neither a run folder (run.json) nor a saved model (manifest.json)", path=path)
    info = require_complete_run(path)
    if seed is None:
        scores = {}
        for d in path.glob("seed_*"):
            metrics = d / "metrics.json"
            if metrics.exists() and (d / "model" / "manifest.json").exists():
                m = read_json(metrics)
                scores[int(d.name.split("_", 1)[1])] = m.get("dev", {}).get("macro_f1") or 0.0
        if not scores:
            raise InputError("the run folder holds no trained seed", path=path)
        seed = max(sorted(scores), key=lambda s: scores[s])
    model_dir = path / f"seed_{seed}" / "model"
    if not (model_dir / "manifest.json").exists():
        raise InputError(f"no trained model for seed {seed}", path=model_dir)
    return model_dir, info.get("task", "label"), f"{info.get('name', path.name)}/seed_{seed}"


def load_predictor(path: str | Path, seed: int | None = None) -> Predictor:
    """Load the model of a run folder (best dev seed by default) or of a model folder."""
    model_dir, task, name = resolve_model_dir(path, seed)
    return Predictor(load_model(model_dir), task, name)


def statements_frame(statements: list[Statement]) -> pd.DataFrame:
    """The model input columns for statements (target is empty: new articles have none)."""
    return pd.DataFrame({
        "statement_id": [s.id for s in statements], "text": [s.text for s in statements],
        "speaker": [s.speaker for s in statements], "actor_id": [s.actor_id for s in statements],
        "context": [s.context for s in statements], "article_id": [s.article_id for s in statements],
        "date": [s.date.isoformat() if s.date else None for s in statements],
        "target": [""] * len(statements), "cue": [s.cue for s in statements],
    })


def classify(predictors: list[Predictor], statements: list[Statement]) -> list[dict]:
    """Statement records with each predictor's label and probabilities added."""
    records = [s.model_dump(mode="json") for s in statements]
    if not statements:
        return records
    X = statements_frame(statements)
    for p in predictors:
        pred, probs = p.model.predict_with_proba(X)
        classes = [str(c) for c in p.model.classes_]
        for rec, label, row in zip(records, pred, probs):
            if rec.get(p.task) is not None:  # a label the input already had is kept beside the prediction
                rec[f"{p.task}_input"] = rec[p.task]
            rec[p.task] = str(label)
            rec[f"{p.task}_probs"] = {c: round(float(v), 6) for c, v in zip(classes, row)}
            rec[f"{p.task}_model"] = p.name
    return records


def _is_statement_file(path: Path) -> bool:
    if path.is_dir() or path.suffix.lower() != ".jsonl":
        return False
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                try:
                    first = json.loads(line)
                except json.JSONDecodeError:
                    return False
                return isinstance(first, dict) and {"speaker", "start", "end"} <= set(first)
    return False


def read_or_extract(input_path: str | Path, actors: str | Path | None = None, workers: int = 1,
                    exclude: Sequence[str | Path] = ()) -> list[Statement]:
    """Statements from a Statement JSONL file, or extracted from the articles at `input_path` (leaving out
    the files in `exclude`, e.g. the command's own output inside the input folder)."""
    input_path = Path(input_path)
    if not input_path.exists():
        raise InputError("input not found", path=input_path)
    if _is_statement_file(input_path):
        return [s for _, s in iter_jsonl(input_path, Statement)]
    from stance.corpus.readers import read_articles
    from stance.extraction.actors import load_registry
    from stance.extraction.quotes import extract_corpus

    articles = read_articles(input_path, exclude=exclude).articles
    return extract_corpus(articles, load_registry(actors) if actors else None, workers=workers)


def predict_file(model_paths: list[str | Path], input_path: str | Path, out_path: str | Path,
                 seed: int | None = None, actors: str | Path | None = None, workers: int = 1) -> int:
    """Extract (if needed) and classify the statements of `input_path`; write JSONL; return the count."""
    predictors = [load_predictor(p, seed) for p in model_paths]
    tasks = [p.task for p in predictors]
    if len(set(tasks)) != len(tasks):
        raise InputError(f"two models label the same task: {tasks}")
    statements = read_or_extract(input_path, actors, workers, exclude=[out_path])
    return write_jsonl(out_path, classify(predictors, statements))
