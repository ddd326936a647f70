"""Annotation tooling: export statements for labeling, import labels back, measure agreement.

Labels are kept per field (by default `stance` and `sentiment`, with the label sets of the
project's annotation spec); any other field and label set can be given, so the same tools
serve another label scheme.

- `export_csv` / `export_label_studio`: statements with their context for a labeling team
  (Label Studio's JSON import format, plus the matching labeling-interface XML).
- `read_labels`: a labeled CSV or a Label Studio JSON export, validated row by row.
- `merge_labels`: fold imported labels into gold statements; earlier labels are never lost
  silently: a differing label is a conflict unless `overwrite`, and every change is logged.
- `agreement`: Cohen's kappa (pairwise), Krippendorff's alpha, and per-label confusion.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stance import atomic
from stance.errors import InputError
from stance.records import Statement

DEFAULT_LABELS: dict[str, list[str]] = {
    "stance": ["open", "conditional", "evasive", "rejecting", "none"],
    "sentiment": ["negative", "neutral", "positive"],
}
EXPORT_COLUMNS = ["statement_id", "article_id", "date", "speaker", "actor_id", "kind", "text", "context"]


def _export_row(st: Statement) -> dict:
    """The EXPORT_COLUMNS of one statement, as strings."""
    row = {c: getattr(st, c) for c in EXPORT_COLUMNS if c not in ("statement_id", "date")}
    return {"statement_id": st.id, "date": st.date.isoformat() if st.date else "", **row}


@dataclass(frozen=True)
class LabelRow:
    """One annotator's labels for one statement, with where they came from."""

    statement_id: str
    labels: dict[str, str]
    annotator: str
    source: str  # "file:row"


@dataclass
class MergeResult:
    """What `merge_labels` did: the merged statements and a log of every change."""

    statements: list[Statement]
    changes: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    unchanged: int = 0


# ----------------------------------------------------------------------------- export

def export_csv(statements: Iterable[Statement], path: str | Path, fields: Sequence[str] = ("stance", "sentiment"),
               prefill: bool = False, annotator: str = "") -> int:
    """Write statements to CSV with one empty column per label field (or the current labels if `prefill`).

    `annotator` fills the annotator column (e.g. "first" for a prefilled first pass).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with atomic.atomic_open(path, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*EXPORT_COLUMNS, *fields, "annotator", "comment"])
        writer.writeheader()
        for st in statements:
            row = _export_row(st)
            for f in fields:
                row[f] = (getattr(st, f, None) or "") if prefill else ""
            row["annotator"] = annotator
            writer.writerow(row)
            n += 1
    return n


def label_studio_config(labels: Mapping[str, Sequence[str]]) -> str:
    """The Label Studio labeling-interface XML matching `export_label_studio` tasks."""
    parts = ['<View>', '  <Header value="$speaker ($date)"/>', '  <Text name="context" value="$context"/>',
             '  <Header value="Statement"/>', '  <Text name="text" value="$text"/>']
    for name, values in labels.items():
        parts.append(f'  <Choices name="{name}" toName="text" choice="single" required="true">')
        parts += [f'    <Choice value="{v}"/>' for v in values]
        parts.append('  </Choices>')
    parts.append('</View>')
    return "\n".join(parts) + "\n"


def export_label_studio(statements: Iterable[Statement], path: str | Path,
                        labels: Mapping[str, Sequence[str]] = DEFAULT_LABELS) -> int:
    """Write Label Studio import JSON (a list of tasks) and `<path>.config.xml` beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tasks = []
    for st in statements:
        tasks.append({"data": _export_row(st)})
    atomic.write_text(path, json.dumps(tasks, ensure_ascii=False, indent=1))
    atomic.write_text(path.with_suffix(".config.xml"), label_studio_config(labels))
    return len(tasks)


# ----------------------------------------------------------------------------- import

def _check_label(value: str, fname: str, allowed: Mapping[str, Sequence[str]], path: Path, row: int) -> str:
    value = value.strip()
    if value not in allowed[fname]:
        raise InputError(f"unknown label {value!r}; expected one of {', '.join(allowed[fname])}",
                         path=path, line=row, field=fname)
    return value


def _read_csv_labels(path: Path, allowed: Mapping[str, Sequence[str]], annotator: str | None) -> list[LabelRow]:
    rows: list[LabelRow] = []
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark from a spreadsheet export is not part of a column
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start}); save the CSV as UTF-8", path=path,
                         line=data[:exc.start].count(b"\n") + 1) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise InputError(f"malformed CSV header: {exc}", path=path, line=1) from None
    for required in ("statement_id", *allowed):
        if required not in header:
            raise InputError(f"missing column {required!r} (columns: {', '.join(header)})", path=path, line=1,
                             field=required)
    row_no = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"malformed CSV record ({exc}): an unterminated or stray quote mark", path=path,
                             line=row_no) from None
        sid = (row.get("statement_id") or "").strip()
        if not sid:
            raise InputError("missing statement id", path=path, line=row_no, field="statement_id")
        labels = {}
        for fname in allowed:
            value = (row.get(fname) or "").strip()
            if not value:
                raise InputError("missing label", path=path, line=row_no, field=fname)
            labels[fname] = _check_label(value, fname, allowed, path, row_no)
        who = annotator or (row.get("annotator") or "").strip() or path.stem
        rows.append(LabelRow(sid, labels, who, f"{path}:{row_no}"))
        row_no = reader.line_num + 1
    return rows


def _expect(value: object, kind: type, what: str, path: Path, task: int) -> Any:
    """`value` if it is a `kind`; else InputError naming the task and what was expected."""
    if not isinstance(value, kind):
        raise InputError(f"task {task}: {what} should be a JSON {kind.__name__.replace('dict', 'object')}, "
                         f"not {type(value).__name__}", path=path, line=task, field=what)
    return value


def _read_label_studio(path: Path, allowed: Mapping[str, Sequence[str]], annotator: str | None) -> list[LabelRow]:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start})", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", path=path, line=exc.lineno) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", path=path) from None
    if not isinstance(tasks, list):
        raise InputError("expected a JSON list of tasks (Label Studio JSON export)", path=path)
    rows: list[LabelRow] = []
    for i, task in enumerate(tasks, 1):
        where = f"task {i}"
        task = _expect(task, dict, "task", path, i)
        data = _expect(task.get("data") or {}, dict, "data", path, i)
        sid = str(data.get("statement_id") or "").strip()
        if not sid:
            raise InputError(f"{where}: missing data.statement_id", path=path, line=i, field="statement_id")
        for ann in _expect(task.get("annotations") or [], list, "annotations", path, i):
            ann = _expect(ann, dict, "annotations[]", path, i)
            if ann.get("was_cancelled"):
                continue
            labels: dict[str, str] = {}
            for res in _expect(ann.get("result") or [], list, "result", path, i):
                res = _expect(res, dict, "result[]", path, i)
                name = res.get("from_name")
                choices = _expect(_expect(res.get("value") or {}, dict, "value", path, i).get("choices") or [],
                                  list, "value.choices", path, i)
                if name in allowed and choices:
                    labels[name] = _check_label(str(choices[0]), name, allowed, path, i)
            for fname in allowed:
                if fname not in labels:
                    raise InputError(f"{where}: missing label", path=path, line=i, field=fname)
            who = annotator or str(ann.get("completed_by", "")) or path.stem
            rows.append(LabelRow(sid, labels, who, f"{path}:task {i}"))
    return rows


def read_labels(path: str | Path, known_ids: Iterable[str] | None = None,
                labels: Mapping[str, Sequence[str]] = DEFAULT_LABELS, annotator: str | None = None) -> list[LabelRow]:
    """Read a labeled CSV or Label Studio JSON export and validate every row.

    Errors name the file, row and field: unknown label, unknown statement id (when
    `known_ids` is given), the same statement labeled twice by one annotator, a missing field.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path=path)
    rows = (_read_label_studio if path.suffix.lower() == ".json" else _read_csv_labels)(path, labels, annotator)
    known = set(known_ids) if known_ids is not None else None
    seen: dict[tuple[str, str], str] = {}
    for r in rows:
        line = r.source.rsplit(":", 1)[-1]
        if known is not None and r.statement_id not in known:
            raise InputError(f"unknown statement id {r.statement_id!r}", path=path, line=_row_no(line),
                             field="statement_id")
        key = (r.statement_id, r.annotator)
        if key in seen:
            raise InputError(f"duplicate: statement {r.statement_id!r} already labeled by {r.annotator!r} at "
                             f"{seen[key]}", path=path, line=_row_no(line), field="statement_id")
        seen[key] = r.source
    return rows


def _row_no(text: str) -> int | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else None


# ----------------------------------------------------------------------------- merge

def merge_labels(gold: Sequence[Statement], rows: Iterable[LabelRow], overwrite: bool = False) -> MergeResult:
    """Fold label rows into gold statements.

    A statement without a label gets it; an equal label is left alone; a different label is
    a conflict (kept as it was and reported) unless `overwrite`, in which case it is
    replaced and the old value is recorded in `changes`. Statements not in `rows` are kept.
    """
    by_id = {st.id: st for st in gold}
    updates: dict[str, dict[str, str]] = {}
    result = MergeResult(statements=[])
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    for r in rows:
        st = by_id.get(r.statement_id)
        if st is None:
            raise InputError(f"unknown statement id {r.statement_id!r}", path=r.source.rsplit(":", 1)[0],
                             field="statement_id")
        for fname, new in r.labels.items():
            old = updates.get(r.statement_id, {}).get(fname, getattr(st, fname, None))
            if old == new:
                result.unchanged += 1
                continue
            entry = {"statement_id": r.statement_id, "field": fname, "old": old, "new": new,
                     "annotator": r.annotator, "source": r.source, "time": stamp}
            if old is not None and not overwrite:
                result.conflicts.append(entry)
                continue
            updates.setdefault(r.statement_id, {})[fname] = new
            result.changes.append(entry)
    result.statements = [st.model_copy(update=updates[st.id]) if st.id in updates else st for st in gold]
    return result


def updated_gold_lines(originals: Sequence[dict], gold: Sequence[Statement], changes: Sequence[dict]) -> list[dict]:
    """The gold file's lines (`originals`, parallel to `gold`) with only the changed label fields replaced:
    every other field, known to the toolkit or not (notes, shape tags), is kept as it was, in its order."""
    by_id: dict[str, dict] = {}
    for c in changes:
        by_id.setdefault(c["statement_id"], {})[c["field"]] = c["new"]
    out = []
    for raw, st in zip(originals, gold, strict=True):
        out.append({**raw, **by_id[st.id]} if st.id in by_id else raw)
    return out


# ----------------------------------------------------------------------------- agreement

def agreement(rows: Iterable[LabelRow], fname: str, labels: Sequence[str]) -> dict:
    """Inter-annotator agreement on one label field, over the statements two or more annotators labeled.

    Returns n items, annotators, observed agreement, Cohen's kappa per annotator pair,
    Krippendorff's alpha (nominal, all annotators) and per-pair confusion matrices.
    """
    import krippendorff
    import numpy as np
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    table: dict[str, dict[str, str]] = {}
    for r in rows:
        if fname in r.labels:
            table.setdefault(r.statement_id, {})[r.annotator] = r.labels[fname]
    annotators = sorted({a for item in table.values() for a in item})
    shared = sorted(sid for sid, item in table.items() if len(item) >= 2)
    index = {lab: i for i, lab in enumerate(labels)}
    matrix = np.full((len(annotators), len(shared)), np.nan)
    for j, sid in enumerate(shared):
        for i, a in enumerate(annotators):
            if a in table[sid]:
                matrix[i, j] = index[table[sid][a]]
    pairs = []
    for i in range(len(annotators)):
        for k in range(i + 1, len(annotators)):
            both = [sid for sid in shared if annotators[i] in table[sid] and annotators[k] in table[sid]]
            if not both:
                continue
            labels_a = [table[s][annotators[i]] for s in both]
            labels_b = [table[s][annotators[k]] for s in both]
            # kappa is undefined (0/0) when both annotators used one and the same label throughout
            kappa = (float(cohen_kappa_score(labels_a, labels_b, labels=list(labels)))
                     if len(set(labels_a) | set(labels_b)) > 1 else None)
            pairs.append({
                "annotators": [annotators[i], annotators[k]], "n": len(both),
                "observed_agreement": float(np.mean([x == y for x, y in zip(labels_a, labels_b)])),
                "cohen_kappa": kappa,
                "labels": list(labels),
                "confusion": confusion_matrix(labels_a, labels_b, labels=list(labels)).tolist(),
            })
    alpha = None
    if shared and len(annotators) >= 2 and len(np.unique(matrix[~np.isnan(matrix)])) > 1:
        alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal",
                                         value_domain=list(range(len(labels)))))
    return {"field": fname, "n_items": len(shared), "annotators": annotators, "krippendorff_alpha": alpha,
            "pairs": pairs}
