"""Character-level structure of an article: paragraphs, quotations and sentence units.

All spans are (start, end) character offsets into the article text, end exclusive.

- Paragraphs are the non-blank lines of the text (wire copy separates them with blank
  lines, text taken from HTML with single newlines).
- Quotations are found with straight (") and curly (“ ” „ « ») double quote marks. A
  paragraph that opens a quotation without closing it continues it into the next
  paragraph when that one opens with a quote mark (the newspaper convention); otherwise
  the quotation ends with its paragraph.
- Articles that quote with single marks (‘...’ or '...', British style, double marks
  for a quotation inside a quotation) are read through `as_double_quoted`: a copy of
  the text of the same length in which the single quote marks become double ones and
  the double ones single, so that the offsets of every span hold for the original text.
  Apostrophes stay apostrophes: a closing mark is a ’ or ' after a non-space and
  before a non-letter.
- Articles that quote with doubled apostrophes (''...'', New York Times style) are read
  through a copy of the same length in which an opening pair becomes a space and an
  opening mark (" \u201c") and a closing pair a closing mark and a space ("\u201d "), so
  that the words inside the marks keep their offsets (`doubled_as_double`).
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


_SINGLE_AFTER_OPENER = re.compile(r"[\w\u2026]")
# In a single-marked article the double marks quote inside a quotation: they become single ones.
_DOUBLE_TO_SINGLE = {"\u201c": "\u2018", "\u201e": "\u2018", "\u00ab": "\u2018", "\u201d": "\u2019",
                     "\u00bb": "\u2019", '"': "'"}


def _single_openers(text: str) -> list[int]:
    """Offsets of the ‘ and ' that open a quotation: at a word start, before a word."""
    out = []
    for m in re.finditer("[\u2018']", text):
        i = m.start()
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if not (before.isspace() or before in "([{\u2014\u2013-:/"):
            continue
        if m.group() == "'" and not (after.isalpha() or after == "\u2026"):
            continue  # '90s, 'n'
        if _SINGLE_AFTER_OPENER.match(after):
            out.append(i)
    return out


def _double_openers(text: str) -> int:
    """How many double quote marks open a quotation."""
    return sum(1 for m in _MARK_RE.finditer(text)
               if m.group() in OPENERS or (m.group() == STRAIGHT and _is_opener(text, m.start(), 0)))


def _is_single_closer(text: str, i: int) -> bool:
    """Whether the ’ or ' at `i` can close a quotation rather than be an apostrophe inside a word."""
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and not after.isalnum()


_DOUBLED = re.compile("'{2,3}")
_OPEN_BEFORE = "([{\u2014\u2013-:/"


def doubled_as_double(text: str) -> str:
    """`text` with each doubled apostrophe that serves as a quotation mark made a double mark,
    same length (module doc). An opening pair stands at a word start before a non-space; a
    closing pair after a non-space. Of three apostrophes, the pair is the outer one."""
    if "''" not in text:
        return text
    chars = list(text)
    for m in _DOUBLED.finditer(text):
        i, j = m.start(), m.end()
        before = text[i - 1] if i else "\n"
        after = text[j] if j < len(text) else "\n"
        if (before.isspace() or before in _OPEN_BEFORE) and not after.isspace():
            chars[i], chars[i + 1] = " ", "\u201c"
        elif not before.isspace():
            chars[j - 2], chars[j - 1] = "\u201d", " "
    return "".join(chars)


def as_double_quoted(text: str) -> str:
    """`text` itself when its quotations use double marks; otherwise a copy of the same length
    in which the single quote marks are double and the double marks single (module doc).

    A single opening mark counts only when a closing mark follows in its paragraph, or the
    next paragraph opens with a mark (a quotation running on); the article is read as
    single-marked when such quotations outnumber the opening double marks. Doubled
    apostrophes are read first (`doubled_as_double`)."""
    text = doubled_as_double(text)
    openers = _single_openers(text)
    double_openers = _double_openers(text) if openers else 0
    if len(openers) <= double_openers:  # each quotation below takes an opener of its own
        return text
    starts = set(openers)
    paras = paragraphs(text)
    marks: dict[int, str] = {}  # offset -> the double mark it becomes
    n_quotations = 0
    for p, (ps, pe) in enumerate(paras):
        closers = [i for i in range(ps, pe) if text[i] in "\u2019'" and _is_single_closer(text, i)]
        open_at: int | None = None
        for i in sorted([j for j in openers if ps <= j < pe] + closers):  # the marks, in text order
            if open_at is None:
                if i in starts:
                    open_at = i
                continue
            if i in starts:
                continue
            if text[open_at] == "'" and text[i] != "'":
                continue  # a straight opening mark is closed by a straight one
            # "the allies’ support": a plural possessive, when a later mark closes the quotation
            # before another one opens
            nxt = text[i + 1:i + 3]
            if text[i - 1] in "sS" and len(nxt) == 2 and nxt[0] == " " and nxt[1].islower():
                later = next((j for j in closers if j > i), None)
                if later is not None and not any(i < j < later for j in openers):
                    continue
            marks[open_at], marks[i] = "\u201c", "\u201d"
            n_quotations += 1
            open_at = None
        if open_at is not None and p + 1 < len(paras) and paras[p + 1][0] in starts:
            marks[open_at] = "\u201c"  # runs on into the next paragraph
            n_quotations += 1
    if n_quotations <= double_openers:
        return text
    chars = [_DOUBLE_TO_SINGLE.get(c, c) for c in text]
    for i, mark in marks.items():
        chars[i] = mark
    return "".join(chars)


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
