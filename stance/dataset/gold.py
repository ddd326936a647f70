"""Gold statements: read annotation JSONL and tie each line to its article.

A gold line is a `Statement` without `id`, `context` or `date`; they are filled in here
from the article, after checking that the offsets slice the article text to the
statement text exactly.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from stance.errors import InputError
from stance.jsonl import iter_jsonl
from stance.records import Article, Statement, paragraph_context


def annotation_files(path: str | Path) -> list[Path]:
    """A JSONL file, or every *.jsonl file of a folder in name order."""
    path = Path(path)
    if path.is_dir():
        return sorted(path.glob("*.jsonl"))
    if not path.exists():
        raise InputError("no such file or folder", path=path)
    return [path]


def load_gold(articles: Mapping[str, Article], paths: Iterable[str | Path]) -> list[Statement]:
    """All gold statements of `paths` (files or folders), checked against `articles`.

    Raises InputError naming file, line and field for an unknown article, offsets that do
    not slice the article to the text, or a statement id seen twice.
    """
    out: list[Statement] = []
    seen: dict[str, str] = {}
    for given in paths:
        for path in annotation_files(given):
            for line, st in iter_jsonl(path, Statement):
                art = articles.get(st.article_id)
                if art is None:
                    raise InputError(f"unknown article {st.article_id!r}", path=path, line=line, field="article_id")
                if art.text[st.start:st.end] != st.text:
                    raise InputError(f"offsets {st.start}-{st.end} slice {art.text[st.start:st.end]!r}, "
                                     f"not the statement text {st.text!r}", path=path, line=line, field="start")
                if st.id in seen:
                    raise InputError(f"duplicate statement {st.id} (first at {seen[st.id]})", path=path, line=line,
                                     field="start")
                seen[st.id] = f"{path}:{line}"
                out.append(st.model_copy(update={
                    "context": st.context or paragraph_context(art.text, st.start, st.end),
                    "date": st.date or art.date,
                }))
    out.sort(key=lambda s: (s.article_id, s.start))
    return out
