"""Building datasets: columns, leak-free splits, card, exclusions, determinism, benchmarks, CLI."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from dataset_fixtures import study_config, write_corpus
from stance.cli.main import main
from stance.dataset.builder import COLUMNS, DatasetConfig, build_dataset, load_built, load_card
from stance.dataset.splits import normalise_text
from stance.errors import ConfigError, InputError


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    return root, write_corpus(root)


@pytest.fixture(scope="module")
def built(corpus):
    root, paths = corpus
    cfg = DatasetConfig.model_validate(study_config(root, paths))
    return cfg, build_dataset(cfg)


def _all_rows(dd):
    return [dict(r, split=s) for s in ("train", "dev", "test") for r in dd[s]]


def test_columns_and_features(built):
    cfg, dd = built
    assert list(dd) == ["train", "dev", "test"]
    for s in dd:
        assert dd[s].column_names == COLUMNS
    assert dd["train"].features["label"].names == ["open", "conditional", "evasive", "rejecting", "none"]
    assert dd["train"].features["sentiment"].names == ["negative", "neutral", "positive"]
    row = next(r for r in _all_rows(dd) if r["statement_id"].startswith("2022-03-29-istanbul"))
    assert row["target"] == "negotiation" and row["date"] == "2022-03-29" and row["label_source"] == "gold"
    assert row["confidence"] == 1.0 and row["context"] and row["cluster_id"] and row["group_id"]


def test_no_article_cluster_or_quote_shared_across_splits(built):
    _, dd = built
    rows = _all_rows(dd)
    for key in ("article_id", "cluster_id", "group_id"):
        owner: dict = {}
        for r in rows:
            assert owner.setdefault(r[key], r["split"]) == r["split"], f"{key} {r[key]} in two splits"
    texts: dict = {}
    for r in rows:
        assert texts.setdefault(normalise_text(r["text"]), r["split"]) == r["split"]
    # the syndicated copy and the original share a cluster; the repeated Peskov quote joined two articles
    by_article = {r["article_id"]: r for r in rows}
    assert by_article["2022-07-22-grain"]["cluster_id"] == by_article["2022-07-22-grain-copy"]["cluster_id"]
    assert by_article["2023-06-10-offensive"]["group_id"] == by_article["2024-06-15-summit"]["group_id"]
    assert all(r["label_source"] == "gold" for r in rows if r["split"] != "train")


def test_card_counts_agree_with_the_dataset(built):
    cfg, dd = built
    card = load_card(cfg.output)
    names = dd["train"].features["label"].names
    for s in ("train", "dev", "test"):
        stats = card["splits"][s]
        assert stats["rows"] == len(dd[s])
        assert stats["labels"] == {n: sum(1 for v in dd[s]["label"] if v == i) for i, n in enumerate(names)}
        assert sum(stats["actors"].values()) == sum(stats["periods"].values()) == len(dd[s])
    assert card["leakage_check"] == "passed"
    assert all(v == 0 for pair in card["leakage"].values() for v in pair.values())
    # one gold statement has no label: counted and written with its origin
    assert card["excluded"]["by_reason"] == {"no stance label": 1}
    excluded = [json.loads(x) for x in (Path(cfg.output) / "excluded.jsonl").read_text().splitlines()]
    assert excluded[0]["text"] == "We are ready to continue contacts"
    assert excluded[0]["origin"].split(":")[-1].isdigit()
    readme = (Path(cfg.output) / "README.md").read_text()
    for section in ("## Sizes", "## Stance labels", "## Actors", "## Periods (quarter)", "## Left out",
                    "## Leakage check", "Result: **passed**"):
        assert section in readme
    assert card["notes"]["actors"]["resolved_from_speaker"] == 1  # "Russian forces" -> russia


def test_load_built_round_trip(built):
    cfg, dd = built
    again = load_built(cfg.output)
    assert list(again["test"]["statement_id"]) == list(dd["test"]["statement_id"])
    with pytest.raises(InputError, match="not a built dataset"):
        load_built(Path(cfg.output) / "train")


def _arrow_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in (".arrow", ".json", ".jsonl", ".md")
            and p.name != "config.json"}


def test_same_config_and_seed_gives_byte_identical_output(corpus, tmp_path):
    root, paths = corpus
    cfg = DatasetConfig.model_validate(study_config(root, paths))
    build_dataset(cfg, tmp_path / "one")
    build_dataset(cfg, tmp_path / "two")
    one, two = _arrow_hashes(tmp_path / "one"), _arrow_hashes(tmp_path / "two")
    assert any(k.endswith(".arrow") for k in one) and one.keys() == two.keys()
    assert {k: v for k, v in one.items() if k != "card.json" and k != "README.md"} == \
        {k: v for k, v in two.items() if k != "card.json" and k != "README.md"}
    card1, card2 = load_card(tmp_path / "one"), load_card(tmp_path / "two")
    assert card1["rows_sha256"] == card2["rows_sha256"]
    other = cfg.model_copy(update={"split": cfg.split.model_copy(update={"seed": 99})})
    build_dataset(other, tmp_path / "three")
    assert load_card(tmp_path / "three")["rows_sha256"] != card1["rows_sha256"]


def test_rebuild_replaces_a_built_folder_but_not_other_folders(corpus, tmp_path):
    root, paths = corpus
    cfg = DatasetConfig.model_validate(study_config(root, paths))
    build_dataset(cfg, tmp_path / "ds")
    build_dataset(cfg, tmp_path / "ds")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a built dataset"):
        build_dataset(cfg, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").exists()


def test_weak_labels_only_in_train(corpus, tmp_path):
    root, paths = corpus
    raw = study_config(root, paths, unlabeled=[str(paths["extracted"])], weak={"train": True},
                       split={"strategy": "temporal", "train_end": "2025-01-01",
                              "fractions": {"train": 0.8, "dev": 0.2, "test": 0.0}})
    dd = build_dataset(DatasetConfig.model_validate(raw), tmp_path / "weak")
    weak = [r for r in _all_rows(dd) if r["label_source"] == "weak"]
    assert weak and all(r["split"] == "train" and r["sentiment"] == -1 for r in weak)
    names = dd["train"].features["label"].names
    by_text = {r["text"]: names[r["label"]] for r in weak}
    assert by_text["Moscow has always been open to talks with Kyiv"] == "open"
    assert by_text["Three people were injured in the drone attack"] == "none"
    card = load_card(tmp_path / "weak")
    assert card["splits"]["train"]["label_source"]["weak"] == len(weak)
    assert card["excluded"]["by_reason"]["overlaps a gold statement (gold kept)"] == 1
    assert (tmp_path / "weak" / "weak_label_analysis.csv").exists()
    # the 2025 weak statement falls in the test period: left out, counted
    assert card["excluded"]["by_reason"]["weak label in a test group (dev/test hold gold only)"] == 1
    for r in _all_rows(dd):
        if r["split"] == "train":
            assert r["date"] < "2025-01-01"
        if r["split"] == "test":
            assert r["date"] >= "2025-01-01"


def test_stance3_drops_none_and_merges_rejecting(corpus, tmp_path):
    root, paths = corpus
    raw = study_config(root, paths, schemes={"stance": "stance3"})
    dd = build_dataset(DatasetConfig.model_validate(raw), tmp_path / "s3")
    assert dd["train"].features["label"].names == ["open", "conditional", "evasive"]
    card = load_card(tmp_path / "s3")
    assert card["excluded"]["by_reason"]["label 'none' dropped by scheme 'stance3'"] == 3
    total = card["total"]["labels"]
    assert total["evasive"] == 4 + 2  # evasive + rejecting


def test_leave_one_actor_out_build(corpus, tmp_path):
    root, paths = corpus
    raw = study_config(root, paths, split={"strategy": "leave_one_actor_out", "test_actor": "zelensky",
                                           "fractions": {"train": 0.7, "dev": 0.15, "test": 0.15}})
    dd = build_dataset(DatasetConfig.model_validate(raw), tmp_path / "loao")
    assert set(dd["test"]["actor_id"]) == {"zelensky"}
    assert "zelensky" not in set(dd["train"]["actor_id"]) | set(dd["dev"]["actor_id"])
    card = load_card(tmp_path / "loao")
    assert any("held-out actor" in k for k in card["excluded"]["by_reason"])


def test_unknown_gold_label_names_file_line_and_field(corpus, tmp_path):
    root, paths = corpus
    gold = tmp_path / "gold.jsonl"
    lines = (paths["gold"] / "part1.jsonl").read_text().splitlines()
    rec = json.loads(lines[1])
    rec["stance"] = "hopeful"
    lines[1] = json.dumps(rec)
    gold.write_text("\n".join(lines) + "\n")
    raw = study_config(root, paths, gold=[str(gold)])
    with pytest.raises(InputError) as err:
        build_dataset(DatasetConfig.model_validate(raw), tmp_path / "bad")
    assert (err.value.path, err.value.line, err.value.field) == (str(gold), 2, "stance")
    assert "hopeful" in str(err.value)


def test_config_problems_are_clear(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("name: x\narticles: a\ngold: [g]\noutput: o\nsplitt: {}\n")
    with pytest.raises(ConfigError, match="did you mean 'split'"):
        from stance.dataset.builder import load_dataset_config
        load_dataset_config(path)
    with pytest.raises(ValueError, match="weak.train"):
        DatasetConfig(name="x", articles=["a"], gold=["g"], unlabeled=["u"], output="o")
    with pytest.raises(ValueError, match="official"):
        DatasetConfig(name="x", output="o", external={"format": "csv", "train": ["a"], "test": ["b"]})


def test_too_few_groups_is_an_error_not_an_empty_split(corpus, tmp_path):
    root, paths = corpus
    raw = study_config(root, paths, split={"strategy": "temporal", "train_end": "2030-01-01",
                                           "fractions": {"train": 0.8, "dev": 0.2, "test": 0.0}})
    with pytest.raises(InputError, match="test came out empty"):
        build_dataset(DatasetConfig.model_validate(raw), tmp_path / "empty")


# ----------------------------------------------------------------------------- benchmarks

def _semeval_files(tmp_path) -> tuple[Path, Path]:
    train = tmp_path / "semeval-train.txt"
    test = tmp_path / "semeval-test.txt"
    tweets = [("Atheism", "Religion has no place in public schools", "FAVOR"),
              ("Atheism", "Pray without ceasing, God hears you", "AGAINST"),
              ("Hillary Clinton", "Ready for Hillary in the White House", "FAVOR"),
              ("Hillary Clinton", "Emails, emails, emails. Not trustworthy", "AGAINST"),
              ("Climate Change is a Real Concern", "Record heat again this summer, act now", "FAVOR"),
              ("Feminist Movement", "Great game last night, what a finish", "NONE"),
              ("Legalization of Abortion", "Every life is precious from conception", "AGAINST"),
              ("Atheism", "Sunday service was beautiful today", "AGAINST")]
    lines = [b"ID\tTarget\tTweet\tStance\r\n"]
    for i, (target, text, stance) in enumerate(tweets * 3):
        tweet = f"{text} number {i} #SemST"
        raw = f"{100 + i}\t{target}\t{tweet}\t{stance}\r\n".encode("utf-8")
        if i == 5:
            raw = raw.replace(b"what a finish", b"what a finish \x96 wow")
        lines.append(raw)
    lines.append("200\tAtheism\tGod is great number 0 #SemST\tAGAINST\r\n".encode("utf-8"))
    train.write_bytes(b"".join(lines))
    test.write_bytes(b"ID\tTarget\tTweet\tStance\r\n"
                     b"10001\tAtheism\tgod is GREAT, number 0! #SemST\tAGAINST\r\n"
                     b"10002\tHillary Clinton\tShe will be a fine president #SemST\tFAVOR\r\n"
                     b"10003\tFeminist Movement\tWomen deserve equal pay #SemST\tFAVOR\r\n")
    return train, test


def test_semeval_benchmark_builds_with_official_test(tmp_path):
    train, test = _semeval_files(tmp_path)
    cfg = yaml.safe_load(Path("configs/datasets/semeval2016.yaml").read_text())
    cfg["external"]["train"] = [str(train)]
    cfg["external"]["test"] = [str(test)]
    cfg["output"] = str(tmp_path / "semeval")
    dd = build_dataset(DatasetConfig.model_validate(cfg))
    assert dd["train"].features["label"].names == ["favor", "against", "none"]
    assert sorted(dd["test"]["statement_id"]) == ["semeval-test:10001", "semeval-test:10002", "semeval-test:10003"]
    assert "Hillary Clinton" in dd["test"]["target"]
    assert all(s == -1 for s in dd["train"]["sentiment"])
    assert len(dd["dev"]) > 0
    card = load_card(tmp_path / "semeval")
    assert card["notes"]["external"]["fallback_lines"] == [f"{train}:7"]
    # the train tweet identical (after normalisation) to a test tweet is left out of train
    assert card["excluded"]["by_reason"] == {
        "official train statement whose text or group is also in official test": 1}
    assert "semeval-train:200" not in list(dd["train"]["statement_id"]) + list(dd["dev"]["statement_id"])
    assert all("#SemST" not in t for t in dd["train"]["text"])
    readme = (tmp_path / "semeval" / "README.md").read_text()
    assert "cp1252" in readme and "## Targets" in readme


def test_benchmark_label_outside_the_scheme_names_the_row(tmp_path):
    train, test = _semeval_files(tmp_path)
    test.write_bytes(test.read_bytes() + b"10004\tAtheism\tneutral-ish #SemST\tNEUTRAL\r\n")
    cfg = DatasetConfig(name="s", output=tmp_path / "o", schemes={"stance": "semeval"},
                        external={"format": "semeval2016", "train": [train], "test": [test]},
                        split={"strategy": "official"})
    with pytest.raises(InputError) as err:
        build_dataset(cfg)
    assert (err.value.path, err.value.line) == (str(test), 5) and "NEUTRAL" in str(err.value)


# ----------------------------------------------------------------------------- CLI

def test_cli_build_and_weak_label(corpus, tmp_path, capsys):
    root, paths = corpus
    raw = study_config(root, paths, output=str(tmp_path / "cli"))
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["build", str(path), "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "leakage check: passed" in out and "no stance label: 1" in out
    assert load_card(tmp_path / "cli")["split"]["seed"] == 5

    assert main(["weak-label", "configs/labeling/negotiation.yaml", "--articles", str(paths["articles"]),
                 "--gold", str(paths["gold"]), "--statements", str(paths["extracted"]),
                 "-o", str(tmp_path / "wl")]) == 0
    out = capsys.readouterr().out
    assert "conditional_condition" in out and "accuracy on gold" in out
    import pandas as pd
    table = pd.read_csv(tmp_path / "wl" / "lf_analysis.csv")
    assert {"function", "label", "coverage", "overlaps", "conflicts", "emp_accuracy"} <= set(table.columns)
    labels = [json.loads(x) for x in (tmp_path / "wl" / "weak_labels.jsonl").read_text().splitlines()]
    assert len(labels) == 23 + 4  # gold statements + extracted
    assert sum(r["gold"] is not None for r in labels) == 22

    # the train split of a built dataset, so that dev and test stay unseen while revising functions
    assert main(["weak-label", "configs/labeling/negotiation.yaml", "--dataset", str(tmp_path / "cli"),
                 "-o", str(tmp_path / "wl_train")]) == 0
    summary = json.loads((tmp_path / "wl_train" / "summary.json").read_text())
    assert summary["statements"] == len(load_built(tmp_path / "cli")["train"])
    assert summary["gold_statements"] == summary["statements"]


def test_cli_bad_config_exits_2_with_the_field(tmp_path, capsys):
    path = tmp_path / "cfg.yaml"
    path.write_text("name: x\narticles: a\ngold: [g]\noutput: o\nsplit: {strategy: shuffled}\n")
    assert main(["build", str(path)]) == 2
    err = capsys.readouterr().err
    assert "split.strategy" in err and str(path) in err


def test_external_csv_with_groups_and_a_random_split(tmp_path):
    rows = ["id,body,position,thread,created"]
    for t in range(12):
        for k in range(3):
            rows.append(f"{t}-{k},post {k} in thread {t} about the ceasefire,{'pro' if k else 'con'},t{t},"
                        f"2024-0{1 + t % 9}-1{k}")
    (tmp_path / "posts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    scheme = {"name": "procon", "labels": ["pro", "con"]}
    cfg = DatasetConfig(name="posts", output=tmp_path / "o", target="ceasefire",
                        schemes={"stance": scheme},
                        external={"format": "csv", "files": [tmp_path / "posts.csv"],
                                  "columns": {"text": "body", "label": "position", "group": "thread",
                                              "date": "created", "id": "id"}},
                        split={"strategy": "random", "seed": 3})
    dd = build_dataset(cfg)
    rows_out = _all_rows(dd)
    assert len(rows_out) == 36 and {r["target"] for r in rows_out} == {"ceasefire"}
    split_of = {}
    for r in rows_out:
        assert split_of.setdefault(r["article_id"], r["split"]) == r["split"]  # a thread stays together
    assert dd["train"].features["label"].names == ["pro", "con"]
    assert rows_out[0]["date"].startswith("2024-")
