"""Leak-free train / dev / test splits over groups of statements.

A group is what must never be split: statements are joined (union-find) when they share
an article, a near-duplicate cluster (syndicated copies of one story), or the same
normalised text (the same quote reported by two outlets). Every strategy assigns whole
groups:

- `random`: groups are ordered by a seeded hash of their id; test, then dev, are filled
  in that order until they hold their fraction of the gold statements (a group goes in
  while the split's count before it plus half its size is below the target), the rest is
  train. A group's place in the order does not depend on the other groups, so when the
  corpus grows only groups near the split boundaries change split (a shuffle would
  reassign everything); the card lists the articles of each split. With `pinned` (a CSV of
  `article_id,split`, e.g. the split of an earlier corpus version) every group holding a
  listed article keeps that split, and only the other groups are filled, to the same
  fractions among themselves, so a grown corpus keeps every old statement where it was.
- `temporal`: a group's date is the earliest date of its statements. Train is before
  `train_end`, test from `test_start` (default `train_end`). dev is `from_train` (the most
  recent groups of the train period holding dev/(train+dev) of its gold statements, so
  model selection looks at the period nearest the test) or `between` (train_end <= date <
  test_start). Without `train_end`, groups are cut chronologically by the fractions
  (train, then dev, then test). Statements without a date are left out (counted).
- `leave_one_actor_out`: test is the gold statements of `test_actor`; any other statement
  in a group that holds a statement of that actor is left out (counted), so no article of
  the test set is seen in training; the rest is split into train and dev at random by
  group in proportion train:dev.
- `official`: a benchmark's own split (the `official_split` of each row) is kept. A
  train (or dev) statement whose group reaches into test is left out of train (counted);
  without an official dev, dev is carved from train at random by group, dev/(train+dev)
  of it.

dev and test hold gold statements only; weak (silver) statements can only be train, and
only when their group is a train group. `leakage` counts articles, clusters and texts
shared between splits; the dataset builder asserts they are all zero.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from stance.config import StrictModel
from stance.errors import InputError

SPLITS = ("train", "dev", "test")
Strategy = Literal["random", "temporal", "leave_one_actor_out", "official"]


class Fractions(StrictModel):
    """Shares of the gold statements per split (must sum to 1)."""

    train: float = Field(default=0.7, gt=0, le=1)
    dev: float = Field(default=0.15, ge=0, lt=1)
    test: float = Field(default=0.15, ge=0, lt=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> "Fractions":
        total = self.train + self.dev + self.test
        if abs(total - 1) > 1e-6:
            raise ValueError(f"fractions must sum to 1, got {total:g}")
        return self


class SplitConfig(StrictModel):
    """How statements are split (see the module doc for each strategy)."""

    strategy: Strategy = "random"
    seed: int = 13
    fractions: Fractions = Field(default_factory=Fractions)
    train_end: dt.date | None = None
    test_start: dt.date | None = None
    dev: Literal["from_train", "between"] = "from_train"
    test_actor: str | None = None
    pinned: Path | None = Field(default=None, description="CSV article_id,split whose articles keep their split "
                                                          "(random strategy)")

    @model_validator(mode="after")
    def _strategy_fields(self) -> "SplitConfig":
        if self.pinned is not None and self.strategy != "random":
            raise ValueError(f"pinned only applies to the random strategy, not {self.strategy}")
        if self.strategy == "leave_one_actor_out" and not self.test_actor:
            raise ValueError("strategy leave_one_actor_out needs test_actor")
        if self.strategy != "leave_one_actor_out" and self.test_actor:
            raise ValueError(f"test_actor only applies to leave_one_actor_out, not {self.strategy}")
        if self.strategy != "temporal" and (self.train_end or self.test_start):
            raise ValueError(f"train_end / test_start only apply to the temporal strategy, not {self.strategy}")
        if self.test_start and not self.train_end:
            raise ValueError("test_start needs train_end")
        if self.train_end and self.test_start and self.test_start < self.train_end:
            raise ValueError("test_start is before train_end")
        if self.dev == "between" and self.strategy == "temporal" and self.train_end and \
                (not self.test_start or self.test_start == self.train_end):
            raise ValueError("dev: between needs a test_start after train_end")
        return self


# ----------------------------------------------------------------------------- grouping

def normalise_text(text: str) -> str:
    """Text reduced for duplicate detection: NFKC, case-folded, punctuation dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


class UnionFind:
    """Disjoint sets over hashable keys."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, x: Hashable) -> Hashable:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # deterministic: the smaller key becomes the root
            if str(rb) < str(ra):
                ra, rb = rb, ra
            self.parent[rb] = ra


def group_ids(article_ids: Sequence[str | None], cluster_ids: Sequence[str | None],
              texts: Sequence[str]) -> list[str]:
    """The group of each statement: connected by shared article, cluster or normalised text.

    A group's id is its smallest article id, or `text-<hash>` for a group without articles
    (benchmarks grouped by text alone).
    """
    uf = UnionFind()
    keys_of: list[list[str]] = []
    for i, (a, c, t) in enumerate(zip(article_ids, cluster_ids, texts, strict=True)):
        keys = [f"row:{i}"]
        if a:
            keys.append(f"a:{a}")
        if c:
            keys.append(f"c:{c}")
        norm = normalise_text(t)
        if norm:
            keys.append(f"t:{norm}")
        for k in keys[1:]:
            uf.union(keys[0], k)
        keys_of.append(keys)
    members: dict[Hashable, list[str]] = {}
    for keys in keys_of:
        members.setdefault(uf.find(keys[0]), []).extend(keys[1:])
    names: dict[Hashable, str] = {}
    for root, keys in members.items():
        arts = sorted(k[2:] for k in keys if k.startswith("a:"))
        if arts:
            names[root] = arts[0]
        else:
            basis = min(keys) if keys else str(root)
            names[root] = "text-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]
    return [names[uf.find(keys[0])] for keys in keys_of]


def merge_cluster_ids(pairs: Iterable[tuple[str, Sequence[str | None]]]) -> dict[str, str]:
    """One cluster id per item from several cluster assignments (e.g. given + MinHash):
    items sharing any cluster end up together; the id is the smallest item id."""
    uf = UnionFind()
    items = []
    for item, clusters in pairs:
        items.append(item)
        uf.find(f"i:{item}")
        for c in clusters:
            if c:
                uf.union(f"i:{item}", f"c:{c}")
    smallest: dict[Hashable, str] = {}
    for item in items:
        root = uf.find(f"i:{item}")
        smallest[root] = min(smallest.get(root, item), item)
    return {item: smallest[uf.find(f"i:{item}")] for item in items}


# ----------------------------------------------------------------------------- assignment

@dataclass
class SplitRow:
    """What the split strategies need to know about one statement."""

    group: str
    gold: bool
    date: dt.date | None = None
    actor_id: str | None = None
    official_split: str | None = None
    article_id: str | None = None


@dataclass
class Assignment:
    """The split of each row (None = left out) and why a row was left out."""

    split: list[str | None]
    reason: list[str | None]


def hash_order(groups: Iterable[str], seed: int) -> list[str]:
    """Groups in a seeded pseudo-random order that is stable when groups are added or removed."""
    return sorted(groups, key=lambda g: (hashlib.sha256(f"{seed}:{g}".encode("utf-8")).hexdigest(), g))


def _fill_random(groups: list[str], weight: dict[str, int], targets: list[tuple[str, float]], seed: int,
                 rest: str) -> dict[str, str]:
    """Order groups by `hash_order` and fill each (split, share) in turn by gold count; the rest -> `rest`."""
    order = hash_order(groups, seed)
    total = sum(weight[g] for g in order)
    out: dict[str, str] = {}
    t = 0
    filled = 0.0
    bound = 0.0
    for g in order:
        w = weight[g]
        while t < len(targets) and filled + w / 2 >= bound + targets[t][1] * total:
            bound += targets[t][1] * total
            t += 1
        out[g] = targets[t][0] if t < len(targets) else rest
        filled += w
    return out


def _gold_weights(rows: Sequence[SplitRow]) -> dict[str, int]:
    weight: dict[str, int] = {}
    for r in rows:
        weight[r.group] = weight.get(r.group, 0) + int(r.gold)
    return weight


def _kept(r: SplitRow, s: str) -> tuple[str | None, str | None]:
    """(split, reason left out) of a row whose group went to `s`: weak rows are kept in train only."""
    if not r.gold and s != "train":
        return None, f"weak label in a {s} group (dev/test hold gold only)"
    return s, None


def _apply(rows: Sequence[SplitRow], group_split: dict[str, str | None],
           group_reason: dict[str, str] | None = None) -> Assignment:
    """Rows follow their group; weak rows are only kept in train."""
    group_reason = group_reason or {}
    split: list[str | None] = []
    reason: list[str | None] = []
    for r in rows:
        s = group_split.get(r.group)
        if s is None:
            split.append(None)
            reason.append(group_reason.get(r.group, "group not assigned to any split"))
        else:
            kept, why = _kept(r, s)
            split.append(kept)
            reason.append(why)
    return Assignment(split, reason)


def read_pinned(path: str | Path) -> dict[str, str]:
    """`article_id -> split` from a CSV with those two columns (InputError names file, line and field)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot read pinned splits: {e.strerror or e}", path=path) from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"article_id", "split"} <= set(reader.fieldnames):
        raise InputError(f"pinned splits need the columns article_id and split, found {reader.fieldnames}",
                         path=path, line=1)
    out: dict[str, str] = {}
    for n, rec in enumerate(reader, 2):
        aid, split = (rec.get("article_id") or "").strip(), (rec.get("split") or "").strip()
        if not aid:
            raise InputError("empty article_id", path=path, line=n, field="article_id")
        if split not in SPLITS:
            raise InputError(f"split {split!r} is not one of {', '.join(SPLITS)}", path=path, line=n, field="split")
        if out.get(aid, split) != split:
            raise InputError(f"article {aid!r} pinned to both {out[aid]} and {split}", path=path, line=n,
                             field="split")
        out[aid] = split
    return out


def pinned_groups(rows: Sequence[SplitRow], pins: Mapping[str, str]) -> dict[str, str]:
    """The split of each group that holds a pinned article; InputError when a group joins two pinned splits."""
    seen: dict[str, dict[str, str]] = {}
    for r in rows:
        if r.article_id is not None and r.article_id in pins:
            seen.setdefault(r.group, {})[r.article_id] = pins[r.article_id]
    out: dict[str, str] = {}
    for g, arts in seen.items():
        splits = sorted(set(arts.values()))
        if len(splits) > 1:
            which = ", ".join(f"{a} ({s})" for a, s in sorted(arts.items()))
            raise InputError(f"pinned articles of different splits share a group (an article, a near-duplicate "
                             f"cluster or an identical quote joins them): {which}; re-pin them or change the text")
        out[g] = splits[0]
    return out


def assign_random(rows: Sequence[SplitRow], cfg: SplitConfig, pins: Mapping[str, str] | None = None) -> Assignment:
    """Random by group, seeded; groups of pinned articles keep their split (module doc)."""
    weight = _gold_weights(rows)
    fixed = pinned_groups(rows, pins or {})
    eligible = [g for g, w in weight.items() if w > 0 and g not in fixed]
    fr = cfg.fractions
    group_split: dict[str, str | None] = dict(_fill_random(eligible, weight, [("test", fr.test), ("dev", fr.dev)],
                                                           cfg.seed, "train"))
    group_split.update(fixed)
    for g, w in weight.items():
        if w == 0 and g not in fixed:
            group_split[g] = "train"
    return _apply(rows, group_split)


def assign_temporal(rows: Sequence[SplitRow], cfg: SplitConfig) -> Assignment:
    """Train before, test after a date; dev from the end of train or between (module doc)."""
    gdate: dict[str, dt.date | None] = {}
    for r in rows:
        current = gdate.get(r.group)
        if r.group not in gdate or (r.date is not None and (current is None or r.date < current)):
            gdate[r.group] = r.date
    weight = _gold_weights(rows)
    group_split: dict[str, str | None] = {}
    reasons: dict[str, str] = {}
    dates: dict[str, dt.date] = {g: d for g, d in gdate.items() if d is not None}
    dated = list(dates)
    for g, d in gdate.items():
        if d is None:
            group_split[g] = None
            reasons[g] = "no date (temporal split)"
    by_time = sorted(dated, key=lambda g: (dates[g], g))
    fr = cfg.fractions
    if cfg.train_end is None:
        total = sum(weight[g] for g in by_time)
        filled = 0.0
        for g in by_time:
            mid = filled + weight[g] / 2
            group_split[g] = "train" if mid < fr.train * total else ("dev" if mid < (fr.train + fr.dev) * total
                                                                     else "test")
            filled += weight[g]
        return _apply(rows, group_split, reasons)
    test_start = cfg.test_start or cfg.train_end
    train_period = []
    for g in by_time:
        d = dates[g]
        if d < cfg.train_end:
            train_period.append(g)
            group_split[g] = "train"
        elif d >= test_start:
            group_split[g] = "test"
        elif cfg.dev == "between":
            group_split[g] = "dev"
        else:
            group_split[g] = None
            reasons[g] = f"dated between train_end {cfg.train_end} and test_start {test_start}"
    if cfg.dev == "from_train" and fr.dev > 0:
        share = fr.dev / (fr.train + fr.dev)
        total = sum(weight[g] for g in train_period)
        filled = 0.0
        for g in reversed(train_period):  # most recent first
            if weight[g] == 0:
                continue
            if filled + weight[g] / 2 >= share * total:
                break
            group_split[g] = "dev"
            filled += weight[g]
    return _apply(rows, group_split, reasons)


def assign_leave_one_actor_out(rows: Sequence[SplitRow], cfg: SplitConfig) -> Assignment:
    """Test = the held-out actor's gold statements; their groups are closed to other statements."""
    actor = cfg.test_actor
    held = {r.group for r in rows if r.actor_id == actor}
    weight = _gold_weights(rows)
    rest = [g for g, w in weight.items() if g not in held and w > 0]
    fr = cfg.fractions
    share = fr.dev / (fr.train + fr.dev)
    group_split: dict[str, str | None] = dict(_fill_random(rest, weight, [("dev", share)], cfg.seed, "train"))
    for g, w in weight.items():
        if g not in held and w == 0:
            group_split[g] = "train"
    split: list[str | None] = []
    reason: list[str | None] = []
    base = _apply(rows, group_split)
    for r, s, why in zip(rows, base.split, base.reason):
        if r.group in held:
            if r.actor_id == actor and r.gold:
                split.append("test")
                reason.append(None)
            elif r.actor_id == actor:
                split.append(None)
                reason.append("weak label of the held-out actor")
            else:
                split.append(None)
                reason.append(f"shares an article, cluster or text with held-out actor {actor!r}")
        else:
            split.append(s)
            reason.append(why)
    return Assignment(split, reason)


def assign_official(rows: Sequence[SplitRow], cfg: SplitConfig) -> Assignment:
    """Keep the benchmark's split; drop train/dev rows whose group reaches a later split."""
    official: list[str] = []
    for i, r in enumerate(rows):
        if r.official_split is None or r.official_split not in SPLITS:
            raise ValueError(f"row {i}: official split {r.official_split!r} is not one of {SPLITS}")
        official.append(r.official_split)
    rank = {"train": 0, "dev": 1, "test": 2}
    top: dict[str, str] = {}
    for r, off in zip(rows, official):
        if r.group not in top or rank[off] > rank[top[r.group]]:
            top[r.group] = off
    has_dev = any(r.official_split == "dev" for r in rows)
    carved: dict[str, str] = {}
    if not has_dev and cfg.fractions.dev > 0:
        weight = _gold_weights(rows)
        train_groups = [g for g, s in top.items() if s == "train" and weight[g] > 0]
        share = cfg.fractions.dev / (cfg.fractions.train + cfg.fractions.dev)
        carved = _fill_random(train_groups, weight, [("dev", share)], cfg.seed, "train")
    split: list[str | None] = []
    reason: list[str | None] = []
    for r in rows:
        target = top[r.group]
        if r.official_split != target:
            split.append(None)
            reason.append(f"official {r.official_split} statement whose text or group is also in official {target}")
            continue
        kept, why = _kept(r, carved.get(r.group, target) if target == "train" else target)
        split.append(kept)
        reason.append(why)
    return Assignment(split, reason)


STRATEGIES = {
    "random": assign_random,
    "temporal": assign_temporal,
    "leave_one_actor_out": assign_leave_one_actor_out,
    "official": assign_official,
}


def assign_splits(rows: Sequence[SplitRow], cfg: SplitConfig) -> Assignment:
    """The split of every row under `cfg.strategy` (with `cfg.pinned` read for the random strategy)."""
    if cfg.pinned is not None:
        return assign_random(rows, cfg, read_pinned(cfg.pinned))
    return STRATEGIES[cfg.strategy](rows, cfg)


# ----------------------------------------------------------------------------- leakage

class LeakageError(AssertionError):
    """Two splits share an article, a near-duplicate cluster or a statement text."""


def leakage(split: Sequence[str | None], article_ids: Sequence[str | None], cluster_ids: Sequence[str | None],
            texts: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    """For each pair of splits, the article ids, cluster ids and normalised texts they share."""
    seen: dict[str, dict[str, set[str]]] = {s: {"articles": set(), "clusters": set(), "texts": set()} for s in SPLITS}
    for s, a, c, t in zip(split, article_ids, cluster_ids, texts, strict=True):
        if s is None:
            continue
        if a:
            seen[s]["articles"].add(a)
        if c:
            seen[s]["clusters"].add(c)
        seen[s]["texts"].add(normalise_text(t))
    out: dict[str, dict[str, list[str]]] = {}
    for i, s1 in enumerate(SPLITS):
        for s2 in SPLITS[i + 1:]:
            out[f"{s1}-{s2}"] = {kind: sorted(seen[s1][kind] & seen[s2][kind]) for kind in seen[s1]}
    return out


def assert_no_leakage(report: dict[str, dict[str, list[str]]]) -> None:
    """Raise LeakageError listing what two splits share."""
    problems = [f"{pair} share {len(v)} {kind} (e.g. {v[0]!r})"
                for pair, kinds in report.items() for kind, v in kinds.items() if v]
    if problems:
        raise LeakageError("splits leak: " + "; ".join(problems))
