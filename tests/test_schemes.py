"""Label schemes: merges, drops, validation, the shipped schemes."""
from __future__ import annotations

import pytest

from stance.dataset.schemes import SCHEMES_DIR, LabelScheme, load_scheme
from stance.errors import ConfigError


def test_stance3_merges_rejecting_into_evasive_and_drops_none():
    s = load_scheme("stance3")
    assert s.output_labels == ["open", "conditional", "evasive"]
    assert s.map("rejecting") == "evasive"
    assert s.map("none") is None
    assert s.map("Conditional ") == "conditional"
    assert s.index("evasive") == 2


def test_shipped_schemes_load_with_their_labels():
    assert {p.stem for p in SCHEMES_DIR.glob("*.yaml")} >= {"stance5", "stance3", "stance_no_none", "sentiment3",
                                                             "semeval"}
    assert load_scheme("stance5").output_labels == ["open", "conditional", "evasive", "rejecting", "none"]
    assert load_scheme("stance_no_none").output_labels == ["open", "conditional", "evasive", "rejecting"]
    assert load_scheme("sentiment3").output_labels == ["negative", "neutral", "positive"]
    semeval = load_scheme("semeval")
    assert semeval.output_labels == ["favor", "against", "none"]
    assert semeval.map("AGAINST") == "against"


def test_unknown_value_is_a_key_error():
    with pytest.raises(KeyError):
        load_scheme("stance5").map("supportive")


@pytest.mark.parametrize("body, field, words", [
    ("merge: {refusing: evasive}", "refusing", "unknown label"),
    ("merge: {rejecting: hostile}", "hostile", "not one of the labels"),
    ("drop: [neutral]", "neutral", "unknown label"),
    ("drop: [open, conditional, evasive, rejecting, none]", "", "every label is dropped"),
])
def test_scheme_naming_an_unknown_label_is_a_config_error(tmp_path, body, field, words):
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nlabels: [open, conditional, evasive, rejecting, none]\n{body}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_scheme(path)
    assert str(path) in str(err.value)
    assert words in str(err.value) and field in str(err.value)


def test_typo_in_scheme_key_suggests_the_right_one(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("name: t\nlabels: [a, b]\nmerges: {a: b}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'merge'"):
        load_scheme(path)


def test_unknown_scheme_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="stance5"):
        load_scheme("stance7")


def test_inline_scheme_and_chained_merge_rejected():
    s = load_scheme({"name": "two", "labels": ["open", "closed"]})
    assert isinstance(s, LabelScheme) and s.output_labels == ["open", "closed"]
    with pytest.raises(ValueError, match="itself merged"):
        LabelScheme(name="x", labels=["a", "b", "c"], merge={"a": "b", "b": "c"})
