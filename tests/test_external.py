"""External data: SemEval-2016 Task 6 and P-Stance quirks, generic CSV / JSONL with a column map."""
from __future__ import annotations

import datetime as dt

import pytest

from stance.dataset.external import ExternalSource, LoadReport, decode_lines, load_external
from stance.errors import InputError

SEMEVAL_TRAIN = (
    "ID\tTarget\tTweet\tStance\r\n"
    "101\tAtheism\tdear lord thank u for all of ur blessing forgiveness. #SemST\tAGAINST\r\n"
    "102\tClimate Change is a Real Concern\tWe need to act now, the evidence is \"overwhelming\" #climate #SemST"
    "\tFAVOR\r\n"
).encode("utf-8") + (
    "103\tHillary Clinton\tShe doesn\x92t answer questions, she deflects. #SemST\tAGAINST\r\n"
).encode("latin-1") + (
    "104\tLegalization of Abortion\tWatching the game tonight with friends #SemST\tNONE\r\n"
).encode("utf-8")

SEMEVAL_TEST = (
    "ID\tTarget\tTweet\tStance\r\n"
    "10001\tAtheism\tGod is my strength in every storm #SemST\tAGAINST\r\n"
    "10002\tFeminist Movement\tEqual pay for equal work is not too much to ask #SemST\tFAVOR\r\n"
).encode("utf-8")


def _semeval(tmp_path, train=SEMEVAL_TRAIN, **kw) -> ExternalSource:
    (tmp_path / "train.txt").write_bytes(train)
    (tmp_path / "test.txt").write_bytes(SEMEVAL_TEST)
    return ExternalSource(format="semeval2016", train=[tmp_path / "train.txt"], test=[tmp_path / "test.txt"], **kw)


def test_semeval_quirks_are_handled_and_reported(tmp_path):
    records, report = load_external(_semeval(tmp_path))
    assert [r.id for r in records] == ["train:101", "train:102", "train:103", "train:104", "test:10001",
                                       "test:10002"]
    by_id = {r.id: r for r in records}
    assert by_id["train:101"].text == "dear lord thank u for all of ur blessing forgiveness."
    assert by_id["train:102"].text.endswith("\"overwhelming\" #climate")  # bare quotes kept, other tags kept
    assert by_id["train:103"].text == "She doesn\u2019t answer questions, she deflects."
    assert by_id["train:103"].label == "AGAINST" and by_id["train:103"].target == "Hillary Clinton"
    assert [r.official_split for r in records] == ["train"] * 4 + ["test"] * 2
    assert all("\r" not in r.text and "\r" not in (r.label or "") for r in records)
    assert report.fallback_lines == [f"{tmp_path / 'train.txt'}:4"]
    assert report.fallback_encoding == "cp1252"
    assert report.stripped_suffix == 6
    assert "cp1252" in report.summary() and "train.txt:4" in report.summary()


def test_without_fallback_a_bad_byte_names_file_and_line(tmp_path):
    with pytest.raises(InputError) as err:
        load_external(_semeval(tmp_path, fallback_encoding=None))
    assert err.value.line == 4 and "train.txt" in str(err.value) and "0x92" in str(err.value)


def test_semeval_unknown_label_value_counts_as_unlabeled(tmp_path):
    train = SEMEVAL_TRAIN + b"105\tAtheism\tno label yet #SemST\tUNKNOWN\r\n"
    records, _ = load_external(_semeval(tmp_path, train=train))
    assert records[4].label is None


def test_row_with_missing_field_names_the_line(tmp_path):
    train = SEMEVAL_TRAIN + b"106\tAtheism\tonly three fields\r\n"
    with pytest.raises(InputError) as err:
        load_external(_semeval(tmp_path, train=train))
    assert err.value.line == 6 and "3 fields" in str(err.value)


def test_pstance_csv_with_quoted_commas(tmp_path):
    body = ('Tweet,Target,Stance\n'
            '"Four more years, the economy is roaring",Donald Trump,FAVOR\n'
            '"He said ""no"" to debates, again",Joe Biden,AGAINST\n')
    (tmp_path / "raw_train_trump.csv").write_text(body, encoding="utf-8")
    (tmp_path / "raw_test_trump.csv").write_text(body.replace("Four", "Five"), encoding="utf-8")
    src = ExternalSource(format="pstance", train=[tmp_path / "raw_train_trump.csv"],
                         test=[tmp_path / "raw_test_trump.csv"])
    records, report = load_external(src)
    assert records[0].text == "Four more years, the economy is roaring"
    assert records[1].text == 'He said "no" to debates, again'
    assert records[1].target == "Joe Biden" and records[1].label == "AGAINST"
    assert records[0].id == "raw_train_trump:2"
    assert report.rows == 4 and not report.fallback_lines


def test_generic_csv_column_map_dates_and_groups(tmp_path):
    (tmp_path / "posts.csv").write_text(
        "post_id,body,position,topic,thread,created\n"
        "p1,Ceasefire now,pro,ceasefire,t1,2024-03-01T10:00:00Z\n"
        "p2,No deal with them,con,ceasefire,t1,2024-03-02\n", encoding="utf-8")
    src = ExternalSource(format="csv", files=[tmp_path / "posts.csv"],
                         columns={"text": "body", "label": "position", "target": "topic", "group": "thread",
                                  "date": "created", "id": "post_id"})
    records, _ = load_external(src)
    assert [(r.id, r.label, r.group, r.date) for r in records] == [
        ("posts:p1", "pro", "t1", dt.date(2024, 3, 1)), ("posts:p2", "con", "t1", dt.date(2024, 3, 2))]
    assert records[0].official_split is None


def test_generic_csv_errors_name_file_line_and_field(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("id,body,label\n1,fine,a\n2,,b\n", encoding="utf-8")
    src = ExternalSource(format="csv", files=[path], columns={"text": "body", "id": "id"})
    with pytest.raises(InputError) as err:
        load_external(src)
    assert (err.value.line, err.value.field) == (3, "body") and "empty text" in str(err.value)
    path.write_text("id,body,label\n1,fine,a\n1,again,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate id '1'"):
        load_external(src)
    path.write_text("id,body,label,when\n1,fine,a,03/05/2024\n", encoding="utf-8")
    src = ExternalSource(format="csv", files=[path], columns={"text": "body", "id": "id", "date": "when"})
    with pytest.raises(InputError) as err:
        load_external(src)
    assert (err.value.line, err.value.field) == (2, "when")
    ok = ExternalSource(format="csv", files=[path], columns={"text": "body", "id": "id", "date": "when"},
                        date_format="%d/%m/%Y")
    assert load_external(ok)[0][0].date == dt.date(2024, 5, 3)
    src = ExternalSource(format="csv", files=[path], columns={"text": "content"})
    with pytest.raises(InputError) as err:
        load_external(src)
    assert err.value.field == "content" and "no column" in str(err.value)


def test_jsonl_rows_may_omit_optional_keys(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "We are ready", "label": "open", "date": "2025-01-02"}\n'
                    '{"text": "Not now", "label": "evasive"}\n\n', encoding="utf-8")
    records, _ = load_external(ExternalSource(format="jsonl", files=[path], target="negotiation",
                                              columns={"date": "date"}))
    assert [r.date for r in records] == [dt.date(2025, 1, 2), None]
    assert records[1].target == "negotiation" and records[1].id == "rows:2"


def test_source_config_is_validated():
    with pytest.raises(ValueError, match="not both"):
        ExternalSource(format="csv", train=["a.csv"], test=["b.csv"], files=["c.csv"])
    with pytest.raises(ValueError, match="train and test"):
        ExternalSource(format="csv", train=["a.csv"])
    with pytest.raises(ValueError, match="unknown encoding"):
        ExternalSource(format="csv", files=["a.csv"], fallback_encoding="klingon")


def test_decode_lines_strips_bom_and_crlf(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_bytes(b"\xef\xbb\xbfa\tb\r\nc\td\r\n")
    assert decode_lines(path, "utf-8", None, LoadReport()) == ["a\tb", "c\td"]
