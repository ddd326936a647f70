"""Print the sample corpus's counts as Markdown tables (used for data/README.md).

Usage: python scripts/corpus_stats.py [ARTICLES] [ANNOTATIONS] [AGREEMENT_DIR]
"""
from __future__ import annotations

import collections
import sys
from pathlib import Path

from stance.annotate import DEFAULT_LABELS, agreement, read_labels
from stance.corpus import read_articles
from stance.gold import load_gold

STANCES = DEFAULT_LABELS["stance"]
SENTIMENTS = DEFAULT_LABELS["sentiment"]


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


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
    print(table(["actor", "statements", "years", *STANCES], rows) + "\n")
    agree_dir = Path(agreement_dir)
    firsts = sorted(agree_dir.glob("first_pass_*.csv"))
    rows_all = []
    per_part = []
    for f in firsts:
        second = agree_dir / f.name.replace("first_pass_", "second_pass_")
        if not second.exists():
            continue
        rows = read_labels(f) + read_labels(second)
        rows_all += rows
        res = {fld: agreement(rows, fld, labs) for fld, labs in DEFAULT_LABELS.items()}
        per_part.append([f.stem.removeprefix("first_pass_"), res["stance"]["n_items"],
                         f"{res['stance']['pairs'][0]['cohen_kappa']:.3f}", f"{res['stance']['krippendorff_alpha']:.3f}",
                         f"{res['sentiment']['pairs'][0]['cohen_kappa']:.3f}",
                         f"{res['sentiment']['krippendorff_alpha']:.3f}"])
    if rows_all:
        res = {fld: agreement(rows_all, fld, labs) for fld, labs in DEFAULT_LABELS.items()}
        per_part.append(["**all**", res["stance"]["n_items"], f"{res['stance']['pairs'][0]['cohen_kappa']:.3f}",
                         f"{res['stance']['krippendorff_alpha']:.3f}",
                         f"{res['sentiment']['pairs'][0]['cohen_kappa']:.3f}",
                         f"{res['sentiment']['krippendorff_alpha']:.3f}"])
        print(table(["part", "statements", "stance kappa", "stance alpha", "sentiment kappa", "sentiment alpha"],
                    per_part) + "\n")
        pair = res["stance"]["pairs"][0]
        print("stance confusion (rows: first pass, columns: blind second pass)\n")
        print(table(["", *pair["labels"]], [[lab, *row] for lab, row in zip(pair["labels"], pair["confusion"])]))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
