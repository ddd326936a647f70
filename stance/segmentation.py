"""Character-level structure of an article: paragraphs, quotations and sentence units.

All spans are (start, end) character offsets into the article text, end exclusive.

- Paragraphs are the non-blank lines of the text (wire copy separates them with blank
  lines, text taken from HTML with single newlines).
- Quotations are found with straight (") and curly (“ ” „ « ») double quote marks. A
  paragraph that opens a quotation without closing it continues it into the next
  paragraph when that one opens with a quote mark (the newspaper convention); otherwise
  the quotation ends with its paragraph.
- Units are sentences in which every quotation is atomic: a sentence boundary is never
  placed inside a quotation, so a quotation of several sentences or paragraphs and its
  attribution ("..., Peskov said.") fall in one unit.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

OPENERS = "\u201c\u201e\u00ab"  # “ „ «
CLOSERS = "\u201d\u00bb"  # ” »
STRAIGHT = '"'
MARKS = OPENERS + CLOSERS + STRAIGHT
_MARK_RE = re.compile("[" + MARKS + "]")

# Words that end with a period without ending a sentence.
ABBREVIATIONS = frozenset("""
mr mrs ms dr prof gen lt col maj sgt capt cmdr adm sen rep gov pres amb st jr sr rev fr no nos vs etc
jan feb mar apr jun jul aug sep sept oct nov dec inc corp co ltd dept est approx fig al
""".split())


@dataclass(frozen=True)
class Quotation:
    """A quotation: `start`/`end` bound the words inside the marks (end exclusive).

    `open_at` is the offset of the opening mark; `close_at` that of the closing mark, or
    None when the quotation ran to the end of its paragraph unclosed.
    """

    start: int
    end: int
    open_at: int
    close_at: int | None


@dataclass(frozen=True)
class Unit:
    """A sentence unit: [start, end) and the index of the paragraph it starts in."""

    start: int
    end: int
    paragraph: int


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-blank lines of `text`, whitespace-trimmed."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _is_opener(text: str, i: int, start: int) -> bool:
    """Whether a straight quote at `i` looks like an opening mark (by its neighbours)."""
    before = text[i - 1] if i > start else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([{\u2014\u2013-:/" or i == start) and not after.isspace()


def quotations(text: str, paras: list[tuple[int, int]] | None = None) -> list[Quotation]:
    """The quotations of `text` (see the module doc), in text order."""
    paras = paragraphs(text) if paras is None else paras
    out: list[Quotation] = []
    open_at: int | None = None  # opening mark of the quotation in progress
    for p, (ps, pe) in enumerate(paras):
        i = ps
        if open_at is not None:
            # A quotation left open by the previous paragraph continues only if this one opens with a mark.
            if text[ps] in OPENERS + STRAIGHT:
                i = ps + 1
            else:
                prev_end = paras[p - 1][1]
                out.append(Quotation(open_at + 1, prev_end, open_at, None))
                open_at = None
        for m in _MARK_RE.finditer(text, i, pe):
            i, c = m.start(), m.group()
            if c in OPENERS:
                if open_at is None:
                    open_at = i
            elif c in CLOSERS:
                if open_at is not None:
                    out.append(Quotation(open_at + 1, i, open_at, i))
                    open_at = None
            elif open_at is None:
                open_at = i
            elif text[open_at] == STRAIGHT or not _is_opener(text, i, ps):
                out.append(Quotation(open_at + 1, i, open_at, i))
                open_at = None
        if open_at is not None and p == len(paras) - 1:
            out.append(Quotation(open_at + 1, pe, open_at, None))
            open_at = None
    return [q for q in out if q.end > q.start and text[q.start:q.end].strip()]


_BOUNDARY = re.compile(r"[.!?]+[\"\u201d\u00bb')\]]*(?=\s+[\"\u201c\u201e\u00ab(\[]?[A-Z0-9\u2018'])")


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the period at `dot` ends an abbreviation or an initial rather than a sentence."""
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, dot - 12):dot])
    if not m:
        return False
    word = m.group(1)
    if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
        return True
    if "." in word:  # "U.S", "U.N"
        return True
    return word.lower() in ABBREVIATIONS


def _next_boundary(text: str, pos: int, end: int) -> int:
    """The end of the sentence that starts at `pos` (abbreviations skipped), or `end`."""
    for m in _BOUNDARY.finditer(text, pos, end):
        if not (text[m.start()] == "." and _abbreviation_before(text, m.start())):
            return m.end()
    return end


def units(text: str, paras: list[tuple[int, int]] | None = None,
          quotes: list[Quotation] | None = None, attribution: Callable[[str], bool] | None = None) -> list[Unit]:
    """Sentence units of `text`: no boundary inside a quotation (see the module doc).

    With `attribution`, a quotation ending in "?", "!" or "." is not cut from the sentence
    after it when `attribution(sentence)` says it only attributes the quotation ("“... OK?”
    Trump told a reporter.").
    """
    paras = paragraphs(text) if paras is None else paras
    quotes = quotations(text, paras) if quotes is None else quotes
    inside = [(q.open_at, q.close_at if q.close_at is not None else q.end - 1) for q in quotes]

    def in_quote(pos: int) -> bool:
        return any(a < pos <= b for a, b in inside)

    out: list[Unit] = []
    start: int | None = None
    start_para = 0
    for p, (ps, pe) in enumerate(paras):
        if start is None:
            start, start_para = ps, p
        for m in _BOUNDARY.finditer(text, ps, pe):
            end = m.end()
            if in_quote(end - 1) and text[end - 1] not in CLOSERS + STRAIGHT:
                continue
            if in_quote(m.start()) and not any(b == end - 1 for _, b in inside):
                continue
            if attribution is not None and text[end - 1] in CLOSERS + STRAIGHT and \
                    attribution(text[end:_next_boundary(text, end, pe)]):
                continue
            nxt = text[end:end + 3].lstrip()[:1]
            if text[m.start()] == "." and _abbreviation_before(text, m.start()) and nxt not in OPENERS + STRAIGHT:
                continue
            if start < end:
                out.append(Unit(start, end, start_para))
            start = end
            while start < pe and text[start].isspace():
                start += 1
            start_para = p
        # A paragraph ends the unit unless a quotation runs on into the next paragraph.
        if not in_quote(pe):
            if start < pe:
                out.append(Unit(start, pe, start_para))
            start = None
    if start is not None and paras and start < paras[-1][1]:
        out.append(Unit(start, paras[-1][1], start_para))
    return out
