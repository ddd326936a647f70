"""The actor registry: canonical actors, their aliases and their dated roles.

A registry is one or more YAML files (`configs/actors/*.yaml`, schema: `RegistryConfig`).
`ActorRegistry.resolve(speaker_text, date)` maps an attribution as written ("Kremlin
spokesman Dmitry Peskov", "the US president", "Moscow") to a canonical actor id, or None
when the speaker is not in the registry.

Matching works on normalised words: lower case, accents folded ("Orbán" = "Orban"),
periods dropped ("U.S." = "US"), possessive 's dropped ("Russia's foreign minister" =
"Russia foreign minister"), other punctuation treated as a word break. Resolution order:

1. the whole phrase (leading "the"/"a"/"an" removed) equals an alias, or a role held on
   `date`;
2. a person's alias ends the phrase (longest match first), so a title reduces to the
   person ("Russian President Vladimir Putin"), while "a Putin ally" stays unresolved, and
   a surname alias after another person's first name is another person ("Ivanka Trump" is
   not the "Trump" of the registry);
3. a role held on `date` ends the phrase and is not preceded by a word that changes who
   is meant ("former", "deputy", "acting", ...): "the new US president" matches
   "US president", "the former US president" does not;
4. the phrase is headed by an organisation word ("ministry", "office", "command",
   "spokesman", ...) and names an institution or a person with an `institution`: that
   institution ("Russia's Emergencies Ministry" -> russia).

In steps 2 and 3 a name or role after a preposition is not the head of the phrase ("a
spokesman for the UN secretary-general" is not the secretary-general).

An institution's alias only counts as the whole phrase (step 1): "Ukraine's chief
negotiator" is not the Ukrainian government. The phrase is cut at commas, parentheses
and dashes first, so each part of "Dmitry Peskov, the Kremlin spokesman" is tried. Role dates: `start` is inclusive, `end`
exclusive. With no date, a role only resolves when exactly one actor ever holds it.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stance.config import StrictModel, load_config
from stance.errors import ConfigError
from stance.extraction.names import given_name_gender

# Words before a role that make it a different person than the current holder.
ROLE_BLOCKERS = frozenset({
    "former", "ex", "deputy", "acting", "vice", "late", "previous", "future", "next", "then", "outgoing",
    "incoming", "first", "assistant", "interim", "past", "one", "another", "second", "third",
})
DETERMINERS = ("the", "a", "an")
# A name after one of these is not the head of the phrase ("a spokesman for Guterres").
PREPOSITIONS = frozenset({"of", "for", "to", "from", "with", "by", "at", "in", "on"})
# Heads of phrases that speak for a state or person named inside them ("Ukraine's southern
# military command", "the office of President Zelensky", "the Kremlin readout").
ORG_HEADS = frozenset("""ministry government office command army military administration presidency
embassy delegation mission council readout statement spokesman spokeswoman spokesperson""".split())


class Role(StrictModel):
    """A title or role noun held by an actor, optionally between two dates (end exclusive)."""

    title: str = Field(min_length=1)
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Role":
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"role {self.title!r}: end {self.end} is not after start {self.start}")
        return self

    def holds_on(self, date: dt.date) -> bool:
        """Whether the role is held on `date` (start inclusive, end exclusive)."""
        return (self.start is None or self.start <= date) and (self.end is None or date < self.end)


class Actor(StrictModel):
    """One canonical actor: a person or an institution."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1)
    side: str = Field(min_length=1)
    kind: Literal["person", "institution"]
    gender: Literal["female", "male"] | None = None
    institution: str | None = None  # the institution a person speaks for, e.g. a government
    aliases: list[str] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)

    @field_validator("aliases")
    @classmethod
    def _non_empty_aliases(cls, value: list[str]) -> list[str]:
        for alias in value:
            if not normalize(alias):
                raise ValueError(f"alias {alias!r} has no words")
        return value


class RegistryConfig(StrictModel):
    """A registry file: a name and its actors."""

    name: str = Field(min_length=1)
    actors: list[Actor] = Field(min_length=1)


@functools.lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Lower-case, accent-folded, space-separated words of `text` (see the module doc)."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"(?<=\w)'s\b", "", text)
    text = text.replace(".", "").replace("'", "")
    text = re.sub(r"[^\w\-]+", " ", text)
    return " ".join(w.strip("-") for w in text.split() if w.strip("-"))


_POSSESSOR = re.compile(r"([A-Z][\w.-]*)['\u2019]s\b")  # "the Vatican's", "Ukraine's"


def _cased_words(phrase: str) -> tuple[list[str], list[bool]]:
    """Normalised words of a phrase without leading determiners, and whether each was capitalised."""
    words: list[str] = []
    caps: list[bool] = []
    for m in re.finditer(r"[\w'\u2019.-]+", phrase):
        for w in normalize(m.group()).split():
            words.append(w)
            caps.append(m.group()[:1].isupper())
    while words and words[0] in DETERMINERS:
        words, caps = words[1:], caps[1:]
    return words, caps


class ActorRegistry:
    """Canonical actors with alias and dated-role lookup."""

    def __init__(self, actors: Iterable[Actor], name: str = "registry") -> None:
        self.name = name
        self.actors: dict[str, Actor] = {}
        self._aliases: dict[tuple[str, ...], str] = {}
        self._roles: dict[tuple[str, ...], list[tuple[Role, str]]] = defaultdict(list)
        for actor in actors:
            if actor.id in self.actors:
                raise ConfigError(f"actor id {actor.id!r} is defined twice", field="actors.id")
            self.actors[actor.id] = actor
            for alias in {actor.name, *actor.aliases}:
                key = tuple(normalize(alias).split())
                other = self._aliases.get(key)
                if other and other != actor.id:
                    raise ConfigError(f"alias {alias!r} belongs to both {other!r} and {actor.id!r}",
                                      field=f"actors.{actor.id}.aliases")
                self._aliases[key] = actor.id
            for role in actor.roles:
                self._roles[tuple(normalize(role.title).split())].append((role, actor.id))
        for actor in self.actors.values():
            inst = self.actors.get(actor.institution) if actor.institution else None
            if actor.institution and (inst is None or inst.kind != "institution"):
                raise ConfigError(f"institution {actor.institution!r} of {actor.id!r} is not an institution actor",
                                  field=f"actors.{actor.id}.institution")
        for holders in self._roles.values():
            for i, (r1, a1) in enumerate(holders):
                for r2, a2 in holders[i + 1:]:
                    if a1 != a2 and _overlap(r1, r2):
                        raise ConfigError(f"role {r1.title!r} is held by both {a1!r} and {a2!r} "
                                          f"at the same time; give them non-overlapping start/end dates",
                                          field=f"actors.{a2}.roles")
        self._max_alias = max((len(k) for k in self._aliases), default=0)
        # the words of each actor's own names, so that only someone else's first name blocks a surname
        self._own_words = {a.id: {w for alias in {a.name, *a.aliases} for w in normalize(alias).split()}
                           for a in self.actors.values()}
        self._cache: dict[tuple[str, dt.date | None], str | None] = {}

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path) -> "ActorRegistry":
        """Load one registry YAML file, or every *.yaml file of a folder (ids must stay unique)."""
        path = Path(path)
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
        if not files:
            raise ConfigError("no *.yaml actor registry in this folder", path=path)
        actors: list[Actor] = []
        names = []
        for f in files:
            cfg = load_config(f, RegistryConfig)
            actors.extend(cfg.actors)
            names.append(cfg.name)
        try:
            return cls(actors, name="+".join(names))
        except ConfigError as exc:
            raise ConfigError(exc.reason, path=files[0] if len(files) == 1 else path, field=exc.field) from None

    # ------------------------------------------------------------------ lookup
    def get(self, actor_id: str | None) -> Actor | None:
        """The actor with this id, or None."""
        return self.actors.get(actor_id) if actor_id else None

    def _role_holder(self, key: tuple[str, ...], date: dt.date | None) -> str | None:
        holders = self._roles.get(key, [])
        if date is None:
            ids = {a for _, a in holders}
            return ids.pop() if len(ids) == 1 else None
        ids = {a for r, a in holders if r.holds_on(date)}
        return ids.pop() if len(ids) == 1 else None

    def resolve(self, speaker_text: str, date: dt.date | None = None) -> str | None:
        """The actor id meant by `speaker_text` on `date`, or None (see the module doc for the rules).

        The phrase is first cut at commas, parentheses and dashes; the first part (the
        head) is tried with every step before an appositive part ("Vladimir Medinsky, the
        Kremlin aide" is Medinsky, not the holder of "Kremlin aide").
        """
        key = (speaker_text, date)
        if key not in self._cache:
            self._cache[key] = self._resolve(speaker_text, date)
        return self._cache[key]

    def _resolve(self, speaker_text: str, date: dt.date | None) -> str | None:
        parts = re.split(r"[,;()\[\]\u2014\u2013]|\s-\s", speaker_text)
        for part in parts:
            words, caps = _cased_words(part)
            if not words:
                continue
            possessors = {normalize(m.group(1)) for m in _POSSESSOR.finditer(part)}
            found = self._resolve_words(words, caps, date, possessors)
            if found:
                return found
        return None

    def _resolve_words(self, words: list[str], caps: list[bool], date: dt.date | None,
                       possessors: set[str] | None = None) -> str | None:
        key = tuple(words)
        if key in self._aliases:  # 1. the whole phrase is an alias or a role
            return self._aliases[key]
        holder = self._role_holder(key, date)
        if holder:
            return holder
        for n in range(min(self._max_alias, len(words)), 0, -1):  # 2. a person's alias ends the phrase
            actor_id = self._aliases.get(tuple(words[-n:]))
            if actor_id and self.actors[actor_id].kind == "person" and not self._governed(words[:-n], caps[:-n]) \
                    and not (n < len(words) and caps[-n - 1] and self._other_first_name(words[-n - 1], actor_id)):
                return actor_id
        for i in range(1, len(words)):  # 3. a role ends the phrase, without a blocking modifier
            key = tuple(words[i:])
            if key in self._roles and words[i - 1] not in ROLE_BLOCKERS and not self._governed(words[:i], caps[:i]):
                holder = self._role_holder(key, date)
                if holder and not (possessors and caps[i - 1] and words[i - 1] in possessors
                                   and words[i - 1] not in self._home_words(holder)):
                    return holder  # (not "the Vatican's secretary of state" for the US one)
        cut = next((i for i, w in enumerate(words) if w in PREPOSITIONS), len(words))
        if cut and words[cut - 1] in ORG_HEADS:  # 4. an organisation of a known state or person
            for n in range(min(self._max_alias, len(words)), 0, -1):
                for i in range(len(words) - n + 1):
                    actor = self.actors.get(self._aliases.get(tuple(words[i:i + n]), ""))
                    if actor is not None and actor.kind == "institution":
                        return actor.id
                    if actor is not None and actor.institution:
                        return actor.institution
        return None

    def _home_words(self, actor_id: str) -> set[str]:
        """The words of an actor's own names and of its institution's names ("ukraine", "kyiv", ...)."""
        actor = self.actors[actor_id]
        words = set(self._own_words[actor_id])
        if actor.institution and actor.institution in self._own_words:
            words |= self._own_words[actor.institution]
        return words

    def _other_first_name(self, word: str, actor_id: str) -> bool:
        """Whether `word` (normalised) is a first name that is not one of the actor's own names."""
        return word not in self._own_words[actor_id] and given_name_gender(word) is not None

    def _governed(self, before: list[str], caps: list[bool]) -> bool:
        """Whether a name after the words `before` sits in a prepositional phrase of a common noun
        ("a spokesman for ...", "the office of ..."), rather than after a title ("Secretary of
        State ...", "head of the Ukrainian delegation ...")."""
        words = list(before)
        while words and words[0] in DETERMINERS:
            words = words[1:]
            caps = caps[1:]
        if not words or tuple(words) in self._roles:
            return False
        return any(w in PREPOSITIONS and i > 0 and not caps[i - 1] for i, w in enumerate(words))

    def title_heads(self, actor_id: str, date: dt.date | None = None) -> set[str]:
        """Last words of the role titles `actor_id` holds on `date` ("president" for "US president")."""
        return {key[-1] for key, holders in self._roles.items()
                for role, a in holders if a == actor_id and (date is None or role.holds_on(date))}

    def title_words(self, actor_id: str, date: dt.date | None = None) -> set[str]:
        """Every word of the role titles `actor_id` holds on `date` ("french", "president")."""
        return {w for key, holders in self._roles.items()
                for role, a in holders if a == actor_id and (date is None or role.holds_on(date)) for w in key}

    def find(self, text: str) -> list[tuple[int, str]]:
        """(character offset, actor id) of every alias occurring in `text` as whole words, longest
        match first, without overlaps, in text order."""
        toks: list[tuple[str, int]] = []
        caps: list[bool] = []
        for m in re.finditer(r"[\w'\u2019.-]+", text):
            for w in normalize(m.group()).split():
                toks.append((w, m.start()))
                caps.append(m.group()[:1].isupper())
        words = [w for w, _ in toks]
        taken = [False] * len(words)
        out: list[tuple[int, str]] = []
        for n in range(min(self._max_alias, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                if any(taken[i:i + n]):
                    continue
                actor_id = self._aliases.get(tuple(words[i:i + n]))
                if actor_id and i > 0 and caps[i - 1] and self.actors[actor_id].kind == "person" \
                        and self._other_first_name(words[i - 1], actor_id):
                    continue  # "Ivanka Trump" is not a mention of the registry's Trump
                if actor_id:
                    out.append((toks[i][1], actor_id))
                    for j in range(i, i + n):
                        taken[j] = True
        return sorted(out)


def _overlap(a: Role, b: Role) -> bool:
    """Whether two roles' date ranges share a day (open ends are unbounded)."""
    a_start, b_start = a.start or dt.date.min, b.start or dt.date.min
    a_end, b_end = a.end or dt.date.max, b.end or dt.date.max
    return a_start < b_end and b_start < a_end


def load_registry(path: str | Path | None) -> ActorRegistry | None:
    """`ActorRegistry.load(path)`, or None when no path is given."""
    return ActorRegistry.load(path) if path else None
