"""Build a train / dev / test `DatasetDict` from a dataset config, with a dataset card.

`build_dataset(config)` reads the study's articles and gold annotations (or an external
benchmark, see `stance.dataset.external`), optionally adds weak labels to train, groups and splits
the statements without leakage (`stance.dataset.splits`), saves the DatasetDict to
`config.output` and writes next to it (the card: `stance.dataset.card`):

- `README.md` / `card.json`: sizes per split, label, sentiment, actor, period and label
  source; what was left out and why; the leakage check (zero shared articles, clusters
  and statement texts across splits, asserted by the builder); row hashes per split;
- `excluded.jsonl`: every statement left out (no label, label dropped by the scheme, weak
  labeler abstained, held-out group, ...), with its origin and reason;
- `config.json`: the resolved config; `weak_label_analysis.csv` when weak labels are used.

`load_built(path)` reads the DatasetDict back. Re-running with the same config and seed
writes byte-identical arrow files.

Columns (one row per statement; every split has all of them):

| column | type | meaning |
| --- | --- | --- |
| statement_id | string | `<article_id>:<start>-<end>` for the study, `<file stem>:<id>` for external data |
| text | string | the statement (quote, partial quote or reported clause) |
| context | string | the paragraph around it ("" where unknown) |
| speaker | string | the speaker as written ("" where unknown) |
| actor_id | string or None | canonical actor id from the registry |
| target | string | what the stance is toward: the study's target ("negotiation") or the benchmark row's target |
| date | string or None | ISO date of the article (YYYY-MM-DD) |
| article_id | string or None | source article (external data: the mapped `group` column) |
| cluster_id | string or None | near-duplicate cluster of the article (syndicated copies share one) |
| group_id | string | the split unit: union of article, cluster and identical normalised text |
| kind | string | direct / partial / reported ("" for external data) |
| cue | string | attribution cue ("said", "declined to comment"; "" for external data) |
| label | ClassLabel | stance in the dataset's stance scheme (names in `features["label"].names`) |
| sentiment | ClassLabel | sentiment scheme label; -1 where unknown (weak rows, unlabeled), as GLUE does |
| label_source | string | "gold" or "weak" (weak only ever in train) |
| confidence | float64 | 1.0 for gold; the label model's confidence for weak labels |
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from stance.config import StrictModel, load_config
from stance.dataset.card import dataset_card, load_card, render_card  # noqa: F401 (load_card: the card of a built dataset)
from stance.dataset.external import ExternalSource, load_external
from stance.dataset.schemes import LabelScheme, load_scheme
from stance.dataset.splits import (
    SPLITS,
    SplitConfig,
    SplitRow,
    assert_no_leakage,
    assign_splits,
    group_ids,
    leakage,
    merge_cluster_ids,
)
from stance.errors import ConfigError, InputError

COLUMNS = ["statement_id", "text", "context", "speaker", "actor_id", "target", "date", "article_id", "cluster_id",
           "group_id", "kind", "cue", "label", "sentiment", "label_source", "confidence"]


# ----------------------------------------------------------------------------- config

class ClusterConfig(StrictModel):
    """Near-duplicate article detection (MinHash over word shingles, `stance.corpus.readers.assign_clusters`)."""

    enabled: bool = True
    threshold: float = Field(default=0.8, gt=0, le=1)
    shingle: int = Field(default=3, ge=1)
    num_perm: int = Field(default=128, ge=16)


class WeakConfig(StrictModel):
    """Weak (silver) labels for unlabeled statements, added to train only."""

    train: bool = False
    labeling: Path = Path("configs/labeling/negotiation.yaml")
    method: Literal["majority", "label_model"] = "majority"
    min_confidence: float = Field(default=0.0, ge=0, le=1)


class SchemesConfig(StrictModel):
    """The label scheme of each task: a name under configs/schemes/, a YAML path, or inline."""

    stance: str | LabelScheme = "stance5"
    sentiment: str | LabelScheme = "sentiment3"


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class DatasetConfig(StrictModel):
    """One dataset: where the statements come from, their labels, and how they are split."""

    name: str = Field(min_length=1)
    description: str = ""
    articles: list[Path] = Field(default_factory=list, description="article files or folders (stance.corpus.readers)")
    gold: list[Path] = Field(default_factory=list, description="gold annotation JSONL files or folders")
    unlabeled: list[Path] = Field(default_factory=list, description="extracted statement JSONL to weak-label")
    external: ExternalSource | None = None
    actors: Path | None = Field(default=None, description="actor registry: fills missing actor ids, names actors")
    target: str | None = Field(default=None, description="the target of every statement (study), "
                                                       "or of rows without a target column (benchmarks)")
    schemes: SchemesConfig = Field(default_factory=SchemesConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)
    weak: WeakConfig = Field(default_factory=WeakConfig)
    clusters: ClusterConfig = Field(default_factory=ClusterConfig)
    period: Literal["year", "quarter", "month"] = "quarter"
    output: Path

    @field_validator("articles", "gold", "unlabeled", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """A single path is accepted where a list is expected."""
        return _as_list(value)

    @model_validator(mode="after")
    def _sources(self) -> "DatasetConfig":
        if self.external is not None:
            if self.articles or self.gold or self.unlabeled:
                raise ValueError("give either external (a benchmark) or articles + gold (a study), not both")
            if self.external.official and self.split.strategy != "official":
                raise ValueError(f"external train/test files are an official split: use split.strategy official "
                                 f"(not {self.split.strategy}), or list the files under external.files")
            if not self.external.official and self.split.strategy == "official":
                raise ValueError("split.strategy official needs external train/test files")
            if self.weak.train:
                raise ValueError("weak labels need unlabeled study statements (unlabeled), not external data")
        else:
            if not self.articles or not self.gold:
                raise ValueError("a study dataset needs articles and gold (or use external for a benchmark)")
            if self.split.strategy == "official":
                raise ValueError("split.strategy official is only for external benchmarks with train/test files")
            if self.unlabeled and not self.weak.train:
                raise ValueError("unlabeled statements are only used with weak.train: true")
            if self.weak.train and not self.unlabeled:
                raise ValueError("weak.train needs unlabeled statements to label")
        return self


def load_dataset_config(path: str | Path, overrides: dict[str, Any] | None = None) -> DatasetConfig:
    """A dataset config from YAML (ConfigError names file and field)."""
    return load_config(path, DatasetConfig, overrides)


# ----------------------------------------------------------------------------- rows

@dataclass
class Row:
    """One statement on its way into the dataset."""

    statement_id: str
    text: str
    origin: str
    context: str = ""
    speaker: str = ""
    actor_id: str | None = None
    target: str = ""
    date: dt.date | None = None
    article_id: str | None = None
    cluster_id: str | None = None
    kind: str = ""
    cue: str = ""
    label: str | None = None
    sentiment: str | None = None
    label_source: str = "gold"
    confidence: float = 1.0
    official_split: str | None = None
    group_id: str = ""


@dataclass
class Build:
    """Everything a build collected, for the card."""

    rows: list[Row]
    excluded: list[dict]
    stance: LabelScheme
    sentiment: LabelScheme
    notes: dict[str, Any]


def _exclude(excluded: list[dict], row: Row, reason: str, raw_label: str | None = None, detail: str = "") -> None:
    """Record a statement left out of the dataset (excluded.jsonl; counted by reason in the card)."""
    excluded.append({"statement_id": row.statement_id, "origin": row.origin, "reason": reason, "detail": detail,
                     "label": raw_label if raw_label is not None else row.label, "label_source": row.label_source,
                     "article_id": row.article_id, "actor_id": row.actor_id, "text": row.text})


def _map_label(scheme: LabelScheme, value: str | None, origin: str, field: str) -> str | None:
    """Output label of an annotated value; InputError (file, line, field) for a value outside the scheme."""
    try:
        return scheme.map(value)  # type: ignore[arg-type]
    except KeyError:
        path, _, line = origin.rpartition(":")
        raise InputError(f"label {value!r} is not in scheme {scheme.name!r} ({', '.join(scheme.labels)})",
                         path=path or origin, line=int(line) if line.isdigit() else None, field=field) from None


def _labelled(rows: Iterable[Row], stance: LabelScheme, sentiment: LabelScheme, excluded: list[dict]) -> list[Row]:
    """Rows whose stance maps into the scheme (others excluded, counted); sentiment mapped or None."""
    out = []
    for r in rows:
        raw = r.label
        if raw is None or not str(raw).strip():
            _exclude(excluded, r, "no stance label", raw)
            continue
        mapped = _map_label(stance, raw, r.origin, "stance" if r.label_source == "gold" else "label")
        if r.sentiment is not None and str(r.sentiment).strip():
            r.sentiment = _map_label(sentiment, r.sentiment, r.origin, "sentiment")
        else:
            r.sentiment = None
        if mapped is None:
            _exclude(excluded, r, f"label {raw.strip().lower()!r} dropped by scheme {stance.name!r}", raw)
            continue
        r.label = mapped
        out.append(r)
    return out


def _read_articles(paths: list[Path]) -> dict:
    from stance.corpus.readers import read_articles

    articles: dict = {}
    for p in paths:
        for art in read_articles(p).articles:
            if art.id in articles:
                raise InputError(f"article id {art.id!r} appears in two article sources", path=p, field="id")
            articles[art.id] = art
    if not articles:
        raise InputError("no articles found", path=", ".join(str(p) for p in paths))
    return articles


def _cluster_ids(articles: dict, cfg: ClusterConfig) -> dict[str, str | None]:
    """Cluster id per article: given cluster ids merged with MinHash near-duplicate clusters."""
    if not cfg.enabled:
        return {aid: art.cluster_id for aid, art in articles.items()}
    from stance.corpus.readers import assign_clusters

    arts = [articles[k] for k in sorted(articles)]
    found = assign_clusters(arts, cfg.threshold, shingle=cfg.shingle, num_perm=cfg.num_perm)
    return dict(merge_cluster_ids((a.id, [a.cluster_id and f"given:{a.cluster_id}", f"minhash:{f.cluster_id}"])
                                  for a, f in zip(arts, found)))


def _gold_origins(paths: list[Path]) -> dict[str, str]:
    from stance.dataset.gold import annotation_files
    from stance.jsonl import iter_jsonl
    from stance.records import Statement

    out: dict[str, str] = {}
    for given in paths:
        for path in annotation_files(given):
            for line, st in iter_jsonl(path, Statement):
                out.setdefault(st.id, f"{path}:{line}")
    return out


def _statement_row(st, origin: str, clusters: dict, target: str, source: str) -> Row:
    return Row(statement_id=st.id, text=st.text, origin=origin, context=st.context, speaker=st.speaker,
               actor_id=st.actor_id, target=target, date=st.date, article_id=st.article_id,
               cluster_id=clusters.get(st.article_id), kind=st.kind, cue=st.cue,
               label=st.stance if source == "gold" else None, sentiment=st.sentiment if source == "gold" else None,
               label_source=source, confidence=1.0)


def _study_rows(cfg: DatasetConfig, stance: LabelScheme, sentiment: LabelScheme, excluded: list[dict],
                notes: dict) -> list[Row]:
    from stance.dataset.gold import load_gold

    articles = _read_articles(cfg.articles)
    clusters = _cluster_ids(articles, cfg.clusters)
    target = cfg.target or "negotiation"
    gold = load_gold(articles, cfg.gold)
    origins = _gold_origins(cfg.gold)
    rows = [_statement_row(st, origins.get(st.id, st.id), clusters, target, "gold") for st in gold]
    notes["articles"] = len(articles)
    notes["gold_statements"] = len(rows)
    notes["near_duplicate_clusters"] = {
        "method": "stance.corpus.readers.assign_clusters (MinHash LSH over word shingles), merged with given cluster_id"
        if cfg.clusters.enabled else "given Article.cluster_id only",
        "clusters_with_several_articles": sum(1 for n in Counter(clusters.values()).values() if n > 1),
    }
    rows = _labelled(rows, stance, sentiment, excluded)
    if cfg.weak.train:
        rows += _weak_rows(cfg, articles, clusters, gold, stance, sentiment, excluded, notes)
    return rows


def _weak_rows(cfg: DatasetConfig, articles: dict, clusters: dict, gold: list, stance: LabelScheme,
               sentiment: LabelScheme, excluded: list[dict], notes: dict) -> list[Row]:
    """Unlabeled statements labeled by the labeling functions (not overlapping any gold statement)."""
    import pandas as pd

    from stance.dataset.gold import annotation_files
    from stance.dataset.labeling import apply_functions, lf_analysis, load_labeling, summary_figures, weak_labels
    from stance.jsonl import iter_jsonl
    from stance.records import Statement, paragraph_context

    lab_cfg = load_labeling(cfg.weak.labeling)
    unknown = [lab for lab in lab_cfg.labels if not stance.is_known(lab)]
    if unknown:
        raise ConfigError(f"labeling functions vote {unknown}, which scheme {stance.name!r} does not know",
                          path=cfg.weak.labeling, field="scheme")
    gold_ids = {st.id for st in gold}
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for st in gold:
        spans.setdefault(st.article_id, []).append((st.start, st.end, st.id))
    candidates: list[Row] = []
    seen: set[str] = set()
    for given in cfg.unlabeled:
        for path in annotation_files(given):
            for line, st in iter_jsonl(path, Statement):
                art = articles.get(st.article_id)
                if art is not None and art.text[st.start:st.end] != st.text:
                    raise InputError(f"offsets {st.start}-{st.end} do not slice the article to the statement text",
                                     path=path, line=line, field="start")
                if art is not None:
                    st = st.model_copy(update={"context": st.context or paragraph_context(art.text, st.start, st.end),
                                               "date": st.date or art.date})
                row = _statement_row(st, f"{path}:{line}", clusters, cfg.target or "negotiation", "weak")
                overlap = next((gid for s, e, gid in spans.get(st.article_id, []) if s < st.end and st.start < e),
                               None)
                if st.id in gold_ids or overlap:
                    _exclude(excluded, row, "overlaps a gold statement (gold kept)", detail=overlap or st.id)
                elif st.id in seen:
                    _exclude(excluded, row, "duplicate unlabeled statement")
                else:
                    seen.add(st.id)
                    candidates.append(row)
    X = pd.DataFrame({"text": [r.text for r in candidates], "cue": [r.cue for r in candidates],
                      "context": [r.context for r in candidates]})
    labeled = weak_labels(lab_cfg, X, cfg.weak.method) if candidates else pd.DataFrame({"label": [], "confidence": []})
    out = []
    for r, label, conf in zip(candidates, labeled["label"], labeled["confidence"]):
        if label is None:
            _exclude(excluded, r, "weak labeler abstained")
            continue
        if conf < cfg.weak.min_confidence:
            _exclude(excluded, r, f"weak label confidence below {cfg.weak.min_confidence}", label,
                     detail=f"{conf:.3f}")
            continue
        r.label, r.confidence = label, float(conf)
        out.append(r)
    # the functions' analysis on the gold statements, where accuracy can be measured
    G = pd.DataFrame({"text": [st.text for st in gold], "cue": [st.cue for st in gold],
                      "context": [st.context for st in gold]})
    L, N = apply_functions(lab_cfg, G)
    notes["weak_analysis"] = lf_analysis(lab_cfg, L, [st.stance for st in gold], N)
    notes["weak"] = {"labeling": str(cfg.weak.labeling), "method": cfg.weak.method,
                     "candidates": len(candidates), "labeled": len(out),
                     "on_gold": summary_figures(L)}
    return _labelled(out, stance, sentiment, excluded)


def _external_rows(cfg: DatasetConfig, stance: LabelScheme, sentiment: LabelScheme, excluded: list[dict],
                   notes: dict) -> list[Row]:
    assert cfg.external is not None
    records, report = load_external(cfg.external)
    notes["external"] = report.as_dict()
    notes["external_summary"] = report.summary()
    rows = []
    for rec in records:
        target = rec.target or cfg.target
        if not target:
            path, _, line = rec.origin.rpartition(":")
            raise InputError("no target: map a target column or set target in the dataset config",
                             path=path, line=int(line), field="target")
        rows.append(Row(statement_id=rec.id, text=rec.text, origin=rec.origin, context=rec.context,
                        speaker=rec.speaker, actor_id=rec.actor_id, target=target, date=rec.date,
                        article_id=rec.group, cluster_id=None, label=rec.label, sentiment=rec.sentiment,
                        label_source="gold", official_split=rec.official_split))
    notes["gold_statements"] = len(rows)
    return _labelled(rows, stance, sentiment, excluded)


def _resolve_actors(rows: list[Row], registry_path: Path | None, notes: dict) -> Any:
    from stance.extraction.actors import load_registry

    registry = load_registry(registry_path)
    if registry is None:
        return None
    resolved = 0
    unknown: Counter = Counter()
    for r in rows:
        if r.actor_id is None and r.speaker:
            r.actor_id = registry.resolve(r.speaker, r.date)
            resolved += r.actor_id is not None
        elif r.actor_id is not None and registry.get(r.actor_id) is None:
            unknown[r.actor_id] += 1
    notes["actors"] = {"registry": str(registry_path), "resolved_from_speaker": resolved,
                       "ids_not_in_registry": dict(sorted(unknown.items()))}
    return registry


def collect(cfg: DatasetConfig) -> Build:
    """Read, label and group every statement of `cfg` (no splitting yet)."""
    stance = load_scheme(cfg.schemes.stance)
    sentiment = load_scheme(cfg.schemes.sentiment)
    excluded: list[dict] = []
    notes: dict[str, Any] = {}
    if cfg.external is not None:
        rows = _external_rows(cfg, stance, sentiment, excluded, notes)
    else:
        rows = _study_rows(cfg, stance, sentiment, excluded, notes)
    notes["registry"] = _resolve_actors(rows, cfg.actors, notes)
    for r, g in zip(rows, group_ids([r.article_id for r in rows], [r.cluster_id for r in rows],
                                     [r.text for r in rows])):
        r.group_id = g
    return Build(rows, excluded, stance, sentiment, notes)


# ----------------------------------------------------------------------------- dataset

def features(stance: LabelScheme, sentiment: LabelScheme):
    """The datasets.Features of a built dataset."""
    from datasets import ClassLabel, Features, Value

    string = Value("string")
    return Features({
        "statement_id": string, "text": string, "context": string, "speaker": string, "actor_id": string,
        "target": string, "date": string, "article_id": string, "cluster_id": string, "group_id": string,
        "kind": string, "cue": string,
        "label": ClassLabel(names=stance.output_labels), "sentiment": ClassLabel(names=sentiment.output_labels),
        "label_source": string, "confidence": Value("float64"),
    })


def _record(r: Row, stance: LabelScheme, sentiment: LabelScheme) -> dict:
    assert r.label is not None  # collect() keeps labelled rows only
    return {
        "statement_id": r.statement_id, "text": r.text, "context": r.context, "speaker": r.speaker,
        "actor_id": r.actor_id, "target": r.target, "date": r.date.isoformat() if r.date else None,
        "article_id": r.article_id, "cluster_id": r.cluster_id, "group_id": r.group_id, "kind": r.kind,
        "cue": r.cue, "label": stance.index(r.label),
        "sentiment": sentiment.index(r.sentiment) if r.sentiment is not None else -1,
        "label_source": r.label_source, "confidence": float(r.confidence),
    }


def build_dataset(config: "DatasetConfig | str | Path", output: str | Path | None = None):
    """Build, check and save the DatasetDict of `config` (a DatasetConfig or a YAML path); return it.

    Raises InputError for bad input (file, line, field), ConfigError for a bad config, and
    `stance.dataset.splits.LeakageError` if the splits share an article, cluster or text.
    """
    from datasets import Dataset, DatasetDict

    cfg = config if isinstance(config, DatasetConfig) else load_dataset_config(config)
    if output is not None:
        cfg = cfg.model_copy(update={"output": Path(output)})  # the card records where it was written
    out_dir = cfg.output
    built = collect(cfg)
    rows = built.rows
    assignment = assign_splits([SplitRow(group=r.group_id, gold=r.label_source == "gold", date=r.date,
                                         actor_id=r.actor_id, official_split=r.official_split, article_id=r.article_id)
                                for r in rows],
                               cfg.split)
    by_split: dict[str, list[Row]] = {s: [] for s in SPLITS}
    for r, s, why in zip(rows, assignment.split, assignment.reason):
        if s is None:
            _exclude(built.excluded, r, why or "not assigned")
        else:
            by_split[s].append(r)
    kept = [(s, r) for s in SPLITS for r in by_split[s]]
    report = leakage([s for s, _ in kept], [r.article_id for _, r in kept], [r.cluster_id for _, r in kept],
                     [r.text for _, r in kept])
    assert_no_leakage(report)
    for s in ("dev", "test"):
        if any(r.label_source != "gold" for r in by_split[s]):
            raise AssertionError(f"{s} holds weak labels")
    empty = [s for s in SPLITS if not by_split[s] and (s != "dev" or cfg.split.fractions.dev > 0)]
    if empty:
        raise InputError(f"split(s) {', '.join(empty)} came out empty: {len(rows)} labeled statement(s) in "
                         f"{len({r.group_id for r in rows})} group(s) are too few for strategy "
                         f"{cfg.split.strategy!r}; add data or change the split settings")

    feats = features(built.stance, built.sentiment)
    records = {s: [_record(r, built.stance, built.sentiment) for r in by_split[s]] for s in SPLITS}
    columns = {s: {c: [rec[c] for rec in records[s]] for c in COLUMNS} for s in SPLITS}
    dd = DatasetDict({s: Dataset.from_dict(columns[s], features=feats, split=s) for s in SPLITS})

    card = dataset_card(cfg, built, by_split, report, records, COLUMNS)
    _save(dd, card, built, out_dir, cfg)
    return dd


def _save(dd, card: dict, built: Build, out_dir: Path, cfg: DatasetConfig) -> None:
    """Write the dataset and its card to a temporary folder, then move it into place."""
    from datasets.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "card.json").exists():
        raise InputError("output folder exists and is not a built dataset (no card.json); refusing to replace it",
                         path=out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        was_disabled = are_progress_bars_disabled()
        disable_progress_bars()
        try:
            dd.save_to_disk(str(tmp / "data"))
        finally:
            if not was_disabled:
                enable_progress_bars()
        # the DatasetDict lives at the top of the folder, next to its card
        for item in (tmp / "data").iterdir():
            item.rename(tmp / item.name)
        (tmp / "data").rmdir()
        (tmp / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "README.md").write_text(render_card(card), encoding="utf-8")
        (tmp / "config.json").write_text(json.dumps(card["config"], indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
        with (tmp / "excluded.jsonl").open("w", encoding="utf-8") as fh:
            for e in built.excluded:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
        if "weak_analysis" in built.notes:
            built.notes["weak_analysis"].to_csv(tmp / "weak_label_analysis.csv", index=False)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def load_dataset_dict(path: str | Path):
    """A DatasetDict saved with `save_to_disk`, empty splits included (`datasets` writes no data
    file for an empty split, e.g. dev with fraction 0, and cannot read it back: such a split is
    rebuilt, empty, from the features its dataset_info.json records)."""
    from datasets import Dataset, DatasetDict, Features, load_from_disk

    path = Path(path)
    try:
        names = json.loads((path / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
        states = {s: json.loads((path / s / "state.json").read_text(encoding="utf-8")) for s in names}
    except (OSError, ValueError, KeyError, TypeError):
        return load_from_disk(str(path))  # not the usual layout: let datasets say what is wrong
    if all(st.get("_data_files") for st in states.values()):
        return load_from_disk(str(path))
    out = {}
    for split in names:
        if states[split].get("_data_files"):
            out[split] = Dataset.load_from_disk(str(path / split))
        else:
            info = json.loads((path / split / "dataset_info.json").read_text(encoding="utf-8"))
            features = Features.from_dict(info["features"])
            out[split] = Dataset.from_dict({k: [] for k in features}, features=features, split=split)
    return DatasetDict(out)


def load_built(path: str | Path):
    """The DatasetDict saved by `build_dataset` (label names in `ds["train"].features["label"].names`)."""
    path = Path(path)
    if not (path / "dataset_dict.json").exists():
        raise InputError("not a built dataset (no dataset_dict.json); run `stance build CONFIG` first", path=path)
    return load_dataset_dict(path)
