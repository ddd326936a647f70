"""The dataset card: counts per split, label, source, actor and period, the leakage check, pinned
articles and row hashes (card.json), and its Markdown rendering (README.md of a built dataset)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stance import __version__, markdown
from stance.dataset.splits import SPLITS, read_pinned
from stance.errors import InputError

if TYPE_CHECKING:
    from stance.dataset.builder import Build, DatasetConfig, Row
    from stance.dataset.schemes import LabelScheme


def rows_sha256(records: list[dict]) -> str:
    """A content hash of exported rows (JSON lines, keys in column order)."""
    h = hashlib.sha256()
    for rec in records:
        h.update(json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n")
    return h.hexdigest()


def _period(d: dt.date | None, period: str) -> str:
    if d is None:
        return "(no date)"
    if period == "year":
        return str(d.year)
    if period == "month":
        return f"{d.year}-{d.month:02d}"
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def _split_stats(rows: list[Row], stance: LabelScheme, sentiment: LabelScheme, period: str, registry: Any) -> dict:
    labels = Counter(r.label for r in rows)
    sents = Counter(r.sentiment if r.sentiment is not None else "(unknown)" for r in rows)
    actors = Counter(r.actor_id or "(unresolved)" for r in rows)
    weak = [r.confidence for r in rows if r.label_source == "weak"]
    return {
        "rows": len(rows),
        "articles": len({r.article_id for r in rows if r.article_id}),
        "groups": len({r.group_id for r in rows}),
        "label_source": {s: sum(r.label_source == s for r in rows) for s in ("gold", "weak")},
        "labels": {lab: labels.get(lab, 0) for lab in stance.output_labels},
        "sentiment": {lab: sents.get(lab, 0) for lab in [*sentiment.output_labels, "(unknown)"]},
        "actors": dict(sorted(actors.items(), key=lambda kv: (-kv[1], kv[0]))),
        "periods": dict(sorted(Counter(_period(r.date, period) for r in rows).items())),
        "targets": dict(sorted(Counter(r.target for r in rows).items(), key=lambda kv: (-kv[1], kv[0]))),
        "weak_confidence_mean": round(sum(weak) / len(weak), 4) if weak else None,
    }


def dataset_card(cfg: DatasetConfig, built: Build, by_split: dict[str, list[Row]], report: dict,
                 records: dict[str, list[dict]], columns: list[str]) -> dict:
    """The machine-readable card (card.json); `columns`: the exported columns."""
    registry = built.notes.get("registry")
    actors_seen = sorted({r.actor_id for rs in by_split.values() for r in rs if r.actor_id})
    actor_names = {}
    if registry is not None:
        for a in actors_seen:
            actor = registry.get(a)
            if actor is not None:
                actor_names[a] = {"name": actor.name, "side": actor.side}
    excluded_reasons = Counter(e["reason"] for e in built.excluded)
    notes = {k: v for k, v in built.notes.items() if k not in ("registry", "weak_analysis")}
    return {
        "name": cfg.name,
        "description": cfg.description,
        "stance_version": __version__,
        "config": json.loads(cfg.model_dump_json()),
        "config_sha256": hashlib.sha256(cfg.model_dump_json().encode("utf-8")).hexdigest(),
        "schemes": {"stance": json.loads(built.stance.model_dump_json()) | {"output_labels": built.stance.output_labels},
                    "sentiment": json.loads(built.sentiment.model_dump_json())
                    | {"output_labels": built.sentiment.output_labels}},
        "columns": columns,
        "split": {"strategy": cfg.split.strategy, "seed": cfg.split.seed,
                  "fractions": cfg.split.fractions.model_dump()} | _pinned_summary(cfg, by_split),
        "splits": {s: _split_stats(by_split[s], built.stance, built.sentiment, cfg.period, registry) for s in SPLITS},
        "total": _split_stats([r for s in SPLITS for r in by_split[s]], built.stance, built.sentiment, cfg.period,
                              registry),
        "period": cfg.period,
        "actor_names": actor_names,
        "excluded": {"total": len(built.excluded), "file": "excluded.jsonl",
                     "by_reason": dict(sorted(excluded_reasons.items(), key=lambda kv: (-kv[1], kv[0])))},
        "leakage": {pair: {kind: len(v) for kind, v in kinds.items()} for pair, kinds in report.items()},
        "leakage_check": "passed",
        "largest_group": _largest_group([r for s in SPLITS for r in by_split[s]]),
        "rows_sha256": {s: rows_sha256(records[s]) for s in SPLITS},
        "notes": notes,
    }


def _pinned_summary(cfg: DatasetConfig, by_split: dict[str, list[Row]]) -> dict:
    """With `split.pinned`: how many listed articles were found, and the statements per split that are new."""
    if cfg.split.pinned is None:
        return {}
    pins = read_pinned(cfg.split.pinned)
    found = {r.article_id for rs in by_split.values() for r in rs if r.article_id in pins}
    new = {s: sum(1 for r in by_split[s] if r.article_id not in pins) for s in SPLITS}
    return {"pinned": {"file": str(cfg.split.pinned), "articles_listed": len(pins), "articles_found": len(found),
                       "new_statements": new}}


def _largest_group(rows: list[Row]) -> dict:
    """Size of the biggest split unit: a warning sign when repeated short texts chain many articles together."""
    sizes = Counter(r.group_id for r in rows)
    if not sizes:
        return {"group_id": None, "statements": 0, "articles": 0}
    gid, n = min(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"group_id": gid, "statements": n, "articles": len({r.article_id for r in rows if r.group_id == gid
                                                                and r.article_id})}


def _breakdown(card: dict, key: str, order: list[str] | None = None) -> str:
    names = order or sorted({k for s in SPLITS for k in card["splits"][s][key]},
                            key=lambda k: (-card["total"][key].get(k, 0), k))
    rows = [[n, *[card["splits"][s][key].get(n, 0) for s in SPLITS], card["total"][key].get(n, 0)] for n in names]
    return markdown.table([key.rstrip("s") if key != "label_source" else "source", *SPLITS, "total"], rows)


def render_card(card: dict) -> str:
    """The dataset card as Markdown (README.md)."""
    sp = card["splits"]
    out = [f"# Dataset card: {card['name']}", ""]
    if card["description"]:
        out += [card["description"].strip(), ""]
    cfg = card["config"]
    source = "external benchmark" if cfg.get("external") else "study articles and gold annotations"
    out += [f"Built by stance {card['stance_version']} from {source}; config hash `{card['config_sha256'][:12]}`. "
            f"Split strategy **{card['split']['strategy']}**, seed {card['split']['seed']}, fractions "
            f"{card['split']['fractions']}. Stance scheme **{card['schemes']['stance']['name']}** "
            f"({', '.join(card['schemes']['stance']['output_labels'])}); sentiment scheme "
            f"**{card['schemes']['sentiment']['name']}**.", ""]
    pinned = card["split"].get("pinned")
    if pinned:
        new = pinned["new_statements"]
        out += [f"Pinned split: {pinned['articles_found']} of the {pinned['articles_listed']} articles listed in "
                f"`{pinned['file']}` keep their split; statements new since then: "
                + ", ".join(f"{s} {new[s]}" for s in SPLITS) + ".", ""]
    scheme = card["schemes"]["stance"]
    if scheme["merge"] or scheme["drop"]:
        out += ["Scheme changes to the annotated labels: "
                + "; ".join([*(f"`{a}` counted as `{b}`" for a, b in scheme["merge"].items()),
                             *(f"`{d}` left out" for d in scheme["drop"])]) + ".", ""]
    out += ["## Sizes", "", markdown.table(["split", "statements", "gold", "weak", "articles", "groups"],
                                   [[s, sp[s]["rows"], sp[s]["label_source"]["gold"], sp[s]["label_source"]["weak"],
                                     sp[s]["articles"], sp[s]["groups"]] for s in SPLITS]
                                   + [["total", card["total"]["rows"], card["total"]["label_source"]["gold"],
                                       card["total"]["label_source"]["weak"], card["total"]["articles"],
                                       card["total"]["groups"]]]), ""]
    out += ["## Stance labels", "", _breakdown(card, "labels", card["schemes"]["stance"]["output_labels"]), ""]
    out += ["## Sentiment labels", "", "(unknown) = no sentiment label (-1 in the dataset).", "",
            _breakdown(card, "sentiment", [*card["schemes"]["sentiment"]["output_labels"], "(unknown)"]), ""]
    out += ["## Label sources", "", _breakdown(card, "label_source", ["gold", "weak"]), ""]
    out += ["## Actors", "", _breakdown(card, "actors"), ""]
    if card["actor_names"]:
        out += [", ".join(f"`{a}` = {v['name']} ({v['side']})" for a, v in card["actor_names"].items()), ""]
    out += [f"## Periods ({card['period']})", "", _breakdown(card, "periods",
                                                             sorted(card["total"]["periods"])), ""]
    if len(card["total"]["targets"]) > 1 or cfg.get("external"):
        out += ["## Targets", "", _breakdown(card, "targets"), ""]
    out += ["## Left out", "", f"{card['excluded']['total']} statement(s), each listed with its origin and reason "
            f"in `{card['excluded']['file']}`.", ""]
    if card["excluded"]["by_reason"]:
        out += [markdown.table(["reason", "statements"], [[k, v] for k, v in card["excluded"]["by_reason"].items()]), ""]
    out += ["## Leakage check", "", "Shared between splits (the builder fails unless every count is 0):", "",
            markdown.table(["splits", "articles", "clusters", "texts"],
                   [[p, v["articles"], v["clusters"], v["texts"]] for p, v in card["leakage"].items()]), "",
            f"Result: **{card['leakage_check']}**. Largest group: {card['largest_group']['statements']} "
            f"statement(s) from {card['largest_group']['articles']} article(s).", ""]
    notes = card["notes"]
    if "external_summary" in notes:
        out += ["## Loading", "", notes["external_summary"] + ".", ""]
        if notes["external"]["fallback_lines"]:
            out += ["Lines decoded with the fallback encoding: "
                    + ", ".join(f"`{x}`" for x in notes["external"]["fallback_lines"]), ""]
    if "weak" in notes:
        w = notes["weak"]
        out += ["## Weak labels", "", f"{w['labeled']} of {w['candidates']} unlabeled statements labeled by "
                f"`{w['labeling']}` ({w['method']}); per-function coverage, conflicts and accuracy on the gold "
                f"statements in `weak_label_analysis.csv`.", ""]
    if "near_duplicate_clusters" in notes:
        nd = notes["near_duplicate_clusters"]
        out += ["## Groups", "", f"Groups join statements that share an article, a near-duplicate cluster "
                f"({nd['method']}; {nd['clusters_with_several_articles']} cluster(s) hold several articles) or the "
                f"same normalised text.", ""]
    out += ["## Reproducibility", "", "Content hash (sha256) of the exported rows per split:", "",
            markdown.table(["split", "rows_sha256"], [[s, f"`{card['rows_sha256'][s]}`"] for s in SPLITS]), ""]
    return "\n".join(out)


def load_card(path: str | Path) -> dict:
    """The card.json of a built dataset."""
    path = Path(path) / "card.json"
    if not path.exists():
        raise InputError("no card.json; run `stance build CONFIG` first", path=path)
    return json.loads(path.read_text(encoding="utf-8"))
