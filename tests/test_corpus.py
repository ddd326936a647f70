"""Reading article corpora: formats, located errors, rejects, near-duplicate clusters."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from stance.corpus.readers import assign_clusters, read_articles
from stance.errors import InputError
from stance.records import Article

GOOD = {"id": "2025-05-16-istanbul", "title": "Delegations meet in Istanbul", "date": "2025-05-16",
        "source": "Wire", "url": "https://example.org/istanbul",
        "text": "ISTANBUL, May 16 — Russian and Ukrainian delegations met on Friday, officials said."}


def _jsonl(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records),
                    encoding="utf-8")
    return path


def test_jsonl_record_is_validated_into_an_article(tmp_path):
    res = read_articles(_jsonl(tmp_path / "a.jsonl", [GOOD]))
    (art,) = res.articles
    assert art.id == GOOD["id"] and art.date == dt.date(2025, 5, 16)
    assert art.source_urls == [GOOD["url"]]
    assert res.rejected == 0 and res.files == 1


def test_timestamp_dates_are_cut_to_the_day(tmp_path):
    res = read_articles(_jsonl(tmp_path / "a.jsonl", [{**GOOD, "date": "2025-05-16T09:30:00Z"}]))
    assert res.articles[0].date == dt.date(2025, 5, 16)


@pytest.mark.parametrize("bad, line_text, field, message", [
    ('{"id": "x", "date": ', None, None, "malformed JSON"),
    ({**GOOD, "date": None}, None, "date", "missing date"),
    ({**GOOD, "date": "16/05/2025"}, None, "date", "unparsable date '16/05/2025'"),
    ({**GOOD, "text": "   "}, None, "text", "empty text"),
    ({k: v for k, v in GOOD.items() if k != "id"}, None, "id", "missing id"),
])
def test_bad_record_error_names_file_line_and_field(tmp_path, bad, line_text, field, message):
    path = _jsonl(tmp_path / "a.jsonl", [{**GOOD, "id": "first"}, bad])
    with pytest.raises(InputError) as err:
        read_articles(path)
    assert err.value.path == str(path)
    assert err.value.line == 2
    assert err.value.field == field
    assert message in str(err.value)


def test_duplicate_id_names_the_first_occurrence(tmp_path):
    path = _jsonl(tmp_path / "a.jsonl", [GOOD, GOOD])
    with pytest.raises(InputError, match=r"duplicate id .* \(first at .*a\.jsonl:1\)") as err:
        read_articles(path)
    assert err.value.line == 2 and err.value.field == "id"


def test_duplicate_id_across_files_of_a_folder(tmp_path):
    _jsonl(tmp_path / "p1.jsonl", [GOOD])
    _jsonl(tmp_path / "p2.jsonl", [GOOD])
    with pytest.raises(InputError, match="p1.jsonl:1"):
        read_articles(tmp_path)


def test_bytes_that_are_not_utf8_are_reported_and_an_encoding_can_be_given(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(json.dumps({**GOOD, "text": "Caf\u00e9 talks, officials said."}, ensure_ascii=False)
                     .encode("cp1252") + b"\n")
    with pytest.raises(InputError, match="not valid utf-8.*--encoding") as err:
        read_articles(path)
    assert err.value.line == 1 and err.value.field == "text"
    assert read_articles(path, encoding="cp1252").articles[0].text.startswith("Café")


def test_skip_invalid_writes_every_reject_with_its_reason(tmp_path):
    path = _jsonl(tmp_path / "a.jsonl", [GOOD, "{broken", {**GOOD, "id": "b", "date": "soon"}, GOOD,
                                         {**GOOD, "id": "c"}])
    rejects = tmp_path / "out" / "rejects.jsonl"
    res = read_articles(path, skip_invalid=True, rejects_path=rejects)
    assert [a.id for a in res.articles] == [GOOD["id"], "c"]
    assert res.rejected == 3
    rows = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in rows] == [(2, None), (3, "date"), (4, "id")]
    assert rows[0]["reason"].startswith("malformed JSON") and rows[0]["record"] == "{broken"
    assert "duplicate id" in rows[2]["reason"]
    assert "2 articles read from 1 file(s), 3 rejected" == res.summary()


def test_csv_with_multi_valued_columns(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,title,date,source,source_urls,text,authors\n"
                    'a1,Title,2025-05-02,Wire,https://a.org;https://b.org,"Talks, officials said, went well.",A. B; C. D\n'
                    "a2,Title,,Wire,,Body text here.,\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_articles(path)
    assert err.value.line == 3 and err.value.field == "date"
    res = read_articles(path, skip_invalid=True)
    assert res.articles[0].source_urls == ["https://a.org", "https://b.org"]
    assert res.articles[0].authors == ["A. B", "C. D"]
    assert res.rejected == 1


def test_csv_without_required_columns(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,title\na,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column.*date.*text"):
        read_articles(path)


def test_txt_with_header_block(tmp_path):
    path = tmp_path / "kyiv-talks.txt"
    path.write_text("title: Kyiv ready for talks\ndate: 2025-03-05\nsource: Wire\nurl: https://a.org/1\n"
                    "url: https://b.org/2\n\nKYIV, March 5 — Zelensky said Ukraine was ready.\n\nSecond paragraph.\n",
                    encoding="utf-8")
    (art,) = read_articles(path).articles
    assert art.id == "kyiv-talks" and art.title == "Kyiv ready for talks"
    assert art.source_urls == ["https://a.org/1", "https://b.org/2"]
    assert art.text == "KYIV, March 5 — Zelensky said Ukraine was ready.\n\nSecond paragraph."


def test_txt_without_header_says_what_is_expected(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Putin Signals Willingness for Talks\n\nBody.\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not 'key: value'") as err:
        read_articles(path)
    assert err.value.line == 1


HTML = """<html><head><title>Kremlin studies ceasefire plan</title>
<meta property="article:published_time" content="2025-03-12T10:00:00Z"></head>
<body><article><h1>Kremlin studies ceasefire plan</h1>
<p>MOSCOW, March 12 — The Kremlin said on Wednesday it would study a U.S. proposal for a 30-day ceasefire
before giving an answer, and that contacts with Washington would continue through several channels.</p>
<p>"We need to look at the details first," Kremlin spokesman Dmitry Peskov told reporters in Moscow,
adding that no date had been set for a call between the two presidents.</p>
</article></body></html>"""


def test_html_page_through_trafilatura(tmp_path):
    (tmp_path / "kremlin-plan.html").write_text(HTML, encoding="utf-8")
    (art,) = read_articles(tmp_path).articles
    assert art.id == "kremlin-plan"
    assert art.title == "Kremlin studies ceasefire plan"
    assert art.date == dt.date(2025, 3, 12)
    assert "Peskov told reporters" in art.text and not art.text.startswith("Kremlin studies")


def test_folder_of_parts_in_name_order_and_unknown_files_ignored(tmp_path):
    _jsonl(tmp_path / "p2.jsonl", [{**GOOD, "id": "b"}])
    _jsonl(tmp_path / "p1.jsonl", [{**GOOD, "id": "a"}])
    (tmp_path / "notes.md").write_text("not an article")
    res = read_articles(tmp_path)
    assert [a.id for a in res.articles] == ["a", "b"] and res.files == 2


def test_missing_path_and_unsupported_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_articles(tmp_path / "nope.jsonl")
    (tmp_path / "a.docx").write_text("x")
    with pytest.raises(InputError, match="unsupported file type"):
        read_articles(tmp_path / "a.docx")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no article files"):
        read_articles(empty)


STORY = ("KYIV, March 11 — Ukraine said on Tuesday it was ready to accept a U.S. proposal for an immediate "
         "30-day ceasefire with Russia, and Washington agreed to lift its pause on military aid and intelligence "
         "sharing. The statement followed more than eight hours of talks in Jeddah between Ukrainian and American "
         "officials. Secretary of State Marco Rubio said the United States would now take the offer to Moscow and "
         "that the ball was in Russia's court. The Kremlin said it would wait for details before responding.")


def _art(i, text):
    return Article(id=i, date=dt.date(2025, 3, 11), text=text)


def test_near_duplicate_copies_share_a_cluster_and_others_stay_alone():
    copy = STORY.replace("KYIV, March 11 —", "KYIV (Wire) -").replace("on Tuesday", "on Tuesday,")
    other = ("MOSCOW, March 12 — The Kremlin said Russia had received no details of the ceasefire plan and that "
             "Vladimir Putin would not comment before talking to the U.S. envoy, who was expected later this week.")
    out = assign_clusters([_art("c-copy", copy), _art("b-story", STORY), _art("a-other", other)])
    ids = {a.id: a.cluster_id for a in out}
    assert ids["c-copy"] == ids["b-story"] == "b-story"
    assert ids["a-other"] == "a-other"
    assert [a.id for a in out] == ["c-copy", "b-story", "a-other"]


def test_cluster_threshold_is_checked_and_lower_thresholds_merge_more():
    with pytest.raises(ValueError):
        assign_clusters([], threshold=0)
    half = STORY[: len(STORY) // 2] + " Officials in Kyiv declined to comment further on the timing of talks."
    strict = assign_clusters([_art("a", STORY), _art("b", half)], threshold=0.9)
    loose = assign_clusters([_art("a", STORY), _art("b", half)], threshold=0.3)
    assert strict[0].cluster_id != strict[1].cluster_id
    assert loose[0].cluster_id == loose[1].cluster_id


def test_one_decoder_names_file_line_and_column_for_every_reader(tmp_path):
    # articles, schema-checked JSONL records and external datasets decode through stance.decoding
    from stance.jsonl import iter_jsonl
    from stance.records import Statement

    bad = tmp_path / "statements.jsonl"
    bad.write_bytes(b'{"article_id": "a"}\n{"text": "caf\xe9 talks"}\n')
    with pytest.raises(InputError) as err:
        list(iter_jsonl(bad, Statement))
    assert err.value.line == 2 and "byte 0xe9 at column 14 is not valid utf-8" in str(err.value)
    assert "--encoding cp1252" in str(err.value)
