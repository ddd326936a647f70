"""Print the sample corpus's counts as Markdown tables (used for data/README.md).

Usage: python scripts/corpus_stats.py [ARTICLES] [ANNOTATIONS] [AGREEMENT_DIR]

Besides the label, actor and year counts it prints the corpus's attribution shapes next to
the reference counts of real news pages (data/style_reference.csv): corpus v1 (the articles
pinned in data/splits/negotiation_v1.csv), the statements added since, and the whole corpus.
"""
from __future__ import annotations

import collections
import csv
import json
import re
import sys
from pathlib import Path

from stance.corpus.readers import read_articles
from stance.dataset.annotate import DEFAULT_LABELS, agreement, read_labels
from stance.dataset.gold import load_gold

ROOT = Path(__file__).resolve().parents[1]
MAIN_ACTORS = ["putin", "peskov", "lavrov", "zakharova", "zelensky", "podolyak", "erdogan", "macron"]
# Per-statement shape tags of corpus v2 and the matching column of data/style_reference.csv.
STATEMENT_SHAPES = [("bullet", "bullet_statements"), ("relayed", "relayed"), ("agency_sourced", "agency_sourced"),
                    ("nominal", "nominal"), ("pronoun_chain", "pronoun_cross_paragraph"), ("role_noun", "role_noun"),
                    ("intro_line", "intro_line"), ("single_marks", "single_marks"),
                    ("institution", "institution_speaker")]
HEADLINE_CUE = re.compile(r"^[^:]{2,40}:\s|\b(says?|said|warns?|tells?|urges?|rules? out|insists?|claims?|denies|"
                          r"rejects?|dismisses|calls? for|vows?|accuses|signals?|hopes?)\b", re.IGNORECASE)
DECLINED = re.compile(r"declined to comment|did not (?:immediately )?respond|no immediate comment|"
                      r"refused to comment|would not comment", re.IGNORECASE)
STANCES = DEFAULT_LABELS["stance"]
SENTIMENTS = DEFAULT_LABELS["sentiment"]


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def pct(num: float, den: float) -> str:
    return f"{num / den:.1%}" if den else "n/a"


def raw_shapes(annotations: str) -> dict[tuple[str, int, int], list[str]]:
    """The optional `shapes` tags of every gold line, keyed by (article_id, start, end)."""
    out = {}
    folder = Path(annotations)
    for f in sorted(folder.glob("*.jsonl")) if folder.is_dir() else [folder]:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out[(d["article_id"], d["start"], d["end"])] = d.get("shapes")
    return out


def reference_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def shapes_report(arts: dict, gold: list, shapes: dict, pinned: set[str], reference: list[dict]) -> None:
    """Kinds, attribution position and shapes: reference pages vs corpus v1, statements added since, all."""
    parts = {"v1": [s for s in gold if s.article_id in pinned], "added": [s for s in gold if s.article_id not in pinned]}
    parts["all"] = gold
    art_parts = {"v1": [a for a in arts.values() if a.id in pinned],
                 "added": [a for a in arts.values() if a.id not in pinned], "all": list(arts.values())}
    ref_n = sum(int(r["statements"] or 0) for r in reference)

    def ref(col: str) -> str:
        return pct(sum(int(r[col] or 0) for r in reference), ref_n) if reference else "n/a"

    def ref_pages(col: str) -> str:
        return pct(sum(int(r[col] or 0) > 0 for r in reference), len(reference)) if reference else "n/a"

    header = ["feature", f"reference ({len(reference)} pages, {ref_n} statements)",
              *[f"{k} ({len(v)})" for k, v in parts.items()]]
    rows = []
    for kind in ("direct", "partial", "reported"):
        rows.append([f"{kind} (share of statements)", ref(kind),
                     *[pct(sum(s.kind == kind for s in v), len(v)) for v in parts.values()]])
    tagged = {k: [s for s in v if shapes.get((s.article_id, s.start, s.end)) is not None] for k, v in parts.items()}
    for tag, col in (("before", "position_before"), ("after", "position_after"), ("split", "position_split")):
        rows.append([f"attribution {tag} (share of tagged statements)", ref(col),
                     *[pct(sum(tag in shapes[(s.article_id, s.start, s.end)] for s in v), len(v))
                       for v in tagged.values()]])
    for tag, col in STATEMENT_SHAPES:
        rows.append([f"{tag} (share of tagged statements)", ref(col),
                     *[pct(sum(tag in shapes[(s.article_id, s.start, s.end)] for s in v), len(v))
                       for v in tagged.values()]])
    rows.append(["headline attributes speech (share of articles; regex)", ref_pages("headline_attribution"),
                 *[pct(sum(bool(HEADLINE_CUE.search(a.title)) for a in v), len(v)) for v in art_parts.values()]])
    rows.append(["deck attributes speech (share of articles)", ref_pages("deck_attribution"),
                 *[pct(len({s.article_id for s in v if "deck" in shapes[(s.article_id, s.start, s.end)]}),
                       len({s.article_id for s in v})) for v in tagged.values()]])
    rows.append(["'declined to comment' (share of articles; regex)", ref_pages("declined_comment"),
                 *[pct(sum(bool(DECLINED.search(a.text)) for a in v), len(v)) for v in art_parts.values()]])
    print("Attribution shapes: reference pages vs the corpus (shares of tagged statements count only statements "
          f"with a `shapes` list: {', '.join(f'{k} {len(v)}' for k, v in tagged.items())})\n")
    print(table(header, rows) + "\n")
    counts = collections.Counter(t for v in tagged["all"] for t in shapes[(v.article_id, v.start, v.end)])
    print(table(["shape tag", "statements"], [[t, c] for t, c in sorted(counts.items())]) + "\n")


def main(articles="data/articles", annotations="data/annotations", agreement_dir="data/agreement") -> int:
    arts = {a.id: a for a in read_articles(articles).articles}
    gold = load_gold(arts, [annotations])
    n = len(gold)
    words = [len(a.text.split()) for a in arts.values()]
    print(f"articles: {len(arts)}; statements: {n}; words per article: min {min(words)}, "
          f"median {sorted(words)[len(words) // 2]}, max {max(words)}; dates {min(a.date for a in arts.values())} "
          f"to {max(a.date for a in arts.values())}; source URLs: "
          f"{len({u for a in arts.values() for u in a.source_urls})} distinct\n")
    for field, labels in (("stance", STANCES), ("sentiment", SENTIMENTS)):
        c = collections.Counter(getattr(s, field) for s in gold)
        print(table([field, "statements", "share"], [[lab, c[lab], f"{c[lab] / n:.1%}"] for lab in labels]) + "\n")
    kinds = collections.Counter(s.kind for s in gold)
    print(table(["kind", "statements"], [[k, v] for k, v in kinds.most_common()]) + "\n")
    years = sorted({s.date.year for s in gold})
    by_year = collections.Counter((s.date.year, s.stance) for s in gold)
    print(table(["year", "statements", *STANCES],
                [[y, sum(by_year[(y, lab)] for lab in STANCES), *[by_year[(y, lab)] for lab in STANCES]]
                 for y in years]) + "\n")
    actors = collections.Counter(s.actor_id or "(not in registry)" for s in gold)
    by_actor = collections.Counter((s.actor_id or "(not in registry)", s.stance) for s in gold)
    rows = []
    for actor, total in actors.most_common():
        yrs = sorted({s.date.year for s in gold if (s.actor_id or "(not in registry)") == actor})
        rows.append([actor, total, f"{yrs[0]}-{yrs[-1]}", *[by_actor[(actor, lab)] for lab in STANCES]])
    print(f"{len([a for a in actors if a != '(not in registry)'])} registry actors\n")
    by_actor_year = collections.Counter((s.actor_id, s.date.year) for s in gold)
    print("Main actors per year\n")
    print(table(["actor", *map(str, years)], [[a, *[by_actor_year[(a, y)] for y in years]] for a in MAIN_ACTORS]) + "\n")
    pins = ROOT / "data/splits/negotiation_v1.csv"
    pinned = {r["article_id"] for r in reference_rows(pins)}
    shapes_report(arts, gold, raw_shapes(annotations), pinned, reference_rows(ROOT / "data/style_reference.csv"))
    print(table(["actor", "statements", "years", *STANCES], rows) + "\n")
    agree_dir = Path(agreement_dir)
    firsts = sorted(agree_dir.glob("first_pass_*.csv"))
    rows_all = []
    rows_v2 = []
    per_part = []
    for f in firsts:
        second = agree_dir / f.name.replace("first_pass_", "second_pass_")
        if not second.exists():
            continue
        rows = read_labels(f) + read_labels(second)
        rows_all += rows
        if f.stem.startswith("first_pass_v2_"):
            rows_v2 += rows
        res = {fld: agreement(rows, fld, labs) for fld, labs in DEFAULT_LABELS.items()}
        per_part.append([f.stem.removeprefix("first_pass_"), res["stance"]["n_items"],
                         f"{res['stance']['pairs'][0]['cohen_kappa']:.3f}", f"{res['stance']['krippendorff_alpha']:.3f}",
                         f"{res['sentiment']['pairs'][0]['cohen_kappa']:.3f}",
                         f"{res['sentiment']['krippendorff_alpha']:.3f}"])
    confusions = []
    for name, subset in (("**corpus v2 parts**", rows_v2), ("**all**", rows_all)):
        if not subset or (name != "**all**" and len(subset) == len(rows_all)):
            continue
        res = {fld: agreement(subset, fld, labs) for fld, labs in DEFAULT_LABELS.items()}
        per_part.append([name, res["stance"]["n_items"], f"{res['stance']['pairs'][0]['cohen_kappa']:.3f}",
                         f"{res['stance']['krippendorff_alpha']:.3f}",
                         f"{res['sentiment']['pairs'][0]['cohen_kappa']:.3f}",
                         f"{res['sentiment']['krippendorff_alpha']:.3f}"])
        confusions.append((name.strip("*"), res["stance"]["pairs"][0]))
    if per_part:
        print(table(["part", "statements", "stance kappa", "stance alpha", "sentiment kappa", "sentiment alpha"],
                    per_part) + "\n")
    for name, pair in confusions:
        print(f"stance confusion, {name} (rows: first pass, columns: blind second pass)\n")
        print(table(["", *pair["labels"]], [[lab, *row] for lab, row in zip(pair["labels"], pair["confusion"])]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
