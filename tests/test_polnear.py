"""The PolNeAR reader (brat standoff -> project statements) and its scores, on a hand-written fixture.

tests/fixtures/polnear/ holds three short invented articles in the layout of the PolNeAR release
(metadata.tsv, <split>/text/*.txt, <split>/attributions/*_<annotator>.ann); the real release under
data/external/ is not needed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from stance.cli.main import main
from stance.errors import InputError
from stance.extraction.polnear import (
    Attribution,
    attribution_class,
    content_statements,
    cue_matches,
    evaluate_polnear,
    gold_statements,
    load_config,
    parse_ann,
    read_split,
    resolve_antecedents,
    roles_swapped,
    source_kind,
    speaker_matches,
    subject_names,
    swap_roles,
)
from stance.jsonl import write_jsonl
from stance.records import Statement

FIXTURE = Path(__file__).parent / "fixtures" / "polnear"
BRIDGE = "fix_2016-10-01_mayor-opens-new-bridge"
SENATOR = "fix_2016-10-02_senator-we-will-vote"
STORM = "fix_2016-01-05_storm-warning-issued"


def _row(g) -> tuple:
    st = g.statement
    return (st.article_id, g.attribution_id, g.target, st.kind, st.start, st.end, st.text, st.speaker, st.cue,
            g.source_kind, g.antecedent)


def test_parse_ann_reads_events_and_skips_notes_and_continuation_lines():
    text = (FIXTURE / "dev" / "attributions" / f"{SENATOR}_a1.ann").read_text(encoding="utf-8")
    atts = parse_ann(text)
    assert [a.id for a in atts] == ["E1", "E2", "E3", "E4", "E5"]
    assert atts[3].source == () and atts[3].cue == ((154, 161),) and atts[3].content == ((162, 185),)
    bridge = parse_ann((FIXTURE / "dev" / "attributions" / f"{BRIDGE}_a1.ann").read_text(encoding="utf-8"))
    assert bridge[0].content == ((24, 72), (106, 131))  # a discontinuous span


def test_parse_ann_errors_name_file_line_and_span():
    with pytest.raises(InputError) as exc:
        parse_ann("T1\tSource 0 5\tabcde\nE1\tAttribution:T9 Source:T1\n", path="x.ann")
    assert exc.value.line == 2 and exc.value.path == "x.ann" and "T9" in str(exc.value)
    with pytest.raises(InputError) as exc:
        parse_ann("T1\tContent 3 40\tx\n", path="y.ann", length=10)
    assert exc.value.line == 1 and exc.value.field == "T1"


def test_reader_maps_attributions_to_project_statements():
    split = read_split(FIXTURE, "dev")
    assert sorted(split.articles) == [BRIDGE, SENATOR]
    art = split.articles[SENATOR]
    assert art.title == "Senator: \u201cWe Will Vote\u201d" and art.authors == ["A. Writer"]
    assert str(art.date) == "2016-10-02" and art.source == "fixture"
    assert split.n_attributions == 9
    got = [_row(g) for g in split.gold]
    assert got == [
        (BRIDGE, "E1", "speech", "direct", 25, 70, "The bridge will carry ten thousand cars a day", "Mayor Jane Ortiz",
         "said on Monday", "named", None),
        (BRIDGE, "E1", "speech", "direct", 107, 130, "It is finished on time.", "Mayor Jane Ortiz", "said on Monday",
         "named", None),
        (BRIDGE, "E2", "speech", "partial", 148, 200, 'the city would "keep every promise" to its residents', "She",
         "added", "pronoun", "Mayor Jane Ortiz"),
        (BRIDGE, "E3", "belief", "reported", 224, 250, "the project was too costly", "The council", "believes",
         "named", None),
        (BRIDGE, "E4", "speech", "reported", 288, 311, "traffic fell by a third", "the transport office",
         "According to", "named", None),
        (SENATOR, "E1", "headline", "direct", 10, 22, "We Will Vote", "Senator", ":", "named", None),
        (SENATOR, "E2", "speech", "partial", 58, 89, "the plan as \u201ca waste of money,\u201d", "who", "described",
         "relative", "Senator Tom Reyes"),
        (SENATOR, "E3", "speech", "partial", 138, 149, "\u201creckless.\u201d", "Critics", "labeled", "named", None),
        (SENATOR, "E4", "no_source", "reported", 167, 185, "the vote was close", "", "is said", "none", None),
        (SENATOR, "E5", "speech", "direct", 189, 216, "We will not give up on this", "he", "told reporters",
         "pronoun", "Senator Tom Reyes"),  # "Critics" is no person; the relative's antecedent is
    ]
    for g in split.gold:
        st = g.statement
        assert split.articles[st.article_id].text[st.start:st.end] == st.text and st.actor_id is None


def test_first_listed_annotator_and_a_quote_over_two_paragraphs():
    split = read_split(FIXTURE, "train")
    assert split.ann_files[STORM].name == f"{STORM}_b2.ann"  # b2 is listed first in metadata.tsv
    direct = [g.statement for g in split.gold if g.statement.kind == "direct"]
    assert [d.text for d in direct] == ['Residents should leave now.\n\n"Roads will close at noon']


@pytest.mark.parametrize("text, frags, expected", [
    ('"We agree," he said, "but later."', [(0, 11), (21, 33)], [(1, 9, "direct"), (22, 32, "direct")]),
    ('He said that taxes will rise.', [(8, 28)], [(13, 28, "reported")]),
    ('He called it "a mess."', [(13, 22)], [(13, 22, "partial")]),
    ('In May, he said, the plan failed.', [(0, 6), (17, 32)], [(0, 32, "reported")]),
    ('Taxes rose last year, he said, and the debt grew.', [(0, 20), (31, 48)],
     [(0, 20, "reported"), (31, 48, "reported")]),
    ("''We won,'' he said.", [(0, 11)], [(2, 8, "direct")]),
    ("She warned: \u201cStop now.\u201d", [(12, 23)], [(13, 22, "direct")]),
])
def test_content_statements_kinds_and_spans(text, frags, expected):
    assert content_statements(text, frags) == expected


@pytest.mark.parametrize("cue, quoted, expected", [
    ("said", False, "speech"), ("According to", False, "speech"), (":", False, "speech"),
    ("believes", False, "belief"), ("wants", False, "intention"), ("has endorsed", False, "support"),
    ("shows", False, "evidence"), ("seemed", False, "appearance"), ("ruled", False, "decree"),
    ("in", False, "other"), ("in", True, "speech"), ("found", False, "evidence"), ("knew", False, "belief"),
])
def test_attribution_class(cue, quoted, expected):
    assert attribution_class(cue, quoted) == expected


def test_source_kind_speaker_and_cue_matching():
    assert [source_kind(s) for s in ("he", "Their", "who", "we", "", "Jane Ortiz")] == [
        "pronoun", "pronoun", "relative", "first_person", "none", "named"]
    assert speaker_matches("Ortiz", "Mayor Jane Ortiz") and speaker_matches("a source", "sources")
    assert not speaker_matches("he", "Mayor Jane Ortiz") and not speaker_matches("the council", "Mayor Jane Ortiz")
    assert cue_matches("said", "has said in a statement") and cue_matches("said:", ":")
    assert not cue_matches("stated", "said on Monday")


def test_swapped_source_and_cue_are_put_back():
    text = "The plan will fail, said Hester."
    att = Attribution("E1", source=((20, 24),), cue=((25, 31),), content=((0, 18),))
    assert roles_swapped(text, att)
    fixed = swap_roles(text, att)
    assert fixed.source == ((25, 31),) and fixed.cue == ((20, 24),)
    assert not roles_swapped(text, fixed)


def test_titles_alone_match_but_do_not_join_two_names():
    assert speaker_matches("the president", "The President")
    assert not speaker_matches("President Obama", "President Trump")
    assert speaker_matches("Mr. Trump", "Donald J. Trump")


def test_pronoun_antecedents_from_sources_and_sentence_subjects():
    text = "Rubio could win Iowa, aides say. Critics scoffed at Rubio. He said the race was open."
    items = [(22, "aides", "named"), (59, "He", "pronoun")]
    assert subject_names(text) == [(0, "Rubio")]
    assert resolve_antecedents(text, items) == [None, "Rubio"]  # "aides" and "Critics" are no single man


def test_pronoun_content_is_not_aimed_at():
    from stance.extraction.polnear import read_article_gold
    from stance.records import Article

    art = Article(id="x", date="2016-10-01", text="Title\n\nShe denied it. Ms. Lee said taxes rose.")
    atts = [Attribution("E1", source=((7, 10),), cue=((11, 17),), content=((18, 20),)),
            Attribution("E2", source=((22, 29),), cue=((30, 34),), content=((35, 45),))]
    got = [(g.target, g.statement.text) for g in read_article_gold(art, atts)]
    assert got == [("pronoun_content", "it"), ("speech", "taxes rose")]


def test_gold_statements_filter_by_target():
    split = read_split(FIXTURE, "dev")
    assert len(gold_statements(split)) == 10
    assert [g.text for g in gold_statements(split, ["belief", "no_source"])] == [
        "the project was too costly", "the vote was close"]
    with pytest.raises(InputError):
        read_split(FIXTURE, "dev", annotator="random")
    with pytest.raises(InputError):
        read_split(FIXTURE, "validation")


def _st(aid: str, start: int, end: int, kind: str, speaker: str, cue: str) -> Statement:
    text = read_split(FIXTURE, "dev").articles[aid].text
    return Statement(article_id=aid, start=start, end=end, text=text[start:end], speaker=speaker, cue=cue, kind=kind)


def _predictions() -> list[Statement]:
    return [
        _st(BRIDGE, 25, 70, "direct", "Mayor Jane Ortiz", "said"),       # exact
        _st(BRIDGE, 107, 130, "direct", "Ortiz", "stated"),              # exact, cue wrong
        _st(BRIDGE, 148, 200, "partial", "She", "added"),                # exact, speaker left as a pronoun
        _st(BRIDGE, 224, 250, "reported", "The council", "believes"),    # matches a belief: not counted for speech
        _st(BRIDGE, 0, 22, "reported", "Mayor", "opens"),                # spurious
        _st(SENATOR, 189, 216, "direct", "Tom Reyes", "told"),           # exact, pronoun resolved
        _st(SENATOR, 44, 89, "partial", "Senator Tom Reyes", "described"),  # overlap, relative resolved
    ]


def test_evaluate_polnear_numbers():
    s = evaluate_polnear(_predictions(), read_split(FIXTURE, "dev")).scores()
    sp, al = s["speech"], s["all"]
    assert (sp["gold"], sp["matched"], sp["exact"], sp["attributions"]) == (7, 5, 4, 6)
    assert sp["recall"] == pytest.approx(5 / 7) and sp["precision"] == pytest.approx(5 / 6)
    assert sp["exact_recall"] == pytest.approx(4 / 7) and sp["exact_precision"] == pytest.approx(4 / 6)
    assert sp["attribution_recall"] == pytest.approx(4 / 6)
    assert (al["gold"], al["matched"], al["exact"]) == (10, 6, 5)
    assert al["precision"] == pytest.approx(6 / 7) and al["attribution_recall"] == pytest.approx(5 / 9)
    assert sp["by_kind"]["direct"] == {"gold": 3, "predicted": 3, "recall": 1.0, "precision": 1.0,
                                       "exact_recall": 1.0, "exact_precision": 1.0}
    part = sp["by_kind"]["partial"]
    assert (part["recall"], part["precision"], part["exact_recall"], part["exact_precision"]) == pytest.approx(
        (2 / 3, 1.0, 1 / 3, 1 / 2))
    assert sp["by_kind"]["reported"]["predicted"] == 1 and sp["by_kind"]["reported"]["precision"] == 0.0
    assert s["speaker"]["named"] == {"n": 2, "accuracy": 1.0, "left_as_pronoun": 0}
    assert s["speaker"]["pronoun"]["n"] == 3 and s["speaker"]["pronoun"]["accuracy"] == pytest.approx(2 / 3)
    assert s["speaker"]["pronoun"]["left_as_pronoun"] == 1
    assert s["cue_accuracy"] == pytest.approx(4 / 5) and s["kind_accuracy"] == 1.0
    assert s["not_aimed_at"] == {"belief": 1, "headline": 1, "no_source": 1}


def test_cli_scores_polnear_predictions_from_a_config(tmp_path, capsys):
    pred = tmp_path / "pred.jsonl"
    write_jsonl(pred, _predictions())
    cfg = tmp_path / "polnear.yaml"
    cfg.write_text(f"name: polnear\nformat: polnear\nroot: {FIXTURE}\nannotator: first\n", encoding="utf-8")
    assert load_config(cfg).root == str(FIXTURE)
    mism, out = tmp_path / "m.jsonl", tmp_path / "s.json"
    assert main(["eval-extraction", "--polnear", str(cfg), "--split", "dev", "--predictions", str(pred),
                 "--mismatches", str(mism), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "PolNeAR dev: 2 articles, 9 attributions, predicted 7 statements" in printed
    assert "speaker accuracy on pronoun sources: 0.667" in printed
    scores = json.loads(out.read_text())
    assert scores["speech"]["recall"] == pytest.approx(5 / 7)
    types = [json.loads(line)["type"] for line in mism.read_text().splitlines()]
    assert types.count("missed") == 4 and types.count("spurious") == 1 and "speaker" in types


def test_cli_errors_without_gold_or_release(tmp_path, capsys):
    assert main(["eval-extraction"]) == 2
    assert main(["eval-extraction", "--polnear", str(tmp_path), "--split", "dev", "--predictions",
                 str(tmp_path / "none.jsonl")]) == 2
    assert "fetch_polnear" in capsys.readouterr().err


def test_limit_reads_the_first_articles_of_a_split(tmp_path, capsys):
    one = read_split(FIXTURE, "dev", limit=1)
    both = read_split(FIXTURE, "dev")
    assert list(one.articles) == sorted(both.articles)[:1]
    assert {g.statement.article_id for g in one.gold} == set(one.articles)
    assert 0 < one.n_attributions < both.n_attributions
    pred = tmp_path / "pred.jsonl"
    write_jsonl(pred, _predictions())
    assert main(["eval-extraction", "--polnear", str(FIXTURE), "--split", "dev", "--predictions", str(pred),
                 "--limit", "1", "--mismatches", str(tmp_path / "m.jsonl")]) == 0
    assert "PolNeAR dev: 1 articles" in capsys.readouterr().out
    assert main(["eval-extraction", "--polnear", str(FIXTURE), "--split", "dev", "--predictions", str(pred),
                 "--limit", "0", "--mismatches", str(tmp_path / "m.jsonl")]) == 2
