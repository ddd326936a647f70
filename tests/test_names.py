"""Given names and their genders (stance.extraction.names) and the kind of a speaker phrase."""
from __future__ import annotations

from stance.extraction.names import given_name_gender, listed_gender
from stance.extraction.speakers import _speaker_kind, _title_genders


def test_given_names_from_the_project_list_and_the_name_table():
    # the project's list
    assert listed_gender("Ivanka") == "female" and listed_gender("Volodymyr") == "male"
    # the name table: names the short list does not hold, any case, accents folded
    assert listed_gender("Melanie") is None and given_name_gender("Melanie") == "female"
    assert given_name_gender("Oleksandr") == "male" and given_name_gender("OLEKSANDR") == "male"
    assert given_name_gender("Dmytro") == "male" and given_name_gender("Olena") == "female"
    assert given_name_gender("Andrés") == "male"
    # names both genders carry, surnames, places, titles and months are left out
    for word in ("Taylor", "Jordan", "Zelensky", "Peskov", "Kyiv", "Washington", "Georgia", "King", "April", "General"):
        assert given_name_gender(word) is None, word


def test_article_genders_come_from_given_names_before_surnames():
    text = ("Donna Sampson Rawlings, 59, watched from the Mall. Secretary of State Antony Blinken spoke. "
            "Karoline Leavitt said the talks went well. Mr. Grassley and Ms. Leahy disagreed.")
    genders = _title_genders(text)
    assert genders["Blinken"] == "male"          # "State" before "Antony" is no given name
    assert genders["Leavitt"] == "female"         # a given name of the table, not of the short list
    assert genders["Sampson"] == "female"
    assert "Rawlings" not in genders              # "Sampson" is a middle name there, not a first name
    assert genders["Grassley"] == "male" and genders["Leahy"] == "female"


def test_the_kind_of_a_speaker_phrase_is_its_heads():
    assert _speaker_kind("Michael Tanner, a fellow at the Cato Institute", None, None) == ("person", None)
    assert _speaker_kind("The foreign minister of the host country, Sheikh Abdullah", None, None)[0] == "person"
    assert _speaker_kind("Save Ukraine, a Kyiv group that tracks deported children", None, None)[0] == "institution"
    assert _speaker_kind("The city", None, None)[0] == "institution"
    assert _speaker_kind("the Trump campaign", None, None)[0] == "institution"
    assert _speaker_kind("the report", None, None)[0] == "institution"
    assert _speaker_kind("Sen. Claire McCaskill (D-Mo.)", None, None)[0] == "person"
    assert _speaker_kind("environmentalists", None, None)[0] == "group"
    assert _speaker_kind("Dmitry Peskov, the Kremlin spokesman", None, None) == ("person", "male")
