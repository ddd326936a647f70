"""`stance extract` and `stance eval-extraction` end to end on small corpora."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from stance.cli.main import main
from stance.jsonl import read_jsonl, write_jsonl
from stance.records import Article, Statement

# the fixtures whose gold is the project's statements (not those written for `cues: attributions`)
FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures" / "extraction").glob("*.yaml")
                  if yaml.safe_load(p.read_text(encoding="utf-8")).get("cues", "statements") == "statements")


def _corpus(tmp_path: Path, n: int = 4) -> tuple[Path, Path]:
    """Articles JSONL and gold JSONL from the first `n` extraction fixtures."""
    arts, gold = [], []
    for path in FIXTURES[:n]:
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        arts.append(Article(id=d["id"], title=d["title"], date=d["date"], source="fixture", text=d["text"]))
        for e in d["expected"]:
            gold.append({"article_id": d["id"], "start": e["start"], "end": e["end"], "text": e["text"],
                         "speaker": e["speaker"], "actor_id": e["actor_id"], "cue": "said", "kind": e["kind"]})
    write_jsonl(tmp_path / "articles" / "part1.jsonl", arts)
    write_jsonl(tmp_path / "gold.jsonl", gold)
    return tmp_path / "articles", tmp_path / "gold.jsonl"


def test_extract_writes_jsonl_and_a_summary(tmp_path, capsys):
    articles, _ = _corpus(tmp_path)
    out = tmp_path / "out" / "statements.jsonl"
    assert main(["extract", str(articles), "-o", str(out), "--no-progress"]) == 0
    got = read_jsonl(out, Statement)
    expected = sum(len(yaml.safe_load(p.read_text())["expected"]) for p in FIXTURES[:4])
    assert len(got) == expected
    printed = capsys.readouterr().out
    assert "articles: 4 read from 1 file(s)" in printed
    assert f"statements: {expected}" in printed
    assert "unresolved speakers: 0 statement(s)" in printed
    meta = json.loads((out.parent / "statements.meta.json").read_text())
    assert meta["n_statements"] == expected and meta["registry"] == "russia_ukraine"


def test_extract_parquet_and_unresolved_without_registry(tmp_path, capsys):
    articles, _ = _corpus(tmp_path, n=2)
    out = tmp_path / "statements.parquet"
    assert main(["extract", str(articles), "-o", str(out), "--no-actors", "--no-progress"]) == 0
    df = pd.read_parquet(out)
    assert len(df) > 0 and df["actor_id"].isna().all()
    assert f"unresolved speakers: {len(df)} statement(s)" in capsys.readouterr().out


def test_extract_skip_invalid_writes_rejects(tmp_path, capsys):
    articles, _ = _corpus(tmp_path, n=2)
    with (articles / "part1.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "bad", "date": "not a date", "text": "x"}\n{oops\n')
    out = tmp_path / "s.jsonl"
    assert main(["extract", str(articles), "-o", str(out), "--no-progress"]) == 2
    assert "part1.jsonl:3, field 'date'" in capsys.readouterr().err
    assert main(["extract", str(articles), "-o", str(out), "--skip-invalid", "--no-progress"]) == 0
    rejects = [json.loads(x) for x in (tmp_path / "s.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [3, 4]
    assert "rejected: 2 record(s)" in capsys.readouterr().out


def test_extract_with_workers_gives_the_same_statements(tmp_path):
    articles, _ = _corpus(tmp_path, n=3)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(["extract", str(articles), "-o", str(one), "--no-progress"]) == 0
    assert main(["extract", str(articles), "-o", str(two), "--workers", "2", "--no-progress"]) == 0
    assert one.read_text() == two.read_text()


def test_eval_extraction_on_fixtures_is_perfect_and_writes_mismatches(tmp_path, capsys):
    articles, gold = _corpus(tmp_path, n=len(FIXTURES))
    mism = tmp_path / "mm.jsonl"
    scores = tmp_path / "scores.json"
    assert main(["eval-extraction", str(articles), str(gold), "--mismatches", str(mism), "-o", str(scores)]) == 0
    s = json.loads(scores.read_text())
    assert s["precision"] == s["recall"] == s["exact_recall"] == s["actor_accuracy"] == 1.0
    assert mism.read_text() == ""
    assert "recall 1.000" in capsys.readouterr().out


def test_eval_extraction_scores_given_predictions(tmp_path, capsys):
    articles, gold = _corpus(tmp_path, n=2)
    pred = tmp_path / "pred.jsonl"
    rows = [json.loads(x) for x in gold.read_text().splitlines()][:-1]  # drop one statement
    write_jsonl(pred, rows)
    mism = tmp_path / "mm.jsonl"
    assert main(["eval-extraction", str(articles), str(gold), "--predictions", str(pred),
                 "--mismatches", str(mism)]) == 0
    (row,) = [json.loads(x) for x in mism.read_text().splitlines()]
    assert row["type"] == "missed"


def test_eval_extraction_scores_every_attribution_with_cues_attributions(tmp_path):
    path = next(p for p in sorted((Path(__file__).parent / "fixtures" / "extraction").glob("*.yaml"))
                if yaml.safe_load(p.read_text(encoding="utf-8")).get("cues") == "attributions")
    d = yaml.safe_load(path.read_text(encoding="utf-8"))
    write_jsonl(tmp_path / "articles" / "a.jsonl",
                [Article(id=d["id"], title=d["title"], date=d["date"], source="fixture", text=d["text"])])
    write_jsonl(tmp_path / "gold.jsonl", [{"article_id": d["id"], "start": e["start"], "end": e["end"],
                                           "text": e["text"], "speaker": e["speaker"], "actor_id": e["actor_id"],
                                           "cue": "said", "kind": e["kind"]} for e in d["expected"]])
    recall = {}
    for cues in ("statements", "attributions"):
        out = tmp_path / f"{cues}.json"
        assert main(["eval-extraction", str(tmp_path / "articles"), str(tmp_path / "gold.jsonl"), "--cues", cues,
                     "--mismatches", str(tmp_path / f"{cues}.mm.jsonl"), "-o", str(out)]) == 0
        recall[cues] = json.loads(out.read_text())["recall"]
    # three of the fixture's twelve statements are topic objects the project's statements leave out
    assert recall == {"statements": 9 / 12, "attributions": 1.0}
