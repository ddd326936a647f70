"""The actor registry: schema validation, aliases, dated roles, titles and appositives."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from stance.errors import ConfigError
from stance.extraction.actors import ActorRegistry, normalize

REGISTRY = """
name: test
actors:
  - id: kremlin
    name: Russian government
    side: russia
    kind: institution
    aliases: [Moscow, the Kremlin, Kremlin]
    roles: [{title: Russian foreign ministry}]
  - id: peskov
    name: Dmitry Peskov
    side: russia
    kind: person
    gender: male
    institution: kremlin
    aliases: [Dmitry Peskov, Peskov]
    roles: [{title: Kremlin spokesman}]
  - id: old_president
    name: Old President
    side: us
    kind: person
    aliases: [Joe Biden, Biden]
    roles: [{title: US president, end: 2025-01-20}]
  - id: new_president
    name: New President
    side: us
    kind: person
    aliases: [Donald Trump, Trump]
    roles: [{title: US president, start: 2025-01-20}, {title: president-elect, start: 2024-11-06, end: 2025-01-20}]
  - id: orban
    name: Viktor Orbán
    side: europe
    kind: person
    aliases: [Viktor Orbán, Orbán]
"""


@pytest.fixture()
def reg(tmp_path) -> ActorRegistry:
    path = tmp_path / "actors.yaml"
    path.write_text(REGISTRY, encoding="utf-8")
    return ActorRegistry.load(path)


@pytest.mark.parametrize("date, expected", [
    (dt.date(2024, 6, 1), "old_president"),
    (dt.date(2025, 1, 19), "old_president"),
    (dt.date(2025, 1, 20), "new_president"),  # end is exclusive, start inclusive
    (dt.date(2026, 1, 1), "new_president"),
])
def test_dated_role_resolves_to_the_holder_on_the_date(reg, date, expected):
    assert reg.resolve("the US president", date) == expected
    assert reg.resolve("The U.S. President", date) == expected


def test_role_without_date_only_resolves_when_unambiguous(reg):
    assert reg.resolve("the US president", None) is None
    assert reg.resolve("the Kremlin spokesman", None) == "peskov"


def test_role_out_of_its_dates_does_not_resolve(reg):
    assert reg.resolve("the president-elect", dt.date(2024, 12, 1)) == "new_president"
    assert reg.resolve("the president-elect", dt.date(2025, 6, 1)) is None


@pytest.mark.parametrize("text, expected", [
    ("Moscow", "kremlin"),
    ("the Kremlin", "kremlin"),
    ("Kremlin spokesman Dmitry Peskov", "peskov"),      # title reduced to the person
    ("Dmitry Peskov, the Kremlin spokesman", "peskov"),  # appositive
    ("the Kremlin spokesman, Dmitry Peskov", "peskov"),
    ("Viktor Orban", "orban"),                          # accents folded
    ("PESKOV", "peskov"),                               # case-insensitive
    ("Russian foreign ministry", "kremlin"),
    ("Russia's foreign ministry spokesman", None),       # not in the registry
    ("a Peskov ally", None),                           # the name is not the head
    ("a friend of Dmitry Peskov", None),                # the name is after a preposition
    ("a spokesman for Dmitry Peskov", "kremlin"),       # a spokesman speaks for the person's institution
    ("the former US president", None),                  # a blocking modifier
    ("the office of Dmitry Peskov", "kremlin"),        # an office speaks for its institution
    ("Peskovich", None),                                # whole words only
    ("", None),
])
def test_resolution_rules(reg, text, expected):
    assert reg.resolve(text, dt.date(2025, 3, 1)) == expected


def test_longest_alias_wins_inside_a_phrase(reg):
    assert reg.resolve("Trump's envoy met Donald Trump", dt.date(2025, 3, 1)) == "new_president"
    assert reg.find("The Kremlin said Peskov and Donald Trump spoke.") == [
        (0, "kremlin"), (17, "peskov"), (28, "new_president")]


def test_a_surname_after_another_persons_first_name_is_another_person(reg):
    date = dt.date(2025, 10, 10)
    # the registry's Trump is "Donald Trump" or "Trump"; Melania and Ivanka Trump are not him
    assert reg.resolve("Melania Trump", date) is None
    assert reg.resolve("Ivanka Trump, the president's daughter", date) is None
    assert reg.find("Melania Trump met Dmitry Peskov, then Trump spoke.") == [(18, "peskov"), (38, "new_president")]
    # a title, the person's own first name, or a capitalised word that is no given name still resolve
    for text in ("President Trump", "Donald Trump", "Mr. Trump", "Kremlin spokesman Peskov", "Dmitry Peskov"):
        assert reg.resolve(text, date) is not None, text
    assert reg.find("Melania Trump and Donald Trump") == [(18, "new_president")]


def test_a_role_after_another_places_possessive_is_not_the_registrys_holder(reg):
    date = dt.date(2024, 12, 1)
    assert reg.resolve("the president-elect", date) == "new_president"
    assert reg.resolve("France's president-elect", date) is None  # ("the Vatican's secretary of state")
    assert reg.resolve("the Kremlin's spokesman", date) == "peskov"  # the whole title, with or without 's
    assert reg.resolve("Moscow's Kremlin spokesman", date) == "peskov"  # a name of the holder's institution


def test_title_heads(reg):
    assert reg.title_heads("new_president", dt.date(2025, 3, 1)) == {"president"}
    assert reg.title_heads("new_president", dt.date(2024, 12, 1)) == {"president-elect"}


def test_normalize():
    assert normalize("Russia\u2019s U.S. Envoy, Orbán") == "russia us envoy orban"


def test_project_registry_loads_and_every_person_has_a_gender():
    reg = ActorRegistry.load(Path(__file__).resolve().parents[1] / "configs" / "actors")
    assert reg.resolve("Kremlin spokesperson Dmitry Peskov") == "peskov"
    assert all(a.kind != "person" or a.gender for a in reg.actors.values())


@pytest.mark.parametrize("old, new, message", [
    ("aliases: [Joe Biden, Biden]", "aliases: [Joe Biden, Trump]", "alias 'Trump' belongs to both"),
    ("roles: [{title: US president, end: 2025-01-20}]", "roles: [{title: US president, end: 2025-02-01}]",
     "held by both"),
    ("institution: kremlin", "institution: peskov", "is not an institution actor"),
    ("kind: institution", "kind: organisation", "kind"),
    ("    gender: male", "    gendr: male", "did you mean 'gender'"),
    ("roles: [{title: Kremlin spokesman}]", "roles: [{title: Kremlin spokesman, start: 2025-01-01, end: 2024-01-01}]",
     "not after start"),
])
def test_invalid_registries_are_rejected_with_a_located_message(tmp_path, old, new, message):
    assert old in REGISTRY
    path = tmp_path / "actors.yaml"
    path.write_text(REGISTRY.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        ActorRegistry.load(path)
    assert str(path) in str(err.value)


def test_duplicate_ids_across_files_of_a_folder(tmp_path):
    (tmp_path / "a.yaml").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(REGISTRY.replace("name: test", "name: other"), encoding="utf-8")
    with pytest.raises(ConfigError, match="defined twice"):
        ActorRegistry.load(tmp_path)
