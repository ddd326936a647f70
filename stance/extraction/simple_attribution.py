"""Attribution shapes so regular that they need no parse.

Most statements in news copy come in a few fixed shapes. Recognising them with patterns
lets the extractor parse only the sentences that are not one of them (see
`stance.extraction.quotes`). A shape is accepted only when every part is unambiguous; anything else
goes to the parser.

- quote first: `"QUOTE," SPEAKER CUE[ TAIL].` or `"QUOTE," CUE SPEAKER[ TAIL].`
- speaker first: `SPEAKER CUE[ TAIL]: "QUOTE"`
- reported: `SPEAKER CUE[ TAIL] that CLAUSE.` or `SPEAKER said CLAUSE.`, with no other
  cue word in the sentence and no full quotation.
- a quotation standing alone as its sentence (its speaker is the previous one).
- parenthetical: `BEFORE, SPEAKER CUE[ TAIL], AFTER.` with no full quotation: two
  statements, BEFORE and AFTER, or AFTER alone when BEFORE has at most three words (a
  fronted phrase: "In Kyiv, he said, the talks ..."), or the whole sentence when AFTER
  goes on with the verb of BEFORE's subject ("Repairs, the minister said, would take ...").

SPEAKER is "simple": a pronoun, or one to eight words without a comma, none of them a
verb or a clause word ("who", "that", "was", ...), ending in a name (capitalised) or a
role noun ("spokesman", "ministry", "officials").
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from stance.extraction.cues import ORG_WORDS, PRONOUNS, SPEAKER_NOUNS, CueLexicon

# Finite cue forms that never need the parse to be read as verbs of speech.
QUOTE_CUES = frozenset("""said says told tells added adds wrote writes stated warned warns stressed stresses noted
insisted insists declared announced explained argued replied continued claimed acknowledged admitted confirmed
emphasised emphasized cautioned predicted asserted maintained recalled conceded complained repeated posted
tweeted answered remarked observed""".split())
CLAUSE_CUES = frozenset("""said says added adds wrote writes stated warned warns stressed stresses noted insisted
insists declared announced explained argued claimed acknowledged admitted confirmed emphasised emphasized
cautioned predicted asserted maintained conceded complained""".split())
# Verbs whose object is an addressee or a medium before "that": only with "that".
THAT_ONLY = frozenset({"told", "tells", "wrote", "writes", "posted", "repeated"})
ADVERBS = frozenset("also later then again previously earlier repeatedly separately further has have had "
                    "once twice publicly privately often frequently recently now still".split())
BLOCKED = frozenset("""that which who whom whose when while after before as because if is was were are be been
has have had will would could should can may might must do does did not also and or but this these those there
here what how why where some many most all each every no any than then so such only just even said says told
it its his her their our we i you us me on at in from with by into about over under during since until amid""".split())
APPOS_BLOCKED = frozenset("""who whom whose which that when while was were is are be been has had have will would
said says told and but also not""".split())
APPOS_FIRST_BLOCKED = frozenset("on in at during after before for with from to by as like".split())
# Cues that take a clause without "that" ("said the talks were useful"); others often take an object.
BARE_CLAUSE_CUES = frozenset("said says added adds wrote writes insisted insists argued claimed".split())
# Words that open a clause after "that" (the complementizer, not the determiner of "that day").
CLAUSE_OPENERS = frozenset("the a an this these those his her its their our it he she they we i you there no some "
                           "any all".split())
# Words between a cue and "that" that show a more complex sentence.
TAIL_BLOCKED = frozenset("""who which was were is are has had have will would said told says while could can may
might should must be been there it""".split())
TIME = re.compile(r"\s+(?:(?:late|early|earlier|later)\s+)?(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
                  r"Saturday|Sunday|today|yesterday|tonight)\b|\s+(?:last|this|next)\s+(?:week|month|year|night|"
                  r"weekend)\b")
ALLOWED_LOWER = frozenset({"the", "a", "an", "of", "for", "de", "von", "der", "da", "bin", "al", "van", "la", "le"})
_WORD = re.compile(r"[\w.'\u2019-]+")
# A phrase fronted before the subject: "In Moscow on Monday, ", "Asked about the plan, ", "Speaking in Kyiv, ".
FRONTED = re.compile(r"(?!At least\b|At most\b|In all\b)(?:[A-Z][a-z]+ing|Asked|In|On|At|After|Before|During|Later|Earlier|Late|Meanwhile|However|"
                     r"Separately|Also|Still|Yet|Despite|Since|With|Without|For|From|While|When|As|Following|"
                     r"Ahead|Under|Within|Hours|Days|Minutes|Last|This|Next|Addressing|Writing)\b[^,\"\u201c\u201d]{0,160},\s+")
PASSIVE_CUE = re.compile(r"(?:was|were|is)\s+quoted\s+(?:by\s+[\w\s.'\u2019-]{1,40}?\s+)?as\s+saying\b")


@dataclass(frozen=True)
class SimpleAttribution:
    """One statement read from a simple shape; offsets index the article text."""

    speaker: tuple[int, int] | None  # None: the previous statement's speaker
    cue: tuple[int, int] | None
    quote: int | None  # index of a full quotation (direct statement), else None
    content: tuple[int, int] | None  # the reported clause, for a reported shape


def is_attribution(sentence: str) -> bool:
    """Whether a short sentence only attributes the quotation before it: no quote marks, at
    most 25 words, a cue verb among its first eight ("Trump told a reporter aboard Air Force One.")."""
    if any(c in sentence for c in "\"\u201c\u201d"):
        return False
    words = _WORD.findall(sentence)
    return 0 < len(words) <= 25 and any(w.lower() in QUOTE_CUES | {"asked", "quoted"} for w in words[:8])


def more_cues(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` holds another cue word (`CueLexicon.verb_pattern`)."""
    return _verb_pattern().search(text, start, end) is not None


@functools.lru_cache(maxsize=1)
def _verb_pattern():
    return CueLexicon().verb_pattern(object_only=False)


def body_start(text: str, start: int, end: int) -> int:
    """Where the main clause starts: after a list item's bullet ("- ", "• ") and a fronted phrase
    ("In Moscow on Monday, ")."""
    b = BULLET.match(text, start, end)
    if b:
        start = b.end()
    m = FRONTED.match(text, start, end)
    return m.end() if m else start


BULLET = re.compile(r"[-\u2013\u2014\u2022*]\s+")  # a list item's marker


def is_simple_speaker(text: str) -> bool:
    """Whether `text` is a speaker phrase that needs no parse (see the module doc).

    A name may carry one appositive: "Andriy Yermak, head of the presidential office".
    """
    if any(c in text for c in "\"\u201c\u201d():;"):
        return False
    if "," in text:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 2 or not parts[1]:
            return False
        name, appos = parts
        if not is_simple_speaker(name):
            return False
        aw = _WORD.findall(appos)
        return (0 < len(aw) <= 10 and aw[0].lower() not in APPOS_FIRST_BLOCKED
                and not any(w.lower() in APPOS_BLOCKED or w.lower().endswith("ing") for w in aw))
    words = _WORD.findall(text)
    if not words:
        return False
    if len(words) == 1 and words[0].lower() in PRONOUNS:
        return True
    if len(words) > 8 or words[0].lower() in PRONOUNS:
        return False
    for i, w in enumerate(words):
        low = w.lower().strip(".")
        if low in BLOCKED and not (i > 0 and w[:1].isupper()):  # "Theresa May" is a name
            return False
    last = words[-1].replace("\u2019", "'")
    return last[:1].isupper() or last.lower() in SPEAKER_NOUNS or last.lower() in ORG_WORDS


def _split_cue(attr: str) -> tuple[int, int, int, int] | None:
    """In `SPEAKER [ADV] CUE TAIL`, the offsets (speaker start, speaker end, cue start, cue end)."""
    words = list(_WORD.finditer(attr))
    for j, m in enumerate(words):
        if m.group().lower() in QUOTE_CUES and j > 0:
            k = j
            while k > 0 and words[k - 1].group().lower() in ADVERBS:
                k -= 1
            if k == 0:
                return None
            return words[0].start(), words[k - 1].end(), words[k].start(), m.end()
    return None


def quote_first(text: str, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Speaker and cue spans of an attribution `text[start:end]` that follows a quotation.

    Accepts `, Peskov said on Monday.`, `he told reporters.`, `said Peskov.`.
    """
    seg = text[start:end]
    lead = len(seg) - len(seg.lstrip(" ,"))
    body = seg[lead:].rstrip()
    body = body[:-1] if body.endswith((".", "!", "?")) else body
    if not body or any(c in body for c in "\"\u201c\u201d:;"):
        return None
    passive = PASSIVE_CUE.search(body)
    if passive:  # "Xi was quoted as saying."
        sp = body[:passive.start()].strip()
        if not is_simple_speaker(sp) or more_cues(body, passive.end(), len(body)):
            return None
        s0 = start + lead + body.index(sp)
        return (s0, s0 + len(sp)), (start + lead + passive.start(), start + lead + passive.end())
    first = _WORD.match(body)
    if first and first.group().lower() in QUOTE_CUES:  # inverted: "said Peskov."
        sp = body[first.end():].strip()
        if not sp or not is_simple_speaker(sp):
            return None
        s0 = start + lead + body.index(sp, first.end())
        return (s0, s0 + len(sp)), (start + lead, start + lead + first.end())
    parts = _split_cue(body)
    if parts is None:
        return None
    s0, s1, c0, c1 = parts
    if not is_simple_speaker(body[s0:s1]) or more_cues(body, c1, len(body)):
        return None
    tail = body[c1:].split(",")[0]
    cue_end = c1 + _cue_tail(tail, addressee=body[c0:c1].lower().split()[-1] in ("told", "tells"))
    return (start + lead + s0, start + lead + s1), (start + lead + c0, start + lead + cue_end)


def _cue_tail(tail: str, addressee: bool = True) -> int:
    """Length of the medium ("on Telegram") or, after "told", the addressee ("reporters") that belongs to the cue."""
    medium = re.match(r"(?:\s+(?:in|on)\s+(?:a|an|his|her|their|the)?\s*[\w\s'-]{0,30}?"
                      r"(?:statement|interview|address|post|message|briefing|video|Telegram|X|Twitter|Facebook|"
                      r"Truth Social|social media))", tail)
    if medium or not addressee:
        return medium.end() if medium else 0
    stop = r"(?!on\b|in\b|at\b|after\b|before\b|during\b|late\b|earlier\b|when\b|while\b|as\b|that\b)"
    later = r"(?!the\b|a\b|an\b|this\b|last\b|that\b|on\b|in\b|at\b|after\b|before\b|during\b|when\b|while\b|as\b)"
    m = re.match(r"(?:\s+" + stop + r"[\w.'\u2019-]+(?:\s+" + later + r"[\w.'\u2019-]+){0,3})?", tail)
    return m.end() if m else 0


def speaker_first(text: str, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Speaker and cue spans of `SPEAKER CUE[ TAIL]:` right before a quotation (`text[start:end]`)."""
    start = body_start(text, start, end)
    seg = text[start:end].rstrip()
    if not seg.endswith(":"):
        return None
    parts = _split_cue(seg[:-1])
    if parts is None:
        return None
    s0, s1, c0, c1 = parts
    if s0 != 0 or not is_simple_speaker(seg[s0:s1]) or "," in seg[c1:]:
        return None
    return (start + s0, start + s1), (start + c0, start + len(seg) - 1)


def reported(text: str, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """Speaker, cue spans and clause start of `SPEAKER CUE[ TAIL] that CLAUSE` / `SPEAKER said CLAUSE`."""
    start = body_start(text, start, end)
    seg = text[start:end]
    words = list(_WORD.finditer(seg))
    for j, m in enumerate(words):
        low = m.group().lower()
        if low not in CLAUSE_CUES and low not in THAT_ONLY:
            continue
        k = j
        while k > 0 and words[k - 1].group().lower() in ADVERBS:
            k -= 1
        if k == 0 or not is_simple_speaker(seg[words[0].start():words[k - 1].end()]):
            return None
        rest = words[j + 1:j + 8]
        that = next((i for i, w in enumerate(rest) if w.group().lower() == "that"), None)
        if that is not None:
            between = seg[m.end():rest[that].start()]
            if "," in between or any(w.group().lower() in TAIL_BLOCKED for w in rest[:that]):
                return None
            tail = _cue_tail(between, addressee=low in ("told", "tells"))
            time = TIME.match(between, tail)
            covered = time.end() if time else tail
            after = words[j + 2 + that].group() if j + 2 + that < len(words) else ""
            if not between[covered:].strip() or after[:1].isupper() or after.lower() in CLAUSE_OPENERS:
                # "said that", "told Reuters in an interview that Ukraine ...", not "said a strike that day ..."
                return ((start + words[0].start(), start + words[k - 1].end()),
                        (start + m.start(), start + m.end() + tail), start + rest[that].end())
            # otherwise "that" belongs to the clause ("said a strike that day had ...")
        if low not in BARE_CLAUSE_CUES or not rest:
            return None
        t = TIME.match(seg, m.end())
        if t:  # "said on Thursday the talks ..."
            rest = [w for w in rest if w.start() >= t.end()]
            if not rest:
                return None
        nxt = rest[0].group()
        if nxt.lower() in ("on", "in", "at", "to", "of", "for", "after", "before", "as", "with", "by",
                           "earlier", "later", "late", "last", "when", "while", "during") or seg[rest[0].start() - 1] != " " \
                or "," in seg[m.end():rest[0].start()]:
            return None
        return ((start + words[0].start(), start + words[k - 1].end()), (start + m.start(), start + m.end()),
                start + rest[0].start())
    return None


def content_first(text: str, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """Speaker and cue spans and the clause end of `CLAUSE, SPEAKER CUE[ TAIL][, NARRATION].`
    (or `, CUE SPEAKER.`), where NARRATION is a participle phrase (", making it ...")."""
    from stance.extraction.cues import NARRATIVE_TAILS

    for m in re.finditer(",", text[start:end]):
        comma = start + m.start()
        if len(_WORD.findall(text[start:comma])) < 4:
            continue
        fronted = FRONTED.match(text, start, end)
        if fronted and fronted.end() > comma:
            continue  # "On his flight home, Trump posted ...": a fronted phrase, not a clause
        nxt = text.find(",", comma + 1, end)
        stop = end
        if nxt >= 0:
            if not NARRATIVE_TAILS.match(text, nxt, end):
                continue
            if more_cues(text, nxt, end):
                return None  # ", adding that ...": a second statement, for the parser
            stop = nxt
        found = quote_first(text, comma + 1, stop)
        if found is None or more_cues(text, start, comma):
            continue
        rest = text[found[1][1]:stop].strip(" .")
        t = TIME.match(" " + rest)
        if t:
            rest = rest[t.end() - 1:].strip(" .")
        if len(_WORD.findall(rest)) > 4 or any(w.lower() in TAIL_BLOCKED for w in _WORD.findall(rest)):
            return None  # more than an addressee or a medium after the cue
        return found[0], found[1], comma
    return None


def parenthetical(text: str, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int],
                                                          list[tuple[int, int]]] | None:
    """Speaker and cue spans and the content spans of `BEFORE, SPEAKER CUE[ TAIL], AFTER`
    (module doc), or None."""
    commas = [start + m.start() for m in re.finditer(",", text[start:end])]
    for a, b in zip(commas, commas[1:]):
        if len(_WORD.findall(text[a:b])) > 8:
            continue
        found = quote_first(text, a + 1, b)
        if found is None or _WORD.search(text, found[1][1], b):
            continue  # more than an attribution between the commas
        before, after = (start, a), (b + 1, end)
        if _PARTICIPLE_TAIL.match(text, b) and not more_cues(text, start, a) and not more_cues(text, b, end):
            # "Sales were great, he said, wiping sweat off his face": the reporter's narration follows
            return (found[0], found[1], [before]) if len(_WORD.findall(text[start:a])) >= 3 else None
        if len(_WORD.findall(text[after[0]:after[1]])) < 3 or more_cues(text, after[0], after[1]) \
                or more_cues(text, start, a) or NARRATIVE_TAILS_AT.match(text, b):
            return None
        first = _WORD.search(text, after[0], after[1])
        if first and first.group().lower() in SPLIT_SUBJECT:
            spans = [(start, end)]  # "Repairs, the minister said, would take weeks": one clause around the attribution
        elif len(_WORD.findall(text[start:a])) <= 3:
            spans = [after]
        else:
            spans = [before, after]
        return found[0], found[1], spans
    return None


# A participle after the attribution's closing comma: what the speaker did meanwhile, not what was said.
_PARTICIPLE_TAIL = re.compile(r",\s+(?!including\b|excluding\b|depending\b|during\b|according\b|nothing\b|something\b"
                              r"|anything\b|everything\b|being\b)[a-z]+ing\b")

# Words that open the rest of a clause whose subject came before the attribution.
SPLIT_SUBJECT = frozenset("""would will is was are were has have had can could should must may might did does do
remains remained needs needed""".split())
NARRATIVE_TAILS_AT = re.compile(r",\s+(?:and|but|or|so|while|as|although|though|because|since|after|before|when|"
                                r"whereas|even|including|adding|saying|according)\b", re.IGNORECASE)
