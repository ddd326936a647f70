"""The records that flow between stages: articles and statements.

Both are pydantic models, serialised one per line as JSONL (see `stance.jsonl`).
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

StatementKind = Literal["direct", "partial", "reported"]


class Article(BaseModel):
    """One news article. `text` is the body; offsets of statements index into it."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    title: str = ""
    date: dt.date
    source: str = ""
    source_urls: list[str] = Field(default_factory=list)
    text: str
    language: str = "en"
    authors: list[str] = Field(default_factory=list)
    cluster_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _url_alias(cls, data: object) -> object:
        """Accept a single `url` field as a one-element `source_urls`."""
        if isinstance(data, dict) and data.get("url") and not data.get("source_urls"):
            data = {**data, "source_urls": [data["url"]]}
        return data

    @field_validator("date", mode="before")
    @classmethod
    def _date_prefix(cls, value: object) -> object:
        """Accept full ISO-8601 timestamps ("2025-05-16T09:30:00Z") by keeping the date part; refuse
        numbers (pydantic would read 20250516 as seconds since 1970)."""
        if isinstance(value, bool) or isinstance(value, (int, float)):
            raise ValueError(f"date is a number ({value!r}), not an ISO-8601 date such as 2025-05-16")
        if isinstance(value, str) and len(value) > 10 and value[10] in "T ":
            return value[:10]
        return value

    @field_validator("date")
    @classmethod
    def _date_range(cls, value: dt.date) -> dt.date:
        """News dates from 1900 to the end of next year; anything else is a typo or a placeholder."""
        last = dt.date(dt.date.today().year + 1, 12, 31)
        if not dt.date(1900, 1, 1) <= value <= last:
            raise ValueError(f"date {value.isoformat()} is outside 1900-01-01 .. {last.isoformat()}")
        return value

    @field_validator("text")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class Statement(BaseModel):
    """One quoted or reported utterance attributed to a speaker in one article.

    `article_text[start:end] == text` always holds. Labels (`stance`, `sentiment`) are
    present on gold or predicted records and None on freshly extracted ones.
    """

    model_config = ConfigDict(extra="ignore")

    id: str = ""
    article_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    speaker: str
    speaker_name: str | None = Field(default=None,  # keyword: type checkers see a default only by name
                                     description="the named person a pronoun or bare title speaker refers "
                                                 "to, when the extractor resolved it ('he' -> 'Dmitry Peskov')")
    actor_id: str | None = None
    cue: str = ""
    kind: StatementKind
    context: str = ""
    date: dt.date | None = None
    stance: str | None = None
    sentiment: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _default_id(self) -> "Statement":
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if not self.id:
            self.id = statement_id(self.article_id, self.start, self.end)
        return self


def statement_id(article_id: str, start: int, end: int) -> str:
    """The stable id of a statement: its article and character span."""
    return f"{article_id}:{start}-{end}"


CONTEXT_CHARS = 1000  # at most this many characters of context around a statement (half on each side)


def paragraph_context(text: str, start: int, end: int, max_chars: int = CONTEXT_CHARS) -> str:
    """The paragraph(s) of `text` that hold the span [start, end), paragraphs split on blank lines.

    A paragraph longer than the statement plus `max_chars` is cut to a window of `max_chars`
    characters around the statement (half before, half after, at word boundaries), so that one
    huge paragraph cannot make every statement in it carry a copy of it.
    """
    left = text.rfind("\n\n", 0, start)
    left = 0 if left < 0 else left + 2
    right = text.find("\n\n", end)
    right = len(text) if right < 0 else right
    if right - left > (end - start) + max_chars:
        half = max_chars // 2
        lo, hi = max(left, start - half), min(right, end + half)
        if lo > left:  # start at a word boundary
            space = text.find(" ", lo, start)
            lo = space + 1 if space >= 0 else lo
        if hi < right:
            space = text.rfind(" ", end, hi)
            hi = space if space >= 0 else hi
        left, right = lo, hi
    return text[left:right].strip()
