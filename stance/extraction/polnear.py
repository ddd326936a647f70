"""PolNeAR (Newell, Margolin and Ruths, LREC 2018) as gold for statement extraction.

The release (placed by `scripts/fetch_polnear.py` under `data/external/polnear/`) has, per
split (train, dev, test), the article texts `text/<article>.txt` and brat standoff files
`attributions/<article>_<annotator>.ann`; `metadata.tsv` lists the articles. An `.ann` file
holds text-bound spans (`T12<TAB>Source 759 766<TAB>sources`; discontinuous spans as
`315 448;463 553`) and events that tie them into one attribution
(`E3<TAB>Attribution:T12 Cue:T11 Source:T10 Content:T9`; `Attribution-no-source` when the
source is implicit; a second content span as `Content2`). Offsets index the text file as
read (UTF-8, code points). Lines that are neither spans nor events (annotator notes,
continuation lines of a span's text) are skipped; spans of other types (`Discard`,
`Discuss`) are ignored. An article annotated by several annotators is read from one
file: the first annotator in `metadata.tsv` order that has one (`annotator: first`).

PolNeAR annotates every attribution of a propositional attitude: statements, but also
beliefs, knowledge, intentions, desires, support, decrees, evidence ("the poll shows"),
univocally (a token has one role in at most one attribution), outermost attribution only.

Mapping to the project's statements (data/GUIDELINES.md section 1):

- the content spans of one attribution are sorted and fragments separated only by
  whitespace are merged (brat cuts spans at line breaks);
- a fragment whose words all lie inside quotation marks (“ ” „ « » ", and ‘ ’ pairs) is a
  quotation; it is **direct** when it stands as an utterance (it holds a sentence or
  paragraph break, opens its sentence or follows `:` `,` or a dash, or starts with a
  capital and has 4+ words or ends with `.?!`), and the span is then the words inside the
  marks without a trailing comma; a quoted fragment used inside the reporter's syntax
  ("called it “a disgrace”") is **partial**, span with its marks;
- a fragment holding a quotation among unquoted words is **partial**; one without any
  quotation is **reported**; both spans drop a leading "that" and a final period that is
  outside quotation marks;
- every fragment is one gold statement (a quote split around its attribution is two
  statements, as in the project's guidelines), except that a non-direct fragment of at most
  3 words joins its non-direct neighbour in the same paragraph into one span ("In Miami,
  X said, the mayor ..." is one statement); statements of one attribution share its id;
- a doubled apostrophe (''...'', used as a quotation mark in some texts) counts as a
  quotation mark (`quote_view`).

Target classes (`GoldStatement.target`): an attribution is a *speech* attribution (what
the project aims at) when its content holds quotation marks or its cue holds a word of
communication (`SPEECH_WORDS`, the project's cue lexicon, "according to", a colon or a
dash). The others are not aimed at and are counted apart, by the class of their cue:
`belief` (think, know, see, fear, expect), `intention` (want, plan, hope, seek, refuse),
`support` (support, endorse, oppose, like), `evidence` (show, find), `appearance` (seem,
appear), `decree` (rule, order, sign), `other`. Attributions without a source
(`no_source`, "it is said that") and attributions in the headline (`headline`, the first
paragraph of the text file) are not aimed at either (the guidelines exclude claims
attributed to no one and headlines), nor are attributions whose content is only a pronoun
(`pronoun_content`: "She denied it", "which he said": nothing is quoted or reported).

An attribution whose source is only "said" (or "according to") and whose cue is a name had its
roles swapped by the annotator: they are swapped back (`roles_swapped`; 11 in train, 6 in
dev). Attributions without content are skipped.

Sources: `speaker` is the source span as written (fragments joined by a space). Its
`source_kind` is `named` (any noun phrase), `pronoun` (he, she, they, it and their
possessives), `relative` (who, which, that), `first_person` (I, we, you ...: the author or
an unresolvable quoted voice) or `none`. A pronoun or relative source gets an
`antecedent` by simple rules (`resolve_antecedents`):

- a third-person pronoun takes the nearest earlier candidate: the named source of an
  earlier attribution (or a relative source resolved as below), and for he/she/his/her
  also a proper name opening a sentence as its subject ("Rubio could ...";
  `subject_names`); for he/she/his/her the candidate must look like one person (a
  capitalised word after its first, or one word that the article also capitalises inside
  a sentence; not "X and Y"; no title or role word of the other gender: Ms., Mrs.,
  spokeswoman / Mr., spokesman);
- a relative pronoun takes the noun phrase right before it, after any speech verb, form of
  "be" or preposition such as "from" ("Sally, who charged ..." -> "Sally"; "said one
  staffer, who ..." -> "one staffer"; "came from the White House, which ..." -> "the
  White House");
- None when there is no candidate. The release's CoreNLP coreference chains are not used
  (1 GB of XML, not placed).
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from stance.errors import InputError
from stance.extraction.cues import IRREGULAR, MEDIA, NOUN_CUES, STRONG_VERBS, WEAK_VERBS, verb_forms
from stance.extraction.evaluation import match_statements
from stance.records import Article, Statement, StatementKind, paragraph_context

SPLITS = ("train", "dev", "test")
DEFAULT_ROOT = "data/external/polnear"

OPENERS = "\u201c\u201e\u00ab\u2018"  # “ „ « ‘
CLOSERS = "\u201d\u00bb\u2019"  # ” » ’
STRAIGHT = '"'
DOUBLE_MARKS = "\u201c\u201e\u00ab\u201d\u00bb\""

PRONOUNS_3RD = frozenset("he she they it his her their its him them hers theirs".split())
PERSONAL = frozenset("he she his her him hers".split())
FIRST_SECOND = frozenset("i we me us my our ours you your yours".split())
RELATIVES = frozenset("who which that whom whose".split())
# Content that only points at what was said ("She denied it", "which he said"): no utterance to extract.
PRONOUN_CONTENT = frozenset("it that this these those which what so me him her them us you".split())
FEMALE_WORDS = frozenset("ms mrs madam chairwoman congresswoman spokeswoman woman businesswoman mother wife "
                         "daughter sister grandmother queen first lady".split()) - {"first"}
MALE_WORDS = frozenset("mr sir chairman congressman spokesman man businessman father husband son brother "
                       "grandfather king".split())

_EXTRA_SPEECH = """ask call report tweet write describe criticize criticise accuse attack slam blast praise thank
mention discuss talk speak testify respond reply answer question explain declare announce reveal recount decline
cite quote refer mock decry denounce lament complain condemn charge deny admit concede confirm acknowledge assure
insist pledge promise vow warn urge predict estimate argue claim suggest note point raise read say tell add state
email text message interview joke quip boast brag shout yell chant sing cheer scream whisper muse wonder challenge
dispute contradict counter retort rebut reject dismiss defend lash rail rip hammer knock bash chide scold blame
fault credit laud hail applaud congratulate apologize apologise admonish caution advise recommend demand request
invite offer propose plead beg appeal petition sue publish post share retweet broadcast air release issue
recall remind inform brief notify disclose leak tout pitch promote campaign lobby argue echo repeat reiterate
emphasize emphasise stress underline underscore highlight observe remark comment add express address weigh
downplay portray reference invoke imply bemoan assail rebuke speculate articulate allude detail vouch clear""".split()
_SPEECH_NOUNS = """statement interview remarks remark comment comments speech address tweet tweets post letter
op-ed email emails memo message press release briefing conference call calls claim claims words answer question
questions criticism attack attacks accusation allegation allegations warning warnings promise pledge vow
announcement testimony quote quotes response reply argument rhetoric complaint complaints talk plea appeal
request demand demands proposal speeches ad ads headline headlines editorial column""".split()

# Cue words of the attribution classes that the project does not aim at.
NON_SPEECH_CLASSES: dict[str, list[str]] = {
    "belief": ("think believe know feel view see saw seen consider fear worry doubt expect assume understand learn "
               "realize realise recognize recognise remember wonder suspect concern concerned convinced sure aware "
               "understood guess interpret foresee forecast envision calculate confident wary surprised glad proud "
               "angry mind "
               "opinion eyes perceive imagine predict estimate anticipate hear heard notice deem regard judge "
               "knowledge belief thought thoughts feeling feelings").split(),
    "intention": ("want plan hope intend seek sought wish prefer like aim try decide refuse pursue hoping goal "
                  "plans intention desire determined eager willing ready would vote push pushed need require").split(),
    "support": ("support endorse back oppose favor favour love hate dislike approve embrace welcome champion "
                "opposition supporter supporters backing endorsement").split(),
    "evidence": ("show find found indicate reflect suggest demonstrate prove reveal data poll survey conclude "
                 "include list illustrate document").split(),
    "appearance": "seem appear".split(),
    "decree": ("rule order sign pass veto ban approve enact decree ruling name nominate appoint authorize "
               "authorise file hire allow prohibit").split(),
}


def _forms(words: Iterable[str]) -> frozenset[str]:
    """Every regular inflection of `words` (and the words themselves)."""
    out: set[str] = set()
    for w in words:
        out.add(w)
        if w.isalpha():
            out |= verb_forms(w)
    return frozenset(out)


# the project's cue nouns that PolNeAR's own classes call belief or intention ("view", "hope") stay there, so
# the speech set does not move when the extractor reads more nouns
_NOUNS_OF_OTHER_CLASSES = frozenset(w for cls in ("belief", "intention", "support") for w in NON_SPEECH_CLASSES[cls])
SPEECH_WORDS = (_forms(STRONG_VERBS) | _forms(WEAK_VERBS) | _forms(_EXTRA_SPEECH) | frozenset(IRREGULAR)
                | (NOUN_CUES - _NOUNS_OF_OTHER_CLASSES) | MEDIA | frozenset(_SPEECH_NOUNS)
                | frozenset("spoke spoken sang thrown according wrote written".split()))
_IRREGULAR_NON_SPEECH = {"belief": {"thought", "knew", "known", "felt", "saw", "seen", "heard", "understood"},
                         "intention": {"sought"}, "evidence": {"found", "shown"}}
_NON_SPEECH_FORMS = {cls: _forms(words) | _IRREGULAR_NON_SPEECH.get(cls, set())
                     for cls, words in NON_SPEECH_CLASSES.items()}
_SAY_FORMS = frozenset(f for f in _forms(STRONG_VERBS) | frozenset(IRREGULAR) if f.endswith(("s", "d", "g", "ld")))
_CUE_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")


@dataclass
class PolnearConfig:
    """Where the release lives and how to read it (configs/datasets/polnear.yaml)."""

    root: str = DEFAULT_ROOT
    annotator: str = "first"


def load_config(path: str | Path) -> PolnearConfig:
    """A PolnearConfig from YAML (keys `root`, `annotator`; others such as `name` are ignored)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read PolNeAR config: {exc}", path=path) from exc
    if not isinstance(data, dict) or data.get("format", "polnear") != "polnear":
        raise InputError("not a PolNeAR config (expected a mapping with format: polnear)", path=path, field="format")
    cfg = PolnearConfig(root=str(data.get("root", DEFAULT_ROOT)), annotator=str(data.get("annotator", "first")))
    if cfg.annotator != "first":
        raise InputError(f"unknown annotator policy {cfg.annotator!r} (known: first)", path=path, field="annotator")
    return cfg


# ----------------------------------------------------------------------------- brat


@dataclass(frozen=True)
class Span:
    """A text-bound brat annotation: its type and (start, end) fragments."""

    id: str
    type: str
    fragments: tuple[tuple[int, int], ...]


@dataclass
class Attribution:
    """One PolNeAR attribution: its source, cue and content fragments (article offsets)."""

    id: str
    source: tuple[tuple[int, int], ...] = ()
    cue: tuple[tuple[int, int], ...] = ()
    content: tuple[tuple[int, int], ...] = ()


_T_LINE = re.compile(r"(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t|$)")
_E_LINE = re.compile(r"(E\d+)\t(\S+)")


def parse_ann(text: str, path: str | Path = "<ann>", length: int | None = None) -> list[Attribution]:
    """The attributions of one brat `.ann` file (see the module doc), in event order.

    Raises InputError for a span outside the article (`length`) or an event naming an
    unknown span.
    """
    spans: dict[str, Span] = {}
    events: list[tuple[int, str, list[tuple[str, str]]]] = []
    for n, line in enumerate(text.splitlines(), 1):
        m = _T_LINE.match(line)
        if m:
            # the regex admits exactly two numbers per fragment
            frags = tuple(cast("tuple[int, int]", tuple(int(x) for x in f.split())) for f in m.group(3).split(";"))
            for a, b in frags:
                if b < a or (length is not None and b > length):
                    raise InputError(f"span {a}-{b} is outside the article (length {length})", path=path, line=n,
                                     field=m.group(1))
            spans[m.group(1)] = Span(m.group(1), m.group(2), frags)
            continue
        m = _E_LINE.match(line)
        if m:
            # split(":", 1) of a word holding ":" gives exactly (role, span id)
            args = [cast("tuple[str, str]", tuple(a.split(":", 1))) for a in line.split("\t", 1)[1].split() if ":" in a]
            events.append((n, m.group(1), args))
    out = []
    for n, eid, args in events:
        att = Attribution(eid)
        for role, tid in args:
            if tid not in spans:
                raise InputError(f"event {eid} names unknown span {tid}", path=path, line=n, field=role)
            frags = spans[tid].fragments
            if role == "Source":
                att.source += frags
            elif role == "Cue":
                att.cue += frags
            elif role.startswith("Content"):
                att.content += frags
        att.source, att.cue, att.content = (tuple(sorted(x)) for x in (att.source, att.cue, att.content))
        out.append(att)
    return out


# ----------------------------------------------------------------------------- mapping


@dataclass
class GoldStatement:
    """A gold statement from PolNeAR with what the project's gold has no field for."""

    statement: Statement
    attribution_id: str
    target: str  # speech, or the class not aimed at: belief, intention, ..., no_source, headline
    source_kind: str  # named, pronoun, relative, first_person, none
    antecedent: str | None = None


def merge_fragments(text: str, frags: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted fragments, neighbours separated only by whitespace merged into one."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(frags):
        if out and not text[out[-1][1]:a].strip() and a >= out[-1][0]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    """[a, b) without surrounding whitespace."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _is_open(text: str, i: int) -> bool:
    """Whether the mark at i opens a quotation (a straight mark: not right after a word)."""
    ch = text[i]
    if ch in "\u201c\u201e\u00ab":
        return True
    if ch == "\u2018":
        return True
    if ch == STRAIGHT:
        return i == 0 or not (text[i - 1].isalnum() or text[i - 1] in ".,!?;:")
    return False


def _is_close(text: str, i: int) -> bool:
    """Whether the mark at i closes a quotation (’ only when not an apostrophe inside a word)."""
    ch = text[i]
    if ch in "\u201d\u00bb":
        return True
    if ch == "\u2019":
        return not (i + 1 < len(text) and text[i + 1].isalpha() and i > 0 and text[i - 1].isalpha())
    if ch == STRAIGHT:
        return not _is_open(text, i)
    return False


def quoted_mask(text: str, a: int, b: int) -> list[bool]:
    """For each character of [a, b): whether it lies inside quotation marks opened within the span
    (a mark re-opening a paragraph inside an open quotation keeps it open)."""
    mask, depth, single = [], 0, False
    for i in range(a, b):
        ch = text[i]
        if ch == "\u2018" and depth == 0:
            single = True
            depth = 1
            mask.append(True)
            continue
        if ch in DOUBLE_MARKS or ch in "\u2019":
            if single and ch == "\u2019" and _is_close(text, i):
                mask.append(True)
                depth, single = 0, False
                continue
            if ch == "\u2019" or (single and ch in DOUBLE_MARKS):
                mask.append(depth > 0)
                continue
            if depth == 0 and _is_open(text, i):
                depth = 1
                mask.append(True)
                continue
            if depth > 0 and ch in "\u201c\u201e\u00ab":  # re-opening after a paragraph break
                mask.append(True)
                continue
            if depth > 0 and _is_close(text, i):
                depth = 0
                mask.append(True)
                continue
        mask.append(depth > 0)
    return mask


def has_quote(text: str, a: int, b: int) -> bool:
    """Whether [a, b) holds a quotation: a double mark, or a ‘ ... ’ pair."""
    s = text[a:b]
    if any(c in DOUBLE_MARKS for c in s):
        return True
    i = s.find("\u2018")
    return i >= 0 and any(_is_close(text, a + j) for j in range(i + 1, len(s)) if s[j] == "\u2019")


def fully_quoted(text: str, a: int, b: int) -> tuple[int, int] | None:
    """(first opener, last closer) when every word of [a, b) lies inside quotation marks."""
    a, b = _strip(text, a, b)
    while b > a + 1 and (text[b - 1] == "\u2060"  # the second half of a doubled apostrophe (quote_view)
                         or text[b - 1] in ",.;:" and text[b - 2] in CLOSERS + STRAIGHT + "\u2060"):
        b -= 1  # punctuation after the closing mark
    if b - a < 2 or text[a] not in OPENERS + STRAIGHT or text[b - 1] not in CLOSERS + STRAIGHT:
        return None
    mask = quoted_mask(text, a, b)
    if any(not inside and text[a + k].isalnum() for k, inside in enumerate(mask)):
        return None
    return a, b - 1


def stands_as_utterance(text: str, open_at: int, close_at: int) -> bool:
    """Whether a full quotation is a direct statement rather than a quoted fragment (module doc)."""
    inner = text[open_at + 1:close_at].strip()
    if "\n" in inner or re.search(r"[.!?][\"'\u201d\u2019]?\s+[\"\u201c\u2018]?[A-Z]", inner):
        return True
    line_start = text.rfind("\n", 0, open_at) + 1
    before = text[line_start:open_at].rstrip()
    if not before or before[-1] in ":,\u2014\u2013-" or before[-1] in CLOSERS + STRAIGHT or before[-1] in ".!?":
        return True
    words = inner.split()
    first = inner.lstrip("\u2018'([")[:1]
    return first.isupper() and (len(words) >= 4 or inner.rstrip(",")[-1:] in ".!?")


def _trim_clause(text: str, a: int, b: int) -> tuple[int, int]:
    """A reported or partial span: no surrounding space, no leading "that", no final period outside marks."""
    a, b = _strip(text, a, b)
    m = re.match(r"that\s+", text[a:b])
    if m and b - a > m.end():
        a += m.end()
    while b > a and text[b - 1] in ".,;:" and not (b - a >= 2 and text[b - 2] in CLOSERS and text[b - 1] != "."):
        b -= 1
        b = _strip(text, a, b)[1]
    return a, b


SHORT_FRAGMENT = 3  # words: a non-direct fragment this short joins its neighbour ("In Miami, X said, ...")


def quote_view(text: str) -> str:
    """`text` with each doubled apostrophe (''...'', a quotation mark in some PolNeAR texts) read as
    a straight double mark followed by a word joiner: same length, so offsets hold."""
    return text.replace("''", '"\u2060')


def content_statements(text: str, frags: Sequence[tuple[int, int]]) -> list[tuple[int, int, StatementKind]]:
    """(start, end, kind) of the statements of one attribution's content (module doc); `text` is
    read through `quote_view`."""
    text = quote_view(text)
    pieces: list[tuple[int, int, str]] = []
    for a, b in merge_fragments(text, frags):
        a, b = _strip(text, a, b)
        if a >= b:
            continue
        q = fully_quoted(text, a, b)
        if q is not None and stands_as_utterance(text, *q):
            s, e = _strip(text, q[0] + 1, q[1])
            while e > s and text[e - 1] in ",\u2060":
                e = _strip(text, s, e - 1)[1]
            s = s + 1 if text[s:s + 1] == "\u2060" else s
            if s < e:
                pieces.append((s, e, "direct"))
            continue
        prev = pieces[-1] if pieces and pieces[-1][2] != "direct" else None
        if prev and "\n\n" not in text[prev[1]:a] and (
                len(text[prev[0]:prev[1]].split()) <= SHORT_FRAGMENT or len(text[a:b].split()) <= SHORT_FRAGMENT):
            a = pieces.pop()[0]  # "In Miami, X said, the mayor ...": a short piece joins its neighbour
        pieces.append((a, b, "clause"))
    out: list[tuple[int, int, StatementKind]] = []
    for a, b, kind in pieces:
        if kind == "clause":
            a, b = _trim_clause(text, a, b)
            kind = "partial" if has_quote(text, a, b) else "reported"
        if a < b:
            out.append((a, b, cast(StatementKind, kind)))  # "direct", or a clause read as partial/reported
    return out


def cue_words(cue: str) -> list[str]:
    """The lower-cased words of a cue."""
    return [w.lower().replace("\u2019", "'") for w in _CUE_WORD.findall(cue)]


def attribution_class(cue: str, content_has_quote: bool) -> str:
    """`speech` or the class of an attribution the project does not aim at (module doc)."""
    words = cue_words(cue)
    if content_has_quote or any(w in SPEECH_WORDS for w in words) or ":" in cue or "\u2014" in cue \
            or "according to" in " ".join(words):
        return "speech"
    for cls, forms in _NON_SPEECH_FORMS.items():
        if any(w in forms for w in words):
            return cls
    return "other"


def source_kind(source: str) -> str:
    """named, pronoun, relative, first_person or none (module doc)."""
    words = cue_words(source)
    if not words:
        return "none"
    if len(words) == 1 and words[0] in PRONOUNS_3RD:
        return "pronoun"
    if len(words) == 1 and words[0] in RELATIVES:
        return "relative"
    if all(w in FIRST_SECOND for w in words):
        return "first_person"
    return "named"


def _looks_like_person(source: str, text: str) -> bool:
    """A named source with a capitalised word after its first ("President Obama"), or one word
    that the article also writes capitalised inside a sentence (a name, not "Critics")."""
    words = source.split()
    if any(w[:1].isupper() for w in words[1:]):
        return True
    return len(words) == 1 and words[0][:1].isupper() and bool(
        re.search(r"[a-z,]\s+" + re.escape(words[0]) + r"\b", text))


def _gender(source: str) -> str | None:
    """"female" or "male" when a title or role word says so (Ms., spokesman), else None."""
    words = set(cue_words(source.replace(".", " ")))
    if words & FEMALE_WORDS:
        return "female"
    if words & MALE_WORDS:
        return "male"
    return None


def relative_antecedent(text: str, at: int) -> str | None:
    """The noun phrase right before a relative pronoun at `at` ("Sally, who ..." -> "Sally";
    "..., said one staffer, who ..." -> "one staffer")."""
    before = text[max(0, at - 200):at].rstrip().rstrip(",").rstrip()
    m = re.search(r"[^,;:.!?\n\u2014()\"\u201c\u201d]*$", before)
    words = (m.group().strip() if m else "").split()[-8:]
    cut = max((i + 1 for i, w in enumerate(words) if w.lower() in _SAY_FORMS or w.lower() in _NP_BREAKS), default=0)
    return " ".join(words[cut:]) or None


_SUBJECT_NAME = re.compile(
    r"(?:^|(?<=\n)|(?<=[.!?] )|(?<=[.!?][\"\u201d\u2019'] ))"
    r"((?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen)\.\s+)?[A-Z][a-z]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z]+){0,2})(?=\s+[a-z])")
_NOT_NAMES = frozenset("""the this that these those but and in on at it he she they we i a an as if when while after
before some many most only still then despite though although for with instead his her their its our there here
what who why how so yet also even now today yesterday meanwhile however one two three other both each every no
not nor or asked""".split())


def subject_names(text: str) -> list[tuple[int, str]]:
    """(offset, name) of proper names that open a sentence as its subject ("Rubio could ...", "Mr. Scott
    said ..."): a capitalised run followed by a lower-case word, that the article also capitalises
    inside a sentence."""
    out = []
    for m in _SUBJECT_NAME.finditer(text):
        name = m.group(1)
        words = name.replace(".", " ").split()
        if words[0].lower() in _NOT_NAMES or words[0].endswith("ing") or not _looks_like_person(words[-1], text):
            continue
        out.append((m.start(1), name))
    return out


def resolve_antecedents(text: str, items: list[tuple[int, str, str]]) -> list[str | None]:
    """Antecedents of (source start, source text, kind) items by the module doc's rules."""
    order = sorted(range(len(items)), key=lambda i: items[i][0])
    out: list[str | None] = [None] * len(items)
    named = [(s, src) if k == "named" else None for s, src, k in items]  # a resolved relative counts too
    names = subject_names(text) if any(k == "pronoun" for _, _, k in items) else []
    for pos, i in enumerate(order):
        start, src, kind = items[i]
        if kind == "relative":
            ante = relative_antecedent(text, start)
            out[i] = ante
            named[i] = (start, ante) if ante else None
        elif kind == "pronoun":
            low = src.lower()
            personal = low in PERSONAL
            gender = "female" if low in ("she", "her", "hers") else "male" if personal else None
            cands = [nj for j in order[:pos] if (nj := named[j]) is not None and nj[0] < start]
            if personal:
                cands += [(at, name) for at, name in names if at < start]
            for _, src2 in sorted(cands, reverse=True):
                if personal and (not _looks_like_person(src2, text) or _gender(src2) not in (None, gender)
                                 or " and " in f" {src2} " or src2.lower().startswith("both ")):
                    continue
                out[i] = src2
                break
    return out


# Words after which a relative pronoun's noun phrase starts ("... came from | the White House, which").
_NP_BREAKS = frozenset("""is are was were be been being remain remains remained came come comes from by with to at
because than as like and or but also there""".split())
_ROLE_WORDS = frozenset("said says say told tells added adds wrote writes according to".split())


def roles_swapped(text: str, att: Attribution) -> bool:
    """Whether an annotator swapped source and cue ("said" tagged Source, "Hester" tagged Cue)."""
    src = cue_words(" ".join(text[a:b] for a, b in att.source))
    cue = cue_words(" ".join(text[a:b] for a, b in att.cue))
    return bool(src) and all(w in _ROLE_WORDS for w in src) and bool(cue) and not all(w in _ROLE_WORDS for w in cue)


def swap_roles(text: str, att: Attribution) -> Attribution:
    """The attribution with source and cue swapped back when `roles_swapped`."""
    if not roles_swapped(text, att):
        return att
    return Attribution(att.id, source=att.cue, cue=att.source, content=att.content)


def read_article_gold(article: Article, attributions: Sequence[Attribution]) -> list[GoldStatement]:
    """The gold statements of one article from its attributions."""
    text = article.text
    attributions = [swap_roles(text, a) for a in attributions]
    headline_end = text.find("\n\n")
    headline_end = len(text) if headline_end < 0 else headline_end
    sources = []
    for att in attributions:
        src = " ".join(text[a:b].strip() for a, b in att.source).strip()
        start = att.source[0][0] if att.source else -1
        sources.append((start, src, source_kind(src)))
    antecedents = resolve_antecedents(text, sources)
    out = []
    for att, (_, src, skind), ante in zip(attributions, sources, antecedents):
        if not att.content:
            continue
        cue = " ".join(text[a:b].strip() for a, b in att.cue).strip()
        quoted = any(has_quote(quote_view(text), a, b) for a, b in att.content)
        cls = attribution_class(cue, quoted)
        if att.content[0][0] < headline_end:
            target = "headline"
        elif all(w in PRONOUN_CONTENT for w in cue_words(" ".join(text[a:b] for a, b in att.content))):
            target = "pronoun_content"
        elif skind == "none":
            target = "no_source"
        else:
            target = cls
        for s, e, kind in content_statements(text, att.content):
            st = Statement(article_id=article.id, start=s, end=e, text=text[s:e], speaker=src, actor_id=None,
                           cue=cue, kind=kind, context=paragraph_context(text, s, e), date=article.date,
                           note=f"polnear {att.id} {target}")
            out.append(GoldStatement(st, att.id, target, skind, ante))
    out.sort(key=lambda g: g.statement.start)
    return out


# ----------------------------------------------------------------------------- release


@dataclass
class PolnearSplit:
    """The articles of one split and their gold statements."""

    split: str
    articles: dict[str, Article]
    gold: list[GoldStatement]
    ann_files: dict[str, Path] = field(default_factory=dict)
    n_attributions: int = 0
    n_without_content: int = 0
    n_swapped: int = 0


def read_metadata(root: Path) -> list[dict[str, str]]:
    """The rows of metadata.tsv."""
    path = root / "metadata.tsv"
    if not path.is_file():
        raise InputError("no PolNeAR metadata.tsv here: place the release with scripts/fetch_polnear.py",
                         path=path)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _date(row: dict[str, str], path: Path, line: int) -> dt.date:
    """The publication date of a metadata row, else the date in its file name."""
    value = row.get("publication_date") or ""
    if not value:
        m = re.search(r"_(\d{4}-\d{2}-\d{2})_", row.get("filename", ""))
        value = m.group(1) if m else ""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"bad publication date {value!r}", path=path, line=line, field="publication_date") from exc


def read_split(root: str | Path, split: str, annotator: str = "first", limit: int | None = None) -> PolnearSplit:
    """Articles and gold statements of one split of the release at `root` (with `limit`, only its
    first `limit` articles in file-name order, to iterate quickly on a part of it)."""
    if annotator != "first":
        raise InputError(f"unknown annotator policy {annotator!r} (known: first)", field="annotator")
    if split not in SPLITS:
        raise InputError(f"unknown PolNeAR split {split!r} (known: {', '.join(SPLITS)})", field="split")
    root = Path(root)
    rows = read_metadata(root)
    out = PolnearSplit(split, {}, [])
    keep = None
    if limit is not None:
        if limit < 1:
            raise InputError(f"limit must be at least 1, not {limit}", field="limit")
        keep = set(sorted(r["filename"] for r in rows if r.get("compartment") == split)[:limit])
    for line, row in enumerate(rows, 2):
        if row.get("compartment") != split or (keep is not None and row["filename"] not in keep):
            continue
        name = row["filename"]
        text_path = root / split / "text" / f"{name}.txt"
        if not text_path.is_file():
            raise InputError(f"article text missing for {name}", path=text_path)
        ann = next((root / split / "attributions" / f"{name}_{a}.ann" for a in row.get("annotators", "").split("|")
                    if (root / split / "attributions" / f"{name}_{a}.ann").is_file()), None)
        if ann is None:
            raise InputError(f"no attribution file for {name} (annotators {row.get('annotators')})",
                             path=root / split / "attributions", line=None)
        text = text_path.read_text(encoding="utf-8")
        title = text.split("\n", 1)[0].strip()
        art = Article(id=name, title=title, date=_date(row, root / "metadata.tsv", line),
                      source=row.get("publisher", ""), text=text,
                      authors=[a for a in [row.get("author", "")] if a and a != "None"])
        atts = parse_ann(ann.read_text(encoding="utf-8"), path=ann, length=len(text))
        out.articles[name] = art
        out.ann_files[name] = ann
        out.n_attributions += len(atts)
        out.n_without_content += sum(not a.content for a in atts)
        out.n_swapped += sum(roles_swapped(text, a) for a in atts)
        out.gold.extend(read_article_gold(art, atts))
    if not out.articles:
        raise InputError(f"no articles of split {split!r} in metadata.tsv", path=root / "metadata.tsv")
    return out


# ----------------------------------------------------------------------------- scoring

_STOP = frozenset("""the a an of and in at for on to by from with s who which that this these those its his her
their our my your""".split())
TITLES = frozenset("""mr mrs ms dr sen senator rep gov governor president former then vice secretary gen general
chairman chairwoman speaker candidate nominee leader""".split())
AUX = frozenset("""has have had is was were are be been being do does did also not n't never will would could
can may might should must just then later again already still even only repeatedly previously""".split())


def _content_words(s: str) -> set[str]:
    """Lower-cased content words of a speaker phrase, possessive and plural s dropped."""
    out = set()
    for w in _CUE_WORD.findall(s.replace("\u2019", "'")):
        w = w.lower()
        if w.endswith("'s"):
            w = w[:-2]
        w = w.rstrip("'")
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if w and w not in _STOP and w not in PRONOUNS_3RD and w not in FIRST_SECOND:
            out.add(w)
    return out


def said_names(pred: Statement) -> list[str]:
    """What a predicted statement names as its speaker: the speaker as written and the person a resolved
    pronoun or title names, leaving out a bare pronoun (an unresolved "he" names no one)."""
    return [x for x in (pred.speaker, pred.speaker_name) if x and source_kind(x) not in ("pronoun", "relative")]


def speaker_matches(pred: str, gold: str) -> bool:
    """Whether a predicted speaker names the gold one: they share a content word that is not a
    title (a name, a role noun), or a title when one side has nothing else ("the president")."""
    p, g = _content_words(pred), _content_words(gold)
    if (p - TITLES) and (g - TITLES):
        return bool((p - TITLES) & (g - TITLES))
    return bool(p & g)


def cue_matches(pred: str, gold: str) -> bool:
    """Whether two cues share a word that is not an auxiliary (or, for a punctuation cue, the mark)."""
    gw = {w for w in cue_words(gold) if w not in AUX}
    pw = {w for w in cue_words(pred) if w not in AUX}
    if not gw:
        return any(c in pred for c in gold.strip()) if gold.strip() else not pred.strip()
    forms = {w: w.rstrip("s") for w in gw | pw}
    return bool({forms[w] for w in gw} & {forms[w] for w in pw}) or bool(gw & pw)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


@dataclass
class PolnearReport:
    """Scores of predicted statements against PolNeAR gold (see `evaluate_polnear`)."""

    split: str
    threshold: float
    counts: Counter = field(default_factory=Counter)
    mismatches: list[dict] = field(default_factory=list)

    def scores(self) -> dict:
        """The numbers as a nested dict (ratios in [0, 1])."""
        c = self.counts
        out: dict = {"split": self.split, "match_rule": f"token Jaccard >= {self.threshold}, one-to-one",
                     "articles": c["articles"], "attributions": c["attributions"], "predicted": c["pred"]}
        for scope in ("all", "speech"):
            denom_p = c["pred"] - (c["pred_matched_other"] if scope == "speech" else 0)
            block: dict[str, Any]  # counts and ratios, and the nested "by_kind" dict
            block = {"gold": c[f"{scope}_gold"], "matched": c[f"{scope}_matched"], "exact": c[f"{scope}_exact"],
                     "recall": _ratio(c[f"{scope}_matched"], c[f"{scope}_gold"]),
                     "precision": _ratio(c[f"{scope}_matched"], denom_p),
                     "exact_recall": _ratio(c[f"{scope}_exact"], c[f"{scope}_gold"]),
                     "exact_precision": _ratio(c[f"{scope}_exact"], denom_p),
                     "attributions": c[f"{scope}_att"],
                     "attribution_recall": _ratio(c[f"{scope}_att_found"], c[f"{scope}_att"])}
            block["by_kind"] = {}
            for k in ("direct", "partial", "reported"):
                pk = c[f"pred_{k}"] - (c[f"pred_{k}_matched_other"] if scope == "speech" else 0)
                if c[f"{scope}_gold_{k}"] or pk:
                    block["by_kind"][k] = {
                        "gold": c[f"{scope}_gold_{k}"], "predicted": pk,
                        "recall": _ratio(c[f"{scope}_matched_{k}"], c[f"{scope}_gold_{k}"]),
                        "precision": _ratio(c[f"{scope}_pred_{k}_matched"], pk),
                        "exact_recall": _ratio(c[f"{scope}_exact_{k}"], c[f"{scope}_gold_{k}"]),
                        "exact_precision": _ratio(c[f"{scope}_pred_{k}_exact"], pk)}
            out[scope] = block
        out["speaker"] = {
            kind: {"n": c[f"spk_{kind}"], "accuracy": _ratio(c[f"spk_{kind}_ok"], c[f"spk_{kind}"]),
                   "left_as_pronoun": c[f"spk_{kind}_pron"]}
            for kind in ("named", "pronoun") if c[f"spk_{kind}"]}
        out["speaker"]["pronoun_unresolved_gold"] = c["spk_pronoun_noante"]
        out["cue_accuracy"] = _ratio(c["cue_ok"], c["cue_n"])
        out["cue_n"] = c["cue_n"]
        out["kind_accuracy"] = _ratio(c["kind_ok"], c["cue_n"])
        out["not_aimed_at"] = {k[4:]: v for k, v in sorted(c.items()) if k.startswith("not_") and v}
        out["not_aimed_at_statements"] = {k[5:]: v for k, v in sorted(c.items()) if k.startswith("notS_") and v}
        out["source_kinds"] = {k[4:]: v for k, v in sorted(c.items()) if k.startswith("src_") and v}
        out["gold_fixes"] = {"source_and_cue_swapped_back": c["swapped_roles"],
                             "attributions_without_content_skipped": c["without_content"]}
        return out

    def table(self) -> str:
        """The scores as readable lines."""
        s = self.scores()
        lines = [f"PolNeAR {s['split']}: {s['articles']} articles, {s['attributions']} attributions, "
                 f"predicted {s['predicted']} statements ({s['match_rule']})"]
        for scope, label in (("speech", "speech attributions (speech cue or quotation marks)"),
                             ("all", "all attributions")):
            b = s[scope]
            lines.append(f"{label}: gold {b['gold']} statements from {b['attributions']} attributions")
            lines.append(f"  overlap: precision {b['precision']:.3f}  recall {b['recall']:.3f}   "
                         f"exact span: precision {b['exact_precision']:.3f}  recall {b['exact_recall']:.3f}   "
                         f"attributions found {b['attribution_recall']:.3f}")
            for k, v in b["by_kind"].items():
                lines.append(f"  {k:9s} gold {v['gold']:5d} pred {v['predicted']:5d}  overlap P {v['precision']:.3f} "
                             f"R {v['recall']:.3f}  exact P {v['exact_precision']:.3f} R {v['exact_recall']:.3f}")
        sp = s["speaker"]
        for kind in ("named", "pronoun"):
            if kind in sp:
                lines.append(f"speaker accuracy on {kind} sources: {sp[kind]['accuracy']:.3f} (n={sp[kind]['n']}, "
                             f"predicted speaker left as a pronoun: {sp[kind]['left_as_pronoun']})")
        lines.append(f"  pronoun/relative sources without a gold antecedent (not scored): "
                     f"{sp['pronoun_unresolved_gold']}")
        lines.append(f"cue accuracy: {s['cue_accuracy']:.3f}  kind accuracy: {s['kind_accuracy']:.3f}"
                     f"  (matched speech statements, n={s['cue_n']})")
        lines.append("attributions not aimed at: " + "  ".join(f"{k} {v}" for k, v in s["not_aimed_at"].items()))
        lines.append("source kinds (all attributions): "
                     + "  ".join(f"{k} {v}" for k, v in s["source_kinds"].items()))
        fx = s["gold_fixes"]
        lines.append(f"gold read: source and cue swapped back in {fx['source_and_cue_swapped_back']} attribution(s), "
                     f"{fx['attributions_without_content_skipped']} without content skipped")
        return "\n".join(lines)


def _brief(st: Statement) -> dict:
    return {"start": st.start, "end": st.end, "text": st.text, "speaker": st.speaker, "cue": st.cue, "kind": st.kind}


def evaluate_polnear(pred: Sequence[Statement], split: PolnearSplit, threshold: float = 0.5) -> PolnearReport:
    """Score predictions against one split's gold.

    Predictions and all gold statements are matched one-to-one by `match_statements`.
    Over *all* attributions: precision = matched / predicted, recall = matched / gold.
    Over *speech* attributions: recall over speech gold; precision over the predictions
    not matched to a gold statement the project does not aim at (such a prediction is
    neither right nor wrong for speech). Precision by kind uses the predicted kind,
    recall by kind the gold kind. Speaker accuracy on matched speech statements: named
    sources by `speaker_matches` with the source; pronoun and relative sources with the
    gold antecedent (a predicted speaker that is itself a pronoun is wrong). Cue and kind
    accuracy on matched speech statements.
    """
    rep = PolnearReport(split.split, threshold)
    c = rep.counts
    c["articles"] = len(split.articles)
    c["attributions"] = split.n_attributions
    c["swapped_roles"] = split.n_swapped
    c["without_content"] = split.n_without_content
    gold_by: dict[str, list[GoldStatement]] = defaultdict(list)
    pred_by: dict[str, list[Statement]] = defaultdict(list)
    p: Statement | None  # a prediction; below, the one matched to a gold statement, if any
    for g in split.gold:
        gold_by[g.statement.article_id].append(g)
    for p in pred:
        if p.article_id in split.articles:
            pred_by[p.article_id].append(p)
    seen_att: dict[tuple[str, str], str] = {}
    found_att: set[tuple[str, str]] = set()
    for aid in sorted(split.articles):
        gs = sorted(gold_by[aid], key=lambda g: g.statement.start)
        ps = sorted(pred_by[aid], key=lambda s: s.start)
        text = split.articles[aid].text
        pairs = match_statements(ps, [g.statement for g in gs], text, threshold)
        by_p = {pi: (gi, j) for pi, gi, j in pairs}
        by_g = {gi: pi for pi, gi, _ in pairs}
        for g in gs:
            key = (aid, g.attribution_id)
            if key not in seen_att:
                seen_att[key] = g.target
                scopes = ("all", "speech") if g.target == "speech" else ("all",)
                for sc in scopes:
                    c[f"{sc}_att"] += 1
                if g.target != "speech":
                    c[f"not_{g.target}"] += 1
                c[f"src_{g.source_kind}"] += 1
        for gi, g in enumerate(gs):
            scopes = ("all", "speech") if g.target == "speech" else ("all",)
            if g.target != "speech":
                c[f"notS_{g.target}"] += 1
            pi = by_g.get(gi)
            p = ps[pi] if pi is not None else None
            exact = p is not None and (p.start, p.end) == (g.statement.start, g.statement.end)
            for sc in scopes:
                c[f"{sc}_gold"] += 1
                c[f"{sc}_gold_{g.statement.kind}"] += 1
                if p is not None:
                    c[f"{sc}_matched"] += 1
                    c[f"{sc}_matched_{g.statement.kind}"] += 1
                    c[f"{sc}_pred_{p.kind}_matched"] += 1
                    c[f"{sc}_exact"] += exact
                    c[f"{sc}_exact_{g.statement.kind}"] += exact
                    c[f"{sc}_pred_{p.kind}_exact"] += exact
                    found_att.add((aid, g.attribution_id))
            if p is None:
                rep.mismatches.append({"type": "missed", "article_id": aid, "target": g.target,
                                       "source_kind": g.source_kind, "gold": _brief(g.statement), "pred": None,
                                       "context": g.statement.context})
                continue
            if g.target != "speech":
                continue
            problems = [] if exact else ["boundary"]
            if g.source_kind == "named" or (g.source_kind in ("pronoun", "relative") and g.antecedent):
                kind = "named" if g.source_kind == "named" else "pronoun"
                wanted = g.statement.speaker if kind == "named" else g.antecedent
                said = said_names(p)
                pred_pron = not said
                ok = any(speaker_matches(x, wanted or "") for x in said)
                c[f"spk_{kind}"] += 1
                c[f"spk_{kind}_ok"] += ok
                c[f"spk_{kind}_pron"] += pred_pron
                if not ok:
                    problems.append("speaker")
            elif g.source_kind in ("pronoun", "relative"):
                c["spk_pronoun_noante"] += 1
            c["cue_n"] += 1
            cue_ok = cue_matches(p.cue, g.statement.cue)
            c["cue_ok"] += cue_ok
            c["kind_ok"] += p.kind == g.statement.kind
            if not cue_ok:
                problems.append("cue")
            if p.kind != g.statement.kind:
                problems.append("kind")
            if problems:
                rep.mismatches.append({"type": "+".join(problems), "article_id": aid, "target": g.target,
                                       "source_kind": g.source_kind, "antecedent": g.antecedent,
                                       "gold": _brief(g.statement), "pred": _brief(p)})
        for pi, p in enumerate(ps):
            c["pred"] += 1
            c[f"pred_{p.kind}"] += 1
            if pi in by_p:
                g = gs[by_p[pi][0]]
                if g.target != "speech":
                    c["pred_matched_other"] += 1
                    c[f"pred_{p.kind}_matched_other"] += 1
            else:
                rep.mismatches.append({"type": "spurious", "article_id": aid, "gold": None, "pred": _brief(p),
                                       "context": p.context or None})
    for (aid, att), target in seen_att.items():
        if (aid, att) in found_att:
            c["all_att_found"] += 1
            if target == "speech":
                c["speech_att_found"] += 1
    return rep


def gold_statements(split: PolnearSplit, targets: Iterable[str] | None = None) -> list[Statement]:
    """The split's gold as plain project statements (all, or those of `targets`)."""
    keep = set(targets) if targets is not None else None
    return [g.statement for g in split.gold if keep is None or g.target in keep]


def articles_list(split: PolnearSplit) -> list[Article]:
    """The split's articles in id order."""
    return [split.articles[k] for k in sorted(split.articles)]


__all__ = ["Attribution", "GoldStatement", "PolnearConfig", "PolnearReport", "PolnearSplit", "SPEECH_WORDS",
           "articles_list", "attribution_class", "content_statements", "cue_matches", "evaluate_polnear",
           "gold_statements", "load_config", "parse_ann", "read_article_gold", "read_split", "resolve_antecedents",
           "roles_swapped", "source_kind", "speaker_matches", "subject_names", "swap_roles"]
