"""Grouping and split strategies: no group across splits, dev/test gold only, determinism."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stance.dataset.splits import (
    LeakageError,
    SplitConfig,
    SplitRow,
    UnionFind,
    assert_no_leakage,
    assign_splits,
    group_ids,
    leakage,
    merge_cluster_ids,
    normalise_text,
    read_pinned,
)
from stance.errors import InputError


def test_normalise_text_ignores_case_punctuation_and_spacing():
    assert normalise_text("“We are READY,”  he said…") == normalise_text("we are ready he said")


def test_groups_join_articles_clusters_and_repeated_quotes():
    arts = ["a1", "a1", "a2", "a3", "a4", None, None]
    clusters = ["c1", "c1", "c2", "c2", "c4", None, None]
    texts = ["We are ready to talk.", "Talks are pointless", "nothing shared", "other text",
             "It is premature to talk about a summit", "IT IS PREMATURE to talk about a summit!", "lonely"]
    g = group_ids(arts, clusters, texts)
    assert g[0] == g[1] == "a1"          # same article
    assert g[2] == g[3] == "a2"          # same near-duplicate cluster
    assert g[4] == g[5] == "a4"          # same quote, one row without an article
    assert g[6].startswith("text-") and g[6] not in g[:6]


def test_merge_cluster_ids_unions_given_and_found_clusters():
    out = merge_cluster_ids([("b", ["given:x", "mh:1"]), ("a", ["mh:2"]), ("c", ["given:x", "mh:3"]),
                             ("d", ["mh:2"]), ("e", [None, "mh:5"])])
    assert out["b"] == out["c"] == "b"
    assert out["a"] == out["d"] == "a"
    assert out["e"] == "e"


def test_union_find_roots_are_deterministic():
    uf = UnionFind()
    uf.union("z", "m")
    uf.union("a", "z")
    assert uf.find("m") == uf.find("z") == "a"


def _rows(n_groups=40, per_group=3, weak_every=5):
    rows = []
    for g in range(n_groups):
        for k in range(per_group):
            rows.append(SplitRow(group=f"g{g:03d}", gold=not (k == 0 and g % weak_every == 0),
                                 date=dt.date(2022, 1, 1) + dt.timedelta(days=20 * g),
                                 actor_id=["putin", "zelensky", "peskov"][(g + k) % 3]))
    return rows


def _groups_by_split(rows, assignment):
    out: dict[str, set] = {}
    for r, s in zip(rows, assignment.split):
        if s is not None:
            out.setdefault(s, set()).add(r.group)
    return out


def _check_invariants(rows, assignment):
    seen: dict[str, str] = {}
    for r, s, why in zip(rows, assignment.split, assignment.reason):
        assert (s is None) == (why is not None)
        if s is None:
            continue
        assert seen.setdefault(r.group, s) == s, f"group {r.group} in two splits"
        if s in ("dev", "test"):
            assert r.gold


def test_random_split_is_grouped_seeded_and_close_to_the_fractions():
    rows = _rows()
    cfg = SplitConfig(seed=13)
    a = assign_splits(rows, cfg)
    _check_invariants(rows, a)
    assert a.split == assign_splits(rows, cfg).split
    assert a.split != assign_splits(rows, SplitConfig(seed=14)).split
    gold = [s for r, s in zip(rows, a.split) if r.gold]
    for name, share in (("train", 0.7), ("dev", 0.15), ("test", 0.15)):
        assert abs(gold.count(name) / len(gold) - share) < 0.06
    # weak rows survive only in train groups
    weak = [(s, why) for r, s, why in zip(rows, a.split, a.reason) if not r.gold]
    assert all(s in ("train", None) for s, _ in weak)
    assert any(why and "weak label" in why for _, why in weak)


def test_temporal_split_with_dev_from_the_end_of_train():
    rows = _rows()
    cfg = SplitConfig(strategy="temporal", train_end=dt.date(2023, 6, 1), fractions={"train": 0.8, "dev": 0.2,
                                                                                      "test": 0.0})
    a = assign_splits(rows, cfg)
    _check_invariants(rows, a)
    dates = {s: [r.date for r, x in zip(rows, a.split) if x == s] for s in ("train", "dev", "test")}
    assert max(dates["train"]) < min(dates["dev"]) < dt.date(2023, 6, 1) <= min(dates["test"])
    dev_gold = sum(1 for r, x in zip(rows, a.split) if x == "dev")
    period_gold = sum(1 for r in rows if r.gold and r.date < dt.date(2023, 6, 1))
    assert abs(dev_gold / period_gold - 0.2) < 0.1


def test_temporal_split_between_and_undated_rows():
    rows = _rows() + [SplitRow(group="undated", gold=True, date=None)]
    cfg = SplitConfig(strategy="temporal", train_end=dt.date(2022, 12, 1), test_start=dt.date(2023, 6, 1),
                      dev="between")
    a = assign_splits(rows, cfg)
    _check_invariants(rows, a)
    for r, s in zip(rows, a.split):
        if s == "dev":
            assert dt.date(2022, 12, 1) <= r.date < dt.date(2023, 6, 1)
    assert a.split[-1] is None and "no date" in a.reason[-1]


def test_temporal_split_without_dates_cuts_chronologically():
    rows = _rows()
    a = assign_splits(rows, SplitConfig(strategy="temporal"))
    _check_invariants(rows, a)
    by = {s: [r.date for r, x in zip(rows, a.split) if x == s] for s in ("train", "dev", "test")}
    assert max(by["train"]) < min(by["dev"]) and max(by["dev"]) < min(by["test"])


def test_leave_one_actor_out_keeps_the_actor_out_of_train_and_dev():
    rows = _rows()
    for i, r in enumerate(rows):  # peskov speaks in every third group only, next to others
        r.actor_id = "peskov" if (i // 3) % 3 == 0 and i % 3 == 1 else ["putin", "zelensky"][i % 2]
    a = assign_splits(rows, SplitConfig(strategy="leave_one_actor_out", test_actor="peskov"))
    _check_invariants(rows, a)
    for r, s, why in zip(rows, a.split, a.reason):
        if r.actor_id == "peskov":
            assert s in ("test", None)
        if s == "test":
            assert r.actor_id == "peskov"
        if s is None and r.actor_id != "peskov":
            assert "held-out actor" in why or "weak" in why
    groups = _groups_by_split(rows, a)
    assert groups["train"] and groups["dev"] and groups["test"]
    assert not groups["test"] & (groups["train"] | groups["dev"])
    assert sum(why is not None and "held-out actor" in why for why in a.reason) > 0


def test_official_split_keeps_test_and_drops_train_duplicates():
    rows = [SplitRow(group=f"t{i}", gold=True, official_split="train") for i in range(30)]
    rows += [SplitRow(group=f"x{i}", gold=True, official_split="test") for i in range(10)]
    rows += [SplitRow(group="x0", gold=True, official_split="train")]  # same tweet as a test tweet
    a = assign_splits(rows, SplitConfig(strategy="official", fractions={"train": 0.8, "dev": 0.2, "test": 0.0}))
    _check_invariants(rows, a)
    assert a.split[30:40] == ["test"] * 10
    assert a.split[-1] is None and "also in official test" in a.reason[-1]
    assert 3 <= a.split.count("dev") <= 9
    rows_dev = rows[:40] + [SplitRow(group="d0", gold=True, official_split="dev")]
    b = assign_splits(rows_dev, SplitConfig(strategy="official"))
    assert b.split.count("dev") == 1 and b.split[-1] == "dev"


def test_split_config_checks_strategy_fields():
    with pytest.raises(ValueError, match="test_actor"):
        SplitConfig(strategy="leave_one_actor_out")
    with pytest.raises(ValueError, match="sum to 1"):
        SplitConfig(fractions={"train": 0.7, "dev": 0.2, "test": 0.2})
    with pytest.raises(ValueError, match="temporal"):
        SplitConfig(train_end=dt.date(2024, 1, 1))


def test_leakage_is_detected_and_reported():
    report = leakage(["train", "test", "dev"], ["a1", "a1", "a2"], [None, None, "c"], ["x", "y", "Y!"])
    assert report["train-test"]["articles"] == ["a1"]
    assert report["dev-test"]["texts"] == ["y"]
    with pytest.raises(LeakageError, match="train-test share 1 articles"):
        assert_no_leakage(report)
    assert_no_leakage(leakage(["train", "test"], ["a", "b"], ["c1", "c2"], ["one", "two"]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.booleans(), st.integers(0, 800)), min_size=3, max_size=60),
       st.integers(0, 1000), st.sampled_from(["random", "temporal"]))
def test_any_input_gives_grouped_splits(items, seed, strategy):
    rows = [SplitRow(group=f"g{g}", gold=gold, date=dt.date(2022, 1, 1) + dt.timedelta(days=d))
            for g, gold, d in items]
    a = assign_splits(rows, SplitConfig(strategy=strategy, seed=seed))
    _check_invariants(rows, a)
    assert len(a.split) == len(rows)


def test_growing_corpus_keeps_most_groups_in_their_split():
    small = _rows(n_groups=60)
    grown = small + [SplitRow(group=f"new{g:03d}", gold=True) for g in range(12)]
    cfg = SplitConfig(seed=7)
    before = dict(zip((r.group for r in small), assign_splits(small, cfg).split))
    after = dict(zip((r.group for r in grown), assign_splits(grown, cfg).split))
    kept = sum(after[g] == s for g, s in before.items() if s is not None)
    assert kept / sum(s is not None for s in before.values()) >= 0.85


def _article_rows(prefix: str, n: int) -> list[SplitRow]:
    """Three gold statements per article; each article is its own group."""
    return [SplitRow(group=f"{prefix}{g:03d}", gold=True, article_id=f"{prefix}{g:03d}") for g in range(n)
            for _ in range(3)]


def test_pinned_split_keeps_every_old_article_and_splits_the_new_ones_by_the_fractions(tmp_path):
    old = _article_rows("2022-03-01-old-", 60)
    before = assign_splits(old, SplitConfig(seed=7))
    pins = tmp_path / "v1.csv"
    pins.write_text("article_id,split\n" + "".join(f"{r.article_id},{s}\n" for r, s in zip(old[::3], before.split[::3])),
                    encoding="utf-8")
    grown = old + _article_rows("2026-05-01-new-", 140)
    after = assign_splits(grown, SplitConfig(seed=7, pinned=pins))
    _check_invariants(grown, after)
    assert after.split[:len(old)] == before.split  # no old statement moves
    plain = assign_splits(grown, SplitConfig(seed=7))
    assert plain.split[:len(old)] != before.split  # without pins, growth moves some old groups
    new = after.split[len(old):]
    for name, share in (("train", 0.7), ("dev", 0.15), ("test", 0.15)):
        assert abs(new.count(name) / len(new) - share) < 0.05


def test_pinned_articles_of_two_splits_joined_by_a_new_quote_are_refused(tmp_path):
    pins = tmp_path / "v1.csv"
    pins.write_text("article_id,split\na1,train\na2,test\n", encoding="utf-8")
    rows = [SplitRow(group="a1", gold=True, article_id="a1"), SplitRow(group="a1", gold=True, article_id="a2"),
            SplitRow(group="b1", gold=True, article_id="b1")]
    with pytest.raises(InputError, match=r"a1 \(train\), a2 \(test\)"):
        assign_splits(rows, SplitConfig(pinned=pins))


@pytest.mark.parametrize("body, line, field", [
    ("article_id,split\na1,train\na2,validation\n", 3, "split"),
    ("article_id,split\n,train\n", 2, "article_id"),
    ("article_id,split\na1,train\na1,test\n", 3, "split"),
])
def test_bad_pinned_file_names_line_and_field(tmp_path, body, line, field):
    pins = tmp_path / "v1.csv"
    pins.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_pinned(pins)
    assert e.value.line == line and e.value.field == field and e.value.path == str(pins)


def test_pinned_is_only_for_the_random_strategy(tmp_path):
    with pytest.raises(ValueError, match="pinned only applies to the random strategy"):
        SplitConfig(strategy="temporal", pinned=tmp_path / "v1.csv")
