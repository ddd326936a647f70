"""Genders of given names, for pronoun agreement with people the actor registry does not know.

Two sources, in this order: the project's short list (`stance.extraction.cues.FIRST_NAMES`,
names frequent in this domain), then a table of about 9,500 given names whose gender the sources
of the `nomquamgender` name data agree on (`data/first_names.tsv`, built by
scripts/build_first_names.py; read once, on first use).

The table holds surnames that are also given names ("Harris", "Clinton"), so callers ask it only
about the first word of a name that has a surname after it ("Melanie Smith"), never about a
name written alone.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from stance.extraction.cues import FIRST_NAMES

_LISTED = {name.lower(): gender for name, gender in FIRST_NAMES.items()}


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    text = resources.files("stance.extraction").joinpath("data/first_names.tsv").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, gender = line.split("\t")
            out[name] = gender
    return out


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKD", word)
    return "".join(c for c in word if not unicodedata.combining(c)).lower()


def listed_gender(word: str) -> str | None:
    """'male' or 'female' for a first name of the project's own list, else None."""
    return _LISTED.get(_fold(word))


def given_name_gender(word: str) -> str | None:
    """'male' or 'female' for a given name (the project's list, then the name table), else None.

    Ask only about the first word of a name followed by a surname: the table also holds surnames
    that serve as given names."""
    folded = _fold(word)
    return _LISTED.get(folded) or _table().get(folded)
