"""Reading a corpus of news articles, and grouping near-duplicate articles.

`read_articles(path)` reads a file or a folder (searched recursively, hidden files
skipped) of articles in any of these formats, by suffix:

- `.jsonl`: one JSON object per line with `id`, `title`, `date` (ISO-8601, a timestamp is
  cut to its date), `source`, `url` or `source_urls`, `text`, and optional `language`,
  `authors`.
- `.csv`: a header row with the same columns; `source_urls` and `authors` hold several
  values separated by `;`.
- `.txt`: a header block of `key: value` lines, a blank line, then the body:

      id: 2025-05-16-istanbul-talks
      title: Delegations meet in Istanbul
      date: 2025-05-16
      source: Wire
      url: https://example.org/istanbul-talks
      authors: A. Writer; B. Writer

      ISTANBUL, May 16 - ...

  Keys: `id` (default: the file name without suffix), `title`, `date` (required),
  `source`, `url` (repeatable), `language`, `authors`.
- `.html` / `.htm`: text, title, date and site name are taken by trafilatura; the id is
  the file name without suffix.

Every record is validated as a `stance.records.Article`. A bad record (malformed JSON,
missing or unparsable date, empty text, duplicate id, bytes that are not valid in the
given encoding) raises `InputError` naming file, line and field; with
`skip_invalid=True` it is instead counted and kept in `ReadResult.rejects` (and written
to `rejects_path` as JSONL with its reason), so nothing disappears silently.

`assign_clusters(articles)` gives copies of the same story (near-duplicate texts, by
MinHash over word shingles) a shared `cluster_id`, so later splits keep them together.
"""
from __future__ import annotations

import csv
import difflib
import json
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from stance.decoding import decode
from stance.errors import InputError
from stance.jsonl import validation_field, write_jsonl
from stance.records import Article

SUFFIXES = {".jsonl": "jsonl", ".csv": "csv", ".txt": "txt", ".html": "html", ".htm": "html"}
TXT_KEYS = {"id", "title", "date", "source", "url", "language", "authors"}


@dataclass(frozen=True)
class Reject:
    """A record that was not read, with where it was and why."""

    path: str
    line: int | None
    field: str | None
    reason: str
    record: str

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "field": self.field, "reason": self.reason,
                "record": self.record}


@dataclass
class ReadResult:
    """The articles read, and the records rejected (only in `skip_invalid` mode)."""

    articles: list[Article]
    rejects: list[Reject] = field(default_factory=list)
    files: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def summary(self) -> str:
        """One line: how many articles were read from how many files, and how many rejected."""
        return (f"{len(self.articles)} articles read from {self.files} file(s), "
                f"{self.rejected} rejected")


# ----------------------------------------------------------------------------- helpers

def is_stance_output(path: Path) -> bool:
    """A file `stance extract` / `stance predict` wrote (it has a `.meta.json` sidecar) or a rejects file."""
    return path.name.endswith(".rejects.jsonl") or path.with_name(path.stem + ".meta.json").exists()


def corpus_files(path: str | Path, exclude: Sequence[str | Path] = ()) -> list[Path]:
    """The article files at `path`: the file itself, or the supported files of a folder (recursive),
    leaving out hidden files, the toolkit's own outputs and the paths in `exclude` (a command's outputs)."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", path=path)
    if path.is_file():
        if path.suffix.lower() not in SUFFIXES:
            raise InputError(f"unsupported file type {path.suffix!r}; expected one of {', '.join(sorted(SUFFIXES))}",
                             path=path)
        return [path]
    skip = {Path(p).resolve() for p in exclude}
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                   and not any(part.startswith(".") for part in p.relative_to(path).parts)
                   and not is_stance_output(p) and p.resolve() not in skip)
    if not files:
        raise InputError(f"no article files ({', '.join(sorted(SUFFIXES))}) in this folder", path=path)
    return files


ARTICLE_KEYS = {*Article.model_fields, "url"}


class UnknownKeyWarning(UserWarning):
    """An article record has a key the toolkit does not read (often a misspelling)."""


def validate_article(data: dict, path: Path, line: int | None) -> Article:
    """An Article from a raw record, or InputError naming file, line and field.

    Keys the toolkit does not read are ignored with an UnknownKeyWarning that names them and
    the known key they most resemble (`titel` -> `title`).
    """
    date = data.get("date")
    if date is None or (isinstance(date, str) and not date.strip()):
        raise InputError("missing date (want ISO-8601, e.g. 2025-05-16)", path=path, line=line, field="date")
    unknown = sorted(k for k in data if k not in ARTICLE_KEYS)
    for key in unknown:
        close = difflib.get_close_matches(str(key), sorted(ARTICLE_KEYS), n=1)
        where = f"{path}:{line}" if line else str(path)
        warnings.warn(UnknownKeyWarning(f"{where}: unknown key {key!r} ignored"
                                        + (f" (did you mean {close[0]!r}?)" if close else "")), stacklevel=2)
    if not str(data.get("id") or "").strip():
        raise InputError("missing id", path=path, line=line, field="id")
    try:
        return Article.model_validate(data)
    except ValidationError as exc:
        fld = validation_field(exc)
        msg = exc.errors()[0]["msg"]
        if fld == "date" and exc.errors()[0].get("type") == "value_error":  # the range and number checks
            msg = msg.removeprefix("Value error, ")
        elif fld == "date":
            msg = f"unparsable date {data.get('date')!r} (want ISO-8601, e.g. 2025-05-16)"
        elif fld == "text" and "empty" in msg:
            msg = "empty text"
        raise InputError(msg, path=path, line=line, field=fld) from None


def _field_holding(raw: str, needle: str) -> str | None:
    """The top-level JSON field whose value contains `needle`, if `raw` parses."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict):
        for key, value in data.items():
            if needle in json.dumps(value, ensure_ascii=False):
                return key
    return None


def split_multi(value: object) -> list[str]:
    """A list from a list, or from a string of values separated by ';'."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(";") if v.strip()]


# ----------------------------------------------------------------------------- per format
# Each reader yields (line, raw record as text, article or InputError).

Item = tuple[int | None, str, "Article | InputError"]


def _read_jsonl(path: Path, encoding: str) -> Iterator[Item]:
    for n, raw_bytes in enumerate(path.read_bytes().split(b"\n"), 1):
        try:
            raw = decode(raw_bytes, encoding, path, n - 1)
        except InputError as exc:
            raw = raw_bytes.decode(encoding, errors="replace")
            exc.field = _field_holding(raw, "\ufffd")
            yield n, raw, InputError(exc.reason, path=path, line=n, field=exc.field)
            continue
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield n, raw, InputError(f"malformed JSON: {exc.msg} at column {exc.colno}", path=path, line=n)
            continue
        except RecursionError:
            yield n, raw[:200], InputError("JSON nested too deeply", path=path, line=n)
            continue
        if not isinstance(data, dict):
            yield n, raw, InputError("expected a JSON object", path=path, line=n)
            continue
        try:
            yield n, raw, validate_article(data, path, n)
        except InputError as exc:
            yield n, raw, exc


CSV_FIELD_LIMIT = 16 * 1024 * 1024  # characters; the csv module's default (128 KB) is below some article texts


def _csv_records(lines: list[str], header: list[str], path: Path) -> Iterator[tuple[int, dict | InputError]]:
    """(line, row) for every record after the header line of a CSV file's `lines`, parsed strictly.

    A malformed record (an unterminated quote, text after a closing quote, a field over the
    size limit) is yielded as an InputError with the line it starts on, and parsing resumes
    on the next line, so one bad quote never swallows the records after it.
    """
    start = 1  # index in `lines` where the current reader begins
    while start < len(lines):
        reader = csv.DictReader(lines[start:], fieldnames=header, strict=True)
        line = start + 1
        try:
            for row in reader:
                yield line, row
                line = start + reader.line_num + 1
            return
        except csv.Error as exc:
            reason = str(exc)
            if "unexpected end of data" in reason or "expected after" in reason:
                reason = f"malformed CSV record ({reason}): an unterminated or stray quote mark"
            yield line, InputError(reason, path=path, line=line)
            start = line  # resume on the line after the bad record's first line


def _read_csv(path: Path, encoding: str) -> Iterator[Item]:
    text = decode(path.read_bytes(), encoding, path).removeprefix("\ufeff")  # a byte-order mark is not a column
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(lines[:1]), [])
    missing = {"id", "date", "text"} - set(header)
    if missing:
        raise InputError(f"missing column(s) {', '.join(sorted(missing))} in the header row", path=path, line=1)
    for line, row in _csv_records(lines, header, path):
        if isinstance(row, InputError):
            yield line, "", row
            continue
        raw = json.dumps(row, ensure_ascii=False)
        data: dict = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        if None in row:
            yield line, raw, InputError(f"row has {len(row) - 1 + len(row[None])} fields, the header "
                                        f"{len(row) - 1}", path=path, line=line)
            continue
        for key in ("source_urls", "authors"):
            if key in data:
                data[key] = split_multi(data[key])
        try:
            yield line, raw, validate_article(data, path, line)
        except InputError as exc:
            yield line, raw, exc


def parse_txt(text: str, path: Path) -> dict:
    """The record of a .txt article: header `key: value` lines, a blank line, the body."""
    head, sep, body = text.replace("\r\n", "\n").partition("\n\n")
    data: dict = {"id": path.stem, "source_urls": []}
    for n, line in enumerate(head.splitlines(), 1):
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or key not in TXT_KEYS:
            raise InputError(f"header line {line[:60]!r} is not 'key: value' with key one of "
                             f"{', '.join(sorted(TXT_KEYS))}; put a blank line between header and body",
                             path=path, line=n, field=key if colon else None)
        value = value.strip()
        if key == "url":
            data["source_urls"].append(value)
        elif key == "authors":
            data["authors"] = split_multi(value)
        else:
            data[key] = value
    data["text"] = body.strip("\n") if sep else ""
    return data


def _read_txt(path: Path, encoding: str) -> Iterator[Item]:
    try:
        text = decode(path.read_bytes(), encoding, path)
        data = parse_txt(text, path)
        yield 1, text, validate_article(data, path, None)
    except InputError as exc:
        yield exc.line, path.read_bytes().decode(encoding, errors="replace"), exc


def _read_html(path: Path, encoding: str) -> Iterator[Item]:
    from trafilatura import bare_extraction

    try:
        html = decode(path.read_bytes(), encoding, path)
    except InputError as exc:
        yield exc.line, "", exc
        return
    doc = bare_extraction(html, with_metadata=True, include_comments=False)
    meta = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    if not meta:  # no article body found: the metadata (date, title) may still be there
        from trafilatura.metadata import extract_metadata

        found = extract_metadata(html)
        meta = found.as_dict() if found is not None else {}
        meta["text"] = ""
    text = meta.get("text") or ""
    title = meta.get("title") or ""
    if title and text.startswith(title + "\n"):
        text = text[len(title) + 1:]
    data = {"id": path.stem, "title": title, "date": meta.get("date"), "source": meta.get("sitename") or "",
            "source_urls": [meta["url"]] if meta.get("url") else [], "text": text,
            "authors": split_multi(meta.get("author"))}
    if meta.get("language"):
        data["language"] = meta["language"]
    try:
        if not data["date"]:
            raise InputError("no publication date found in the page (trafilatura)", path=path, field="date")
        yield None, "", validate_article(data, path, None)
    except InputError as exc:
        yield None, "", exc


READERS = {"jsonl": _read_jsonl, "csv": _read_csv, "txt": _read_txt, "html": _read_html}


# ----------------------------------------------------------------------------- public

def read_articles(path: str | Path, *, encoding: str = "utf-8", skip_invalid: bool = False,
                  rejects_path: str | Path | None = None, exclude: Sequence[str | Path] = ()) -> ReadResult:
    """All articles under `path` (file or folder; formats in the module doc).

    Raises InputError (file, line, field) on the first bad record, unless `skip_invalid`:
    then bad records are collected in `ReadResult.rejects` and, if `rejects_path` is
    given, written there as JSONL (path, line, field, reason, record).
    """
    files = corpus_files(path, exclude=[*exclude, *([rejects_path] if rejects_path else [])])
    result = ReadResult(articles=[], files=len(files))
    seen: dict[str, str] = {}
    for f in files:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UnknownKeyWarning)
                items = list(READERS[SUFFIXES[f.suffix.lower()]](f, encoding))
            result.warnings += [str(w.message) for w in caught if issubclass(w.category, UnknownKeyWarning)]
        except InputError as exc:  # a whole-file problem (bad encoding of a CSV, missing columns)
            if not skip_invalid:
                raise
            result.rejects.append(Reject(str(f), exc.line, exc.field, exc.reason, ""))
            continue
        for line, raw, got in items:
            if isinstance(got, Article) and got.id in seen:
                got = InputError(f"duplicate id {got.id!r} (first at {seen[got.id]})", path=f, line=line,
                                 field="id")
            if isinstance(got, InputError):
                if not skip_invalid:
                    raise got
                result.rejects.append(Reject(str(f), got.line, got.field, got.reason, raw))
                continue
            seen[got.id] = f"{f}:{line}" if line else str(f)
            result.articles.append(got)
    if rejects_path is not None and skip_invalid:
        write_jsonl(rejects_path, (r.as_dict() for r in result.rejects))
    return result


def _shingles(text: str, k: int) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    if len(words) <= k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def assign_clusters(articles: Sequence[Article], threshold: float = 0.8, *, shingle: int = 3,
                    num_perm: int = 128) -> list[Article]:
    """Copies of `articles` with `cluster_id` set: near-duplicates share one id.

    Two articles are near-duplicates when the MinHash estimate of the Jaccard similarity
    of their word `shingle`-grams is at least `threshold` (candidates from LSH, each pair
    checked); clusters are the connected groups. A cluster's id is the smallest article
    id in it, so a singleton's cluster id is its own id. Any previous cluster_id is
    replaced.
    """
    from datasketch import MinHash, MinHashLSH

    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes: list[MinHash] = []
    for i, art in enumerate(articles):
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch([s.encode("utf-8") for s in _shingles(art.text, shingle)])
        hashes.append(m)
        lsh.insert(str(i), m)
    parent = list(range(len(articles)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, m in enumerate(hashes):
        for key in lsh.query(m):
            j = int(key)
            if j != i and m.jaccard(hashes[j]) >= threshold:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(articles)):
        groups.setdefault(find(i), []).append(i)
    out = list(articles)
    for members in groups.values():
        cid = min(articles[i].id for i in members)
        for i in members:
            out[i] = articles[i].model_copy(update={"cluster_id": cid})
    return out
