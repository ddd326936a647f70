"""Bring your own data: labeled statements from CSV, TSV, JSONL, SemEval-2016 Task 6 and P-Stance.

An `ExternalSource` (the `external:` section of a dataset config) names the files, their
format and a column mapping onto the dataset's fields:

    external:
      format: csv                       # csv | tsv | jsonl | semeval2016 | pstance
      train: [data/my/train.csv]        # official splits, kept as they are ...
      test: [data/my/test.csv]
      # files: [data/my/all.csv]        # ... or one unsplit set for random/temporal splits
      columns: {text: body, label: stance, target: topic, group: thread_id, date: created, id: id}

- `semeval2016`: tab-separated `ID, Target, Tweet, Stance` (more columns such as
  `Opinion Towards` and `Sentiment` are allowed), CRLF line ends, tweets ending in
  `#SemST` (stripped and counted), Stance FAVOR / AGAINST / NONE; `UNKNOWN` (the
  unlabeled test release) counts as no label.
- `pstance`: CSV with `Tweet, Target, Stance`.

Files are decoded line by line with `encoding`; a line that is not valid in it is decoded
with `fallback_encoding` (default cp1252, as the SemEval-2016 training file needs), and
every such line is reported in `LoadReport.fallback_lines` and in the dataset card. With
`fallback_encoding: null` such a line is an InputError naming file, line and byte.

Every row becomes an `ExternalRecord` with `origin` "file:line"; statement ids are
`<file stem>:<id>` (or `<file stem>:<line>` without an id column), so ids from several
files never collide. A missing column, an empty text, a duplicate id or a bad date is an
InputError naming file, line and field.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from stance.config import StrictModel
from stance.decoding import decode
from stance.errors import InputError
from stance.jsonl import iter_json_objects

Format = Literal["csv", "tsv", "jsonl", "semeval2016", "pstance"]


class ColumnMap(StrictModel):
    """Which source column holds each dataset field (None: not in the source)."""

    text: str = "text"
    label: str | None = "label"
    target: str | None = None
    group: str | None = None
    date: str | None = None
    id: str | None = None
    sentiment: str | None = None
    speaker: str | None = None
    actor: str | None = None
    context: str | None = None


FORMAT_COLUMNS: dict[str, ColumnMap] = {
    "semeval2016": ColumnMap(text="Tweet", label="Stance", target="Target", id="ID"),
    "pstance": ColumnMap(text="Tweet", label="Stance", target="Target"),
}


class ExternalSource(StrictModel):
    """Labeled statements from files outside the project's article/gold format."""

    format: Format
    train: list[Path] = Field(default_factory=list)
    dev: list[Path] = Field(default_factory=list)
    test: list[Path] = Field(default_factory=list)
    files: list[Path] = Field(default_factory=list)
    columns: ColumnMap | None = None
    target: str | None = Field(default=None, description="target for every row when no target column is mapped")
    encoding: str = "utf-8"
    fallback_encoding: str | None = "cp1252"
    strip_suffix: list[str] | None = Field(default=None, description="default: ['#SemST'] for semeval2016")
    unlabeled_values: list[str] = Field(default_factory=lambda: ["UNKNOWN", ""])
    date_format: str | None = Field(default=None, description="strptime format; default ISO-8601")

    @model_validator(mode="after")
    def _files_given(self) -> "ExternalSource":
        official = self.train or self.dev or self.test
        if official and self.files:
            raise ValueError("give either official splits (train/dev/test) or files, not both")
        if not official and not self.files:
            raise ValueError("no files: give train/test (official splits) or files")
        if official and not (self.train and self.test):
            raise ValueError("official splits need at least train and test files")
        for enc in (self.encoding, self.fallback_encoding):
            if enc:
                try:
                    "".encode(enc)
                except LookupError:
                    raise ValueError(f"unknown encoding {enc!r}") from None
        return self

    @property
    def column_map(self) -> ColumnMap:
        return self.columns or FORMAT_COLUMNS.get(self.format) or ColumnMap()

    @property
    def suffixes(self) -> list[str]:
        if self.strip_suffix is not None:
            return self.strip_suffix
        return ["#SemST"] if self.format == "semeval2016" else []

    @property
    def official(self) -> bool:
        return bool(self.train)

    def file_splits(self) -> list[tuple[Path, str | None]]:
        """(path, official split or None) for every file, in config order."""
        if self.official:
            return [(p, s) for s in ("train", "dev", "test") for p in getattr(self, s)]
        return [(p, None) for p in self.files]


@dataclass
class ExternalRecord:
    """One labeled row of an external source."""

    id: str
    text: str
    label: str | None
    origin: str
    target: str | None = None
    group: str | None = None
    date: dt.date | None = None
    sentiment: str | None = None
    speaker: str = ""
    actor_id: str | None = None
    context: str = ""
    official_split: str | None = None


@dataclass
class LoadReport:
    """What loading did besides reading rows: encoding fallbacks and stripped suffixes."""

    files: list[str] = field(default_factory=list)
    rows: int = 0
    fallback_lines: list[str] = field(default_factory=list)
    fallback_encoding: str | None = None
    stripped_suffix: int = 0

    def as_dict(self) -> dict:
        return {"files": self.files, "rows": self.rows, "fallback_encoding": self.fallback_encoding,
                "fallback_lines": self.fallback_lines, "stripped_suffix": self.stripped_suffix}

    def summary(self) -> str:
        parts = [f"{self.rows} rows from {len(self.files)} file(s)"]
        if self.fallback_lines:
            parts.append(f"{len(self.fallback_lines)} line(s) decoded as {self.fallback_encoding} "
                         f"(not valid UTF-8): {', '.join(self.fallback_lines[:5])}"
                         + (" ..." if len(self.fallback_lines) > 5 else ""))
        if self.stripped_suffix:
            parts.append(f"suffix stripped from {self.stripped_suffix} text(s)")
        return "; ".join(parts)


# ----------------------------------------------------------------------------- decoding

def decode_lines(path: Path, encoding: str, fallback: str | None, report: LoadReport) -> list[str]:
    """The lines of a file (CR LF or LF, ends removed), each decoded with `encoding` or, failing
    that, with `fallback` (reported); raise InputError naming line and byte without a fallback."""
    if not path.exists():
        raise InputError("no such file", path=path)
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out = []
    for n, raw in enumerate(data.split(b"\n"), 1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            out.append(decode(raw, encoding, path, n - 1, hint="set fallback_encoding (e.g. cp1252) or fix the file"))
        except InputError:
            if not fallback:
                raise
            out.append(decode(raw, fallback, path, n - 1, hint=f"not valid {encoding} either"))
            report.fallback_lines.append(f"{path}:{n}")
            report.fallback_encoding = fallback
    if out and out[-1] == "":
        out.pop()
    return out


def _table_rows(path: Path, lines: list[str], delimiter: str,
                quoting: Literal[0, 1, 2, 3]) -> Iterator[tuple[int, dict]]:  # quoting: a csv.QUOTE_* constant
    """(line, row dict) of a delimited file; header on the first line."""
    reader = csv.reader(io.StringIO("\n".join(lines) + "\n", newline=""), delimiter=delimiter, quoting=quoting)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("empty file (no header row)", path=path, line=1) from None
    header = [h.strip() for h in header]
    line = 1
    for values in reader:
        start = line + 1
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header) and not any(v.strip() for v in values[len(header):]):
            values = values[:len(header)]
        if len(values) != len(header):
            raise InputError(f"{len(values)} fields, the header has {len(header)}", path=path, line=start)
        yield start, dict(zip(header, values))


class _JsonRow(dict):
    """A JSONL object (optional keys may be missing)."""


def _jsonl_rows(path: Path, lines: list[str]) -> Iterator[tuple[int, dict]]:
    for n, obj in iter_json_objects(path, lines):
        yield n, _JsonRow(obj)


def _rows(source: ExternalSource, path: Path, report: LoadReport) -> Iterator[tuple[int, dict]]:
    lines = decode_lines(path, source.encoding, source.fallback_encoding, report)
    if source.format == "jsonl":
        return _jsonl_rows(path, lines)
    if source.format in ("tsv", "semeval2016"):
        # SemEval tweets contain bare quote marks: no CSV quoting in tab-separated files
        return _table_rows(path, lines, "\t", csv.QUOTE_NONE)
    return _table_rows(path, lines, ",", csv.QUOTE_MINIMAL)


# ----------------------------------------------------------------------------- records

def _value(row: dict, column: str | None, path: Path, line: int, required: bool = False) -> str | None:
    """The stripped value of `column`; a JSONL object may omit an optional key, a table may not."""
    if column is None:
        return None
    if column not in row:
        if required or not isinstance(row, _JsonRow):
            raise InputError(f"no column {column!r}; the row has {sorted(row)}", path=path, line=line, field=column)
        return None
    value = row[column]
    if value is None:
        return None
    return str(value).strip()


def _date(value: str | None, fmt: str | None, path: Path, line: int, column: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        if fmt:
            return dt.datetime.strptime(value, fmt).date()
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(f"unparsable date {value!r} (expected {fmt or 'ISO-8601, YYYY-MM-DD'})",
                         path=path, line=line, field=column) from None


def load_external(source: ExternalSource) -> tuple[list[ExternalRecord], LoadReport]:
    """All rows of `source` as ExternalRecords, with a report of encoding fallbacks and stripped suffixes."""
    cols = source.column_map
    report = LoadReport()
    records: list[ExternalRecord] = []
    for path, split in source.file_splits():
        path = Path(path)
        report.files.append(str(path))
        seen: dict[str, int] = {}
        for line, row in _rows(source, path, report):
            text = _value(row, cols.text, path, line, required=True) or ""
            for suffix in source.suffixes:
                if suffix and text.endswith(suffix):
                    text = text[: -len(suffix)].rstrip()
                    report.stripped_suffix += 1
            if not text:
                raise InputError("empty text", path=path, line=line, field=cols.text)
            raw_id = _value(row, cols.id, path, line) if cols.id else str(line)
            if not raw_id:
                raise InputError("empty id", path=path, line=line, field=cols.id)
            if raw_id in seen:
                raise InputError(f"duplicate id {raw_id!r} (first at line {seen[raw_id]})", path=path, line=line,
                                 field=cols.id)
            seen[raw_id] = line
            label = _value(row, cols.label, path, line)
            if label is not None and label in source.unlabeled_values:
                label = None
            sentiment = _value(row, cols.sentiment, path, line)
            records.append(ExternalRecord(
                id=f"{path.stem}:{raw_id}",
                text=text,
                label=label,
                origin=f"{path}:{line}",
                target=_value(row, cols.target, path, line) or source.target,
                group=_value(row, cols.group, path, line) or None,
                date=_date(_value(row, cols.date, path, line), source.date_format, path, line, cols.date),
                sentiment=sentiment or None,
                speaker=_value(row, cols.speaker, path, line) or "",
                actor_id=_value(row, cols.actor, path, line) or None,
                context=_value(row, cols.context, path, line) or "",
                official_split=split,
            ))
    report.rows = len(records)
    return records, report
