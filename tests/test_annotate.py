"""Annotation tooling: export -> label -> import round trips, validation errors, agreement."""
from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from stance.cli.main import main
from stance.dataset import annotate
from stance.errors import InputError
from stance.jsonl import read_jsonl, write_jsonl
from stance.records import Statement

TEXT = ("ANKARA, May 16 — Turkey's foreign minister said the first round had been useful. "
        "\"We are ready to host the next meeting,\" Hakan Fidan told reporters. "
        "The Kremlin declined to comment on the timing.")


def _statements() -> list[Statement]:
    spans = [
        ("the first round had been useful", "Turkey's foreign minister", "fidan", "said", "reported", "open"),
        ("We are ready to host the next meeting", "Hakan Fidan", "fidan", "told reporters", "direct", None),
        ("on the timing", "The Kremlin", "russia", "declined to comment", "reported", None),
    ]
    out = []
    for text, speaker, actor, cue, kind, stance in spans:
        start = TEXT.index(text)
        out.append(Statement(article_id="2025-05-16-istanbul", start=start, end=start + len(text), text=text,
                             speaker=speaker, actor_id=actor, cue=cue, kind=kind, date=dt.date(2025, 5, 16),
                             stance=stance, sentiment="positive" if stance else None))
    return out


def _fill_csv(src, dst, labels: dict[str, tuple[str, str]], annotator="ann1"):
    with open(src, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0].keys())
    for r in rows:
        r["stance"], r["sentiment"] = labels[r["statement_id"]]
        r["annotator"] = annotator
    with open(dst, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def test_csv_round_trip_merges_new_labels_and_keeps_old(tmp_path):
    gold = _statements()
    # gold lines as annotators write them, with fields the toolkit does not read (a note, shape tags)
    lines = [s.model_dump(mode="json", exclude={"id", "context", "date"}) | {"shapes": ["before"], "note": f"n{i}"}
             for i, s in enumerate(gold)]
    write_jsonl(tmp_path / "gold.jsonl", lines)
    write_jsonl(tmp_path / "articles.jsonl", [{"id": "2025-05-16-istanbul", "date": "2025-05-16", "text": TEXT}])
    assert main(["annotate", "export", str(tmp_path / "gold.jsonl"), "--articles", str(tmp_path / "articles.jsonl"),
                 "-o", str(tmp_path / "todo.csv")]) == 0
    rows = list(csv.DictReader(open(tmp_path / "todo.csv", encoding="utf-8")))
    assert [r["statement_id"] for r in rows] == [s.id for s in gold]
    assert rows[1]["context"].startswith("ANKARA") and rows[1]["stance"] == ""
    labels = {gold[0].id: ("open", "positive"), gold[1].id: ("open", "positive"), gold[2].id: ("evasive", "neutral")}
    _fill_csv(tmp_path / "todo.csv", tmp_path / "done.csv", labels)
    assert main(["annotate", "import", str(tmp_path / "done.csv"), "--gold", str(tmp_path / "gold.jsonl"),
                 "-o", str(tmp_path / "merged.jsonl")]) == 0
    merged = read_jsonl(tmp_path / "merged.jsonl", Statement)
    # every line keeps every field it had, in its order; only the labels that changed are replaced
    merged_lines = [json.loads(x) for x in (tmp_path / "merged.jsonl").read_text(encoding="utf-8").splitlines()]
    assert merged_lines[0] == lines[0]
    for before, after in zip(lines[1:], merged_lines[1:]):
        assert list(after) == list(before) and after["shapes"] == ["before"] and after["note"] == before["note"]
        assert {k for k in after if after[k] != before[k]} == {"stance", "sentiment"}
    assert [(s.stance, s.sentiment) for s in merged] == [("open", "positive"), ("open", "positive"),
                                                         ("evasive", "neutral")]
    assert [s.text for s in merged] == [s.text for s in gold]
    log = [json.loads(x) for x in open(tmp_path / "merged.changes.jsonl", encoding="utf-8")]
    # statement 0 already had both labels: nothing logged for it; 2 statements x 2 fields set
    assert len(log) == 4 and {e["statement_id"] for e in log} == {gold[1].id, gold[2].id}
    assert all(e["old"] is None and e["annotator"] == "ann1" for e in log)


def test_conflicting_label_is_refused_unless_overwrite(tmp_path):
    gold = _statements()
    rows = [annotate.LabelRow(gold[0].id, {"stance": "conditional", "sentiment": "positive"}, "ann2", "x.csv:2")]
    result = annotate.merge_labels(gold, rows)
    assert result.statements[0].stance == "open"
    assert [(c["old"], c["new"]) for c in result.conflicts] == [("open", "conditional")]
    result = annotate.merge_labels(gold, rows, overwrite=True)
    assert result.statements[0].stance == "conditional"
    assert result.changes == [{**result.changes[0], "old": "open", "new": "conditional", "field": "stance"}]


def test_cli_import_with_conflict_writes_nothing(tmp_path, capsys):
    gold = _statements()
    write_jsonl(tmp_path / "gold.jsonl", gold)
    before = (tmp_path / "gold.jsonl").read_bytes()
    annotate.export_csv(gold, tmp_path / "todo.csv")
    labels = {s.id: ("rejecting", "negative") for s in gold}
    _fill_csv(tmp_path / "todo.csv", tmp_path / "done.csv", labels)
    assert main(["annotate", "import", str(tmp_path / "done.csv"), "--gold", str(tmp_path / "gold.jsonl")]) == 1
    assert "conflict" in capsys.readouterr().out
    assert (tmp_path / "gold.jsonl").read_bytes() == before


def _write_csv(path, rows, header=("statement_id", "stance", "sentiment")):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


@pytest.mark.parametrize("rows,header,field,line,needle", [
    ([["a:0-5", "opne", "neutral"]], None, "stance", 2, "unknown label 'opne'"),
    ([["a:0-5", "open", "neutral"], ["zz:1-2", "open", "neutral"]], None, "statement_id", 3, "unknown statement id"),
    ([["a:0-5", "open", "neutral"], ["a:0-5", "evasive", "neutral"]], None, "statement_id", 3, "duplicate"),
    ([["a:0-5", "open", ""]], None, "sentiment", 2, "missing label"),
    ([["a:0-5", "open"]], ("statement_id", "stance"), "sentiment", 1, "missing column"),
])
def test_import_validation_errors_name_row_and_field(tmp_path, rows, header, field, line, needle):
    path = tmp_path / "labels.csv"
    _write_csv(path, rows, header or ("statement_id", "stance", "sentiment"))
    with pytest.raises(InputError) as err:
        annotate.read_labels(path, known_ids={"a:0-5"})
    assert err.value.field == field and err.value.line == line and err.value.path == str(path)
    assert needle in str(err.value)


def test_label_studio_round_trip(tmp_path):
    gold = _statements()
    annotate.export_label_studio(gold, tmp_path / "tasks.json")
    tasks = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    assert tasks[1]["data"]["text"] == "We are ready to host the next meeting"
    xml = (tmp_path / "tasks.config.xml").read_text(encoding="utf-8")
    assert '<Choice value="rejecting"/>' in xml and 'name="sentiment"' in xml
    # what Label Studio's JSON export looks like after one annotator labeled the tasks
    for t, (st, se) in zip(tasks, [("open", "positive"), ("open", "positive"), ("evasive", "neutral")]):
        t["annotations"] = [{"completed_by": 7, "result": [
            {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [st]}},
            {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [se]}}]}]
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    rows = annotate.read_labels(tmp_path / "export.json", known_ids={s.id for s in gold})
    assert [(r.labels["stance"], r.annotator) for r in rows] == [("open", "7"), ("open", "7"), ("evasive", "7")]
    merged = annotate.merge_labels(gold, rows).statements
    assert merged[2].stance == "evasive" and merged[2].sentiment == "neutral"


def test_label_studio_task_missing_a_choice_is_an_error(tmp_path):
    tasks = [{"data": {"statement_id": "a:0-5"}, "annotations": [{"result": [
        {"from_name": "stance", "value": {"choices": ["open"]}}]}]}]
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(InputError) as err:
        annotate.read_labels(tmp_path / "export.json")
    assert err.value.field == "sentiment" and err.value.line == 1


def test_agreement_matches_hand_computed_kappa_and_alpha(tmp_path):
    # 10 items; annotators agree on 8. Marginals: A = 5 open, 3 evasive, 2 rejecting;
    # B = 5 open, 3 evasive, 2 rejecting. p_o = 0.8, p_e = (5*5 + 3*3 + 2*2) / 100 = 0.38,
    # kappa = (0.8 - 0.38) / 0.62 = 0.6774.
    a = ["open"] * 5 + ["evasive"] * 3 + ["rejecting"] * 2
    b = ["open"] * 4 + ["evasive"] + ["evasive"] * 2 + ["open"] + ["rejecting"] * 2
    rows = [annotate.LabelRow(f"s{i}", {"stance": x}, "A", "a") for i, x in enumerate(a)]
    rows += [annotate.LabelRow(f"s{i}", {"stance": y}, "B", "b") for i, y in enumerate(b)]
    res = annotate.agreement(rows, "stance", ["open", "conditional", "evasive", "rejecting", "none"])
    pair = res["pairs"][0]
    assert res["n_items"] == 10 and pair["observed_agreement"] == pytest.approx(0.8)
    assert pair["cohen_kappa"] == pytest.approx(0.42 / 0.62)
    # Krippendorff's alpha (nominal) by hand: 20 values, n_open = 10, n_evasive = 6, n_rejecting = 4.
    # D_o = 4 disagreeing ordered pairs / 20 = 0.2 (each unit has 2 values, so weight 1/(2-1));
    # D_e = (20^2 - 100 - 36 - 16) / (20 * 19) = 248 / 380; alpha = 1 - D_o / D_e
    assert res["krippendorff_alpha"] == pytest.approx(1 - 0.2 / (248 / 380))
    assert pair["confusion"][0][0] == 4 and pair["confusion"][0][2] == 1 and pair["confusion"][2][0] == 1


def test_agreement_cli_on_two_annotator_files(tmp_path, capsys):
    _write_csv(tmp_path / "ann1.csv", [["s1", "open", "positive"], ["s2", "rejecting", "negative"],
                                       ["s3", "none", "negative"]])
    _write_csv(tmp_path / "ann2.csv", [["s1", "conditional", "positive"], ["s2", "rejecting", "negative"],
                                       ["s3", "none", "neutral"]])
    assert main(["annotate", "agreement", str(tmp_path / "ann1.csv"), str(tmp_path / "ann2.csv"),
                 "-o", str(tmp_path / "agree.json")]) == 0
    out = capsys.readouterr().out
    assert "ann1 vs ann2: n=3 agreement=0.667" in out
    saved = json.loads((tmp_path / "agree.json").read_text())
    assert saved["sentiment"]["pairs"][0]["observed_agreement"] == pytest.approx(2 / 3)


def test_custom_label_scheme_for_another_study(tmp_path):
    _write_csv(tmp_path / "x.csv", [["t1", "favor"], ["t2", "against"]], header=("statement_id", "position"))
    rows = annotate.read_labels(tmp_path / "x.csv", labels={"position": ["favor", "against", "neither"]})
    assert [r.labels["position"] for r in rows] == ["favor", "against"]
    with pytest.raises(InputError, match="unknown label 'open'"):
        _write_csv(tmp_path / "y.csv", [["t1", "open"]], header=("statement_id", "position"))
        annotate.read_labels(tmp_path / "y.csv", labels={"position": ["favor", "against", "neither"]})
