"""Who spoke: the speaker of a cue frame resolved to an actor of the registry, and a pronoun or a
bare title ("he", "the spokesman", "the ministry") to the nearest compatible named antecedent in
the article (gender from titles and first names, kind from the registry or the noun).

`SpeakerResolution` is the speaker half of the article reader (`stance.extraction.quotes`): the
reader finds frames (a cue, its speaker words, its content) and calls `_attribute` on each.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from stance.extraction.cues import (
    DATELINE,
    FEMALE_WORDS,
    MALE_WORDS,
    NON_SPEAKERS,
    ORG_WORDS,
    PRONOUNS,
    SPEAKER_NOUNS,
)
from stance.extraction.names import given_name_gender, listed_gender
from stance.extraction.segmentation import MARKS
from stance.extraction.simple_attribution import FRONTED, is_simple_speaker

if TYPE_CHECKING:
    from stance.extraction.actors import ActorRegistry
    from stance.extraction.quotes import Extractor, _Frame, _Mapper, _Prepared

# Documents that speak for their authors with a strong cue ("the report says", "the statement said").
_DOCUMENTS = frozenset("report reports study survey analysis document documents statement statements".split())
# Heads of phrases that "it" can refer to besides ORG_WORDS: organisations and places that speak
# through statements, and documents ("The city sent a letter. It says ...", "the report ... It also notes").
_IT_HEADS = ORG_WORDS | _DOCUMENTS | frozenset("""city town state country nation campaign coalition organization
organisation group union court department bureau board institute foundation association alliance league network
newspaper paper magazine times post journal article letter website site firm bank corporation university
school""".split())
_HEAD_ENDS = frozenset("of for at in to from with on by who which that".split())
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_WORDS = re.compile(r"[\w.'\u2019-]+")
_CLAUSE_WORDS = frozenset("""is was were are has had have will would could can may might must did does do said says
told who which that also and but or not""".split())
_NP_LOWER = frozenset({"the", "a", "an", "of", "for", "de", "von", "der", "da", "bin", "al"})
# possessive pronouns as speakers of cue nouns ("his view that ..."), read as the pronoun they stand for
POSSESSIVES = {"his": "he", "her": "she", "its": "it", "their": "they"}
_BARE_TITLE = re.compile(r"[Tt]he\s+(?:[a-z][\w-]*\s+){0,2}([a-z][\w-]*)")
# "the French leader", "the Turkish minister": a title qualified by a nationality that one of the
# antecedent's registry titles holds ("French president"); "leader" and "head of state" fit any such holder
_QUALIFIED_TITLE = re.compile(r"[Tt]he\s+([A-Z][a-z]+)\s+(?:[a-z][\w-]*\s+){0,2}([a-z][\w-]*)")
_LEADER_HEADS = frozenset({"leader", "state"})
# First words of capitalised phrases that are not a person's name.
_NOT_PERSON_FIRST = frozenset("""the a an this that these those his her their its our my hi it he she they we
republican republicans democrat democrats democratic american americans european u.s. us united new state
federal national gender white house senate congress though although of more most many some people just even
conservative conservatives liberal liberals former then when while after before if as but and or so because since
during despite without with for from by on in at""".split())
# Capitalised words before a place or a thing rather than before a surname ("In Charlotte").
_NOT_FIRST_NAME = frozenset("""in on at of for from to by with after before during since when while as and but or
if north south east west new san los las fort port lake mount saint st. st city county""".split())
_TITLE_NAME = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.?\s+([A-Z][\w'\u2019-]+)")
# A capitalised word and the surname after it ("Elizabeth Warren", "John G. Stumpf"); the first
# word counts when it is a given name (stance.extraction.names). The surname is read ahead, so it
# can be the first word of the next pair ("Secretary of State Antony Blinken").
_FIRST_SURNAME = re.compile(r"\b([A-Z][a-z]+)\s+(?=(?:[A-Z]\.\s+)?([A-Z][a-z][\w'\u2019-]*))")
# Capitalised words before a first name ("Sen. Tim Scott", "Former President Barack Obama").
# titles that mark a name as a person's ("Sen. Deb Fischer")
PERSON_TITLES = frozenset("""mr mrs ms dr sen senator rep representative gov governor president minister secretary
gen general judge mayor""".split())
# words before a first name that are not it ("former Democratic Sen. ...")
_NAME_TITLES = PERSON_TITLES | frozenset("""miss lt col maj capt adm rev justice vice former prime chief chairman
chairwoman speaker ambassador democratic republican gop u.s us the""".split())


def _speaker_kind(text: str, actor_id: str | None, registry: ActorRegistry | None) -> tuple[str, str | None]:
    """(kind, gender) of a speaker for pronoun agreement: person, group or institution."""
    actor = registry.get(actor_id) if registry else None
    if actor is not None:
        return actor.kind, actor.gender
    every = set(re.findall(r"[\w'\u2019-]+", text.lower()))
    gender = "female" if FEMALE_WORDS & every else "male" if MALE_WORDS & every else None
    # the kind is the head phrase's ("Michael Tanner, a fellow at the Cato Institute" is a person);
    # a name's kind is its appositive's ("Save Ukraine, a Kyiv group that ..." is an institution)
    parts = [p for p in (_head_tokens(part) for part in _PARENTHETICAL.sub("", text).split(",")) if p]
    if not parts:
        return "person", gender
    tokens = parts[0]
    last = tokens[-1].lower()
    if last in PRONOUNS:
        return PRONOUNS[last][0][0], PRONOUNS[last][1]
    if tokens[-1][:1].isupper() and len(parts) > 1 and parts[1][-1].lower() in _IT_HEADS:
        return "institution", None
    if last in _IT_HEADS:
        return "institution", None
    if last.endswith("s") and not tokens[-1][:1].isupper():
        return "group", None
    return "person", gender


def _head_tokens(phrase: str) -> list[str]:
    """The words of a noun phrase up to its first preposition or relative word ("The foreign
    minister of the host country" -> The foreign minister)."""
    tokens = re.findall(r"[\w'\u2019-]+", phrase)
    cut = next((i for i, t in enumerate(tokens) if i and t.lower() in _HEAD_ENDS), len(tokens))
    return tokens[:cut]


_QUANTIFIERS = frozenset("most many some all few several both half none each one two three four five".split())


def _is_plausible(tokens: list, strong: bool, registry: ActorRegistry | None) -> bool:
    """Whether a subject can be a speaker (weak cues need a name, pronoun, role noun or actor)."""
    if not tokens:
        return False
    if len(tokens) == 1 and tokens[0].lower_ in PRONOUNS:
        return True
    if len(tokens) == 3 and tokens[1].lower_ == "of" and tokens[2].lower_ in ("them", "us") \
            and tokens[0].lower_ in _QUANTIFIERS:
        return strong  # "most of them said ...": a part of a group named before
    if tokens[0].lower_ == "those" and len(tokens) > 1:
        return strong  # "those who back her opponents say ...", "those close to him said ..."
    head = tokens[-1]
    has_name = any(t.tag_.startswith("NNP") for t in tokens)
    if head.lower_ in NON_SPEAKERS and not has_name:
        return strong and head.lower_ in _DOCUMENTS  # "the report says ...", not "the comments indicate ..."
    if head.tag_ in ("PRP", "DT", "WDT", "WP", "EX") and head.lower_ not in PRONOUNS:
        return False
    if strong:
        return True
    words = {t.lower_ for t in tokens}
    return has_name or bool(words & SPEAKER_NOUNS) or (
        registry is not None and registry.resolve(" ".join(t.text for t in tokens)) is not None)


def _display_name(speaker: str) -> str | None:
    """The name in a speaker phrase, for a pronoun that refers to it: the phrase before an
    appositive comma, from its capitalised run at the end ("Kremlin spokesman Dmitry Peskov"
    -> "Dmitry Peskov"); None for a pronoun or a phrase without a capitalised word."""
    speaker = _PARENTHETICAL.sub("", speaker)  # "Sen. Claire McCaskill (D-Mo.)"
    parts = [p.strip() for p in speaker.split(",")]
    if len(parts) > 1 and _display_name(parts[0]) is None:  # "The minister of the economy, Mr. Guajardo"
        return next((n for n in map(_display_name, parts[1:3]) if n), None)
    head = parts[0]
    words = head.split()
    if not words or head.lower() in PRONOUNS or "(" in head:
        return None
    k = len(words)
    while k > 0 and (words[k - 1][:1].isupper() or words[k - 1].lower() in _NP_LOWER and k < len(words)):
        k -= 1
    if k == len(words):
        return None
    while k < len(words) and not words[k][:1].isupper():
        k += 1
    run = words[k:]
    # the person's name, not the titles before it: the last two words ("French President
    # Emmanuel Macron" -> "Emmanuel Macron"), with a middle initial ("Donald J. Trump")
    n = 3 if len(run) >= 3 and re.fullmatch(r"[A-Z]\.", run[-2]) else 2
    name = " ".join(run[-n:])
    if name.lower() in ("the", "a") or name.split()[0].lower() in ("the", "a", "an"):
        return None
    return name[:-2] if name.endswith(("'s", "\u2019s")) else name


def _plain(speaker: str) -> str | None:
    """A speaker phrase that is not a pronoun, as a pronoun's antecedent ("the officials")."""
    speaker = _PARENTHETICAL.sub("", speaker)
    return None if speaker.lower() in PRONOUNS or "(" in speaker else speaker.split(",")[0].strip() or None


def _title_genders(text: str) -> dict[str, str]:
    """Name words whose gender the article shows: surnames after Mr./Mrs./Ms., then surnames the
    article writes after a known first name of one gender only ("Warren" after "Elizabeth", but not
    "Clinton" when both "Bill" and "Hillary" precede it)."""
    out: dict[str, str] = {}
    for m in _TITLE_NAME.finditer(text):
        out.setdefault(m.group(2), "male" if m.group(1) == "Mr" else "female")
    seen: dict[str, set[str]] = {}
    previous_end, previous_gender = -1, None
    for m in _FIRST_SURNAME.finditer(text):
        after_name = previous_end == m.start() and previous_gender is not None
        gender = given_name_gender(m.group(1))
        previous_end, previous_gender = m.end(), gender
        if gender and not after_name:  # "Donna Sampson Rawlings": "Sampson" is not Rawlings' first name
            seen.setdefault(m.group(2), set()).add(gender)
    for surname, genders in seen.items():
        if len(genders) == 1 and listed_gender(surname) is None:
            out.setdefault(surname, next(iter(genders)))
    return out


def _np_tokens(head) -> list:
    """The noun phrase of `head` as written: no relative clauses, no trailing punctuation ("those"
    keeps what defines it: "those who back her opponents", "those close to him")."""
    drop: set[int] = set()
    for child in head.children:
        if head.lower_ in ("those", "anyone", "everyone") and child.dep_ in ("relcl", "acl", "amod") \
                and child.i > head.i:
            continue
        if child.dep_ in ("relcl", "acl", "advcl", "cc", "conj", "case", "advmod", "npadvmod") or (
                child.dep_ == "prep" and child.lower_ not in ("of", "for", "to")
                and not (child.lower_ == "in" and head.tag_ == "CD")):  # "4 in 10"
            drop.update(t.i for t in child.subtree)
        if child.dep_ == "appos":  # keep the appositive but not its relative clauses
            for g in child.children:
                if g.dep_ in ("relcl", "acl", "advcl"):
                    drop.update(t.i for t in g.subtree)
    toks = {t.i: t for t in head.subtree if t.i not in drop}
    run = [head]
    i = head.i - 1
    while i in toks:
        run.insert(0, toks[i])
        i -= 1
    i = head.i + 1
    while i in toks:
        run.append(toks[i])
        i += 1
    while run and (run[0].is_punct or run[0].text in MARKS):
        run.pop(0)
    while run and (run[-1].is_punct or run[-1].text in MARKS or run[-1].tag_ == "POS"):
        run.pop()
    if any(t.text == "(" for t in run) and not any(t.text == ")" for t in run):
        after = run[-1].i + 1 if run else len(head.doc)
        if after < len(head.doc) and head.doc[after].text == ")":
            run.append(head.doc[after])  # "Sen. Elizabeth Warren (D-MA)": the tag stays whole
    return run


class SpeakerResolution:
    """Speaker methods of the article reader; the reader provides the attributes below."""

    ex: Extractor
    prep: _Prepared
    text: str
    subject_by_unit: dict[int, tuple | None]
    doc_by_unit: dict[int, tuple]
    frames_by_unit: dict[int, list[_Frame]]
    _mentions: dict[int, list]
    _genders: dict[str, str]
    simple_units: set[int]

    def _speaker(self, subj, mapper: _Mapper) -> tuple[str, list] | None:
        toks = _np_tokens(subj)
        if not toks:
            return None
        return self.text[mapper.start(toks[0]):mapper.end(toks[-1])], toks

    def _attribute(self, f: _Frame, unit_index: int) -> None:
        """Set a frame's actor (and kind, gender): registry, or an antecedent for a pronoun or
        a bare title ("the president", "the ministry")."""
        f.actor, f.kind, f.gender, f.name = self._resolve(f.speaker, unit_index, f.pos)
        if f.name and (f.actor is None or f.speaker.lower() in PRONOUNS or f.speaker.lower() in POSSESSIVES):
            f.speaker_name = f.name  # a pronoun, or a title the registry cannot resolve: name the person

    def _resolve(self, speaker: str, unit_index: int, pos: int) -> tuple[str | None, str, str | None, str | None]:
        """(actor, kind, gender, name): `name` is the named antecedent of a pronoun or bare title."""
        reg = self.ex.registry
        low = speaker.lower()
        low = POSSESSIVES.get(low, low)  # "his view that ...": the speaker is who "he" is
        if low in PRONOUNS:
            kinds, gender = PRONOUNS[low]

            def fits(actor, text, kind, g, name):
                if kind not in kinds:
                    return False
                text = name or text
                g = g or self._name_gender(text)
                if gender is not None and actor is None and not self._looks_like_person(text, g):
                    return False
                return gender is None or g in (None, gender)

            # "it" and "they" take an earlier speaker or sentence subject, not any registry name in passing
            actor, name = self._antecedent(fits, unit_index, pos, mentions=gender is not None)
            if name and gender and name not in self._genders:
                self._genders[name] = gender
                for w in name.split()[1:]:
                    self._genders.setdefault(w, gender)
            if actor and reg:
                return (actor, *_speaker_kind(speaker, actor, reg), name)
            return actor, kinds[0], gender, name
        actor = reg.resolve(speaker, self.prep.article.date) if reg else None
        m = _BARE_TITLE.fullmatch(speaker)
        name = None
        if actor is None and m:
            head = m.group(1).lower()
            date = self.prep.article.date

            def fits(actor, text, kind, g, name):
                if actor is not None and reg is not None and head in reg.title_heads(actor, date):
                    return True
                words = re.findall(r"[a-z]+", text.lower())
                return head in words and (actor is not None or bool(name) and _display_name(name) is not None)

            actor, name = self._antecedent(fits, unit_index, pos, mentions=False)  # a title refers to a speaker
        q = _QUALIFIED_TITLE.fullmatch(speaker) if actor is None and reg is not None else None
        if q is not None and reg is not None:
            qualifier, head = q.group(1).lower(), q.group(2).lower()
            date = self.prep.article.date
            registry = reg

            def qualified(actor, text, kind, g, name):
                if actor is None or qualifier not in registry.title_words(actor, date):
                    return False
                return head in _LEADER_HEADS or head in registry.title_heads(actor, date)

            actor, name = self._antecedent(qualified, unit_index, pos, mentions=False)
        return (actor, *_speaker_kind(speaker, actor, reg), name)

    def _looks_like_person(self, name: str, gender: str | None) -> bool:
        """Whether a name without a registry entry can be he or she: a known gender, or two or
        three capitalised words ("Keron Blair"), or a surname the article writes after a first
        name or title ("Trump" after "Donald Trump")."""
        words = name.split()
        if not words or not all(w[:1].isupper() or w in _NP_LOWER for w in words) \
                or words[0].lower() in _NOT_PERSON_FIRST \
                or name.endswith(("'s", "\u2019s")):
            return False
        if any(len(w) >= 2 and w.isupper() and w.isalpha() for w in words):
            return False  # an acronym: "NBC News", "CNN"
        if gender is not None:
            return True
        if len(words) in (2, 3):
            return True
        if len(words) == 1:
            w = words[0]
            if w.endswith("s") and not w.endswith("ss") or w.endswith("ly"):
                return False
            return any(m.group(1).lower() not in _NOT_FIRST_NAME for m in re.finditer(
                r"\b([A-Z][\w.'\u2019-]*)\s+" + re.escape(w) + r"\b", self.text))
        return False

    def _name_gender(self, text: str) -> str | None:
        """The gender of a named person, from (in this order) a first name of the project's list,
        what the article shows of its words (Mr./Ms., a first name before the surname, an earlier
        he/she), then a given name of the name table (stance.extraction.names). A given name counts
        only as the name's first word after its titles ("Rakeyia Scott" is not male by "Scott");
        a listed one comes before what an earlier he/she said of the surname ("Ivanka Trump")."""
        words = re.findall(r"[A-Z][\w'\u2019-]*", text)
        first = next((w for w in words if w.lower() not in _NAME_TITLES), None)
        if not first:
            return None
        listed = listed_gender(first)
        if first != words[-1] and listed:
            return listed  # "Ivanka Trump" is female though "Trump" alone was a he
        for w in words:
            g = self._genders.get(w)
            if g:
                return g
        given = given_name_gender(first)
        if first != words[-1] or listed:
            return given
        # a name written alone ("Melanie said") is taken for a given name when the article writes it
        # more than once and never as a surname ("Kamala Harris" makes "Harris" a surname)
        if given and len(re.findall(r"\b" + re.escape(first) + r"\b", self.text)) > 1 \
                and not re.search(r"\b[A-Z][a-z]+\s+" + re.escape(first) + r"\b", self.text):
            return given
        return None

    def _unit_subject(self, k: int):
        """(offset, speaker, actor, kind, gender) of the main subject of unit k, parsing it if needed."""
        if k in self.subject_by_unit:
            return self.subject_by_unit[k]
        self.subject_by_unit[k] = None
        if k not in self.doc_by_unit:
            return self._guess_subject(k)
        doc, mapper = self.doc_by_unit[k]
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None) if root is not None else None
        if subj is None or mapper.quote_of(subj) is not None:
            return None
        sp = self._speaker(subj, mapper)
        if sp is None or not _is_plausible(sp[1], False, self.ex.registry):
            return None
        start = mapper.start(subj)
        actor, kind, gender, name = self._resolve(sp[0], k, start)
        self.subject_by_unit[k] = (start, sp[0], actor, kind, gender, name)
        return self.subject_by_unit[k]

    def _guess_subject(self, k: int):
        """The subject of an unparsed unit, guessed: the name or simple speaker phrase that opens
        its main clause (after a fronted phrase such as "Speaking in Kyiv," or "Asked about ...,")."""
        if k in self.simple_units:
            return None  # its speakers are its frames
        u = self.prep.units[k]
        text = self.text
        start = u.start
        for q in self.prep.quotes:  # the main clause starts after a quotation that opens the unit
            if q.open_at <= start + 1 and q.end > start:
                start = (q.close_at + 1) if q.close_at is not None else q.end
                start += len(text[start:u.end]) - len(text[start:u.end].lstrip(" ,"))
        if k < 3:
            m = DATELINE.match(text, u.start, u.end)
            start = m.end() if m else start
        m = FRONTED.match(text, start, u.end)
        if m:
            start = m.end()
        words = list(_WORDS.finditer(text, start, min(u.end, start + 120)))
        run: list[re.Match] = []
        for w in words:
            low = w.group().lower()
            if low in _CLAUSE_WORDS or (w.group()[:1].islower() and low not in _NP_LOWER and not
                                        (low in SPEAKER_NOUNS or low in ORG_WORDS)):
                break
            if run and any(c in text[run[-1].end():w.start()] for c in "(;:"):
                break  # the name ends before a parenthesis: "Sen. Claire McCaskill (D-Mo.)"
            run.append(w)
        if not run:
            return None
        phrase = re.sub(r"['\u2019]s?$", "", text[run[0].start():run[-1].end()].rstrip(".,"))
        if run[0].group().lower().endswith(("ly", "ing")):
            return None  # "Ultimately, ...", a subheading "Scrutinizing the Science": not a subject
        if phrase.lower() in PRONOUNS:
            actor, kind, gender, name = self._resolve(phrase, k, run[0].start())
        elif is_simple_speaker(phrase):
            actor, kind, gender, name = self._resolve(phrase, k, run[0].start())
        else:
            return None
        self.subject_by_unit[k] = (run[0].start(), phrase, actor, kind, gender, name)
        return self.subject_by_unit[k]

    def _unit_mentions(self, k: int) -> list[tuple[int, str, str]]:
        """(offset, actor id, kind) of registry names in unit k, outside quotations."""
        if k not in self._mentions:
            reg = self.ex.registry
            u = self.prep.units[k]
            found: list[tuple[int, str, str]] = []
            if reg is not None:
                chars = list(self.text[u.start:u.end])
                for q in self.prep.quotes:
                    for j in range(max(q.start, u.start), min(q.end, u.end)):
                        chars[j - u.start] = " "
                for offset, actor_id in reg.find("".join(chars)):
                    found.append((u.start + offset, actor_id, reg.actors[actor_id].kind))
            self._mentions[k] = found
        return self._mentions[k]

    def _antecedent(self, fits, unit_index: int, pos: int, mentions: bool = True) -> tuple[str | None, str | None]:
        """(actor, name) of the nearest earlier speaker, sentence subject or registry name that `fits`.

        Searches back sentence by sentence: in the sentence of `pos` only speakers and the
        subject before it; in earlier ones, speakers (last first), then the main subject,
        then (with `mentions`) the first registry name outside quotations. `name` is the
        candidate's name as written (a pronoun candidate passes on its own antecedent's).
        """
        reg = self.ex.registry
        for k in range(unit_index, max(-1, unit_index - 12), -1):
            current = k == unit_index
            for f in reversed(self.frames_by_unit.get(k, [])):
                if f.pos >= pos and current:
                    continue
                name = f.name or _display_name(f.speaker) or _plain(f.speaker)
                if (f.actor or name) and fits(f.actor, f.speaker, f.kind, f.gender, name):
                    return f.actor, name
            subj = self._unit_subject(k)
            if subj and (subj[0] < pos or not current):
                name = subj[5] or _display_name(subj[1]) or _plain(subj[1])
                if (subj[2] or name) and fits(subj[2], subj[1], subj[3], subj[4], name):
                    return subj[2], name
            if current or reg is None or not mentions:
                continue
            for _offset, actor_id, kind in self._unit_mentions(k):
                a = reg.actors[actor_id]
                if fits(actor_id, a.name, kind, a.gender, a.name):
                    return actor_id, a.name
        return None, None
