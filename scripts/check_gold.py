"""Check a part of the sample corpus: articles JSONL + gold statements JSONL.

Usage: python scripts/check_gold.py [ARTICLES] [ANNOTATIONS]
  ARTICLES / ANNOTATIONS: one part's JSONL files, or folders (every *.jsonl in them, read as
  one corpus); default data/articles data/annotations, the whole corpus.

Checks every rule of data/GUIDELINES.md that a machine can check: required fields,
unique ids (across parts), ISO dates, offsets that slice the article text to the statement
text, known labels, actor ids and shape tags, no overlapping statements, word counts.
Prints counts.
"""
from __future__ import annotations

import collections
import datetime
import json
import sys
from pathlib import Path

import yaml

STANCES = {"open", "conditional", "evasive", "rejecting", "none"}
SENTIMENTS = {"negative", "neutral", "positive"}
KINDS = {"direct", "partial", "reported"}
SHAPES = {"headline", "deck", "bullet", "relayed", "agency_sourced", "nominal", "pronoun_chain", "role_noun",
          "intro_line", "single_marks", "institution", "split", "before", "after"}
ROOT = Path(__file__).resolve().parents[1]


def jsonl_files(path: str | Path) -> list[Path]:
    """A JSONL file, or the *.jsonl files of a folder in name order."""
    path = Path(path)
    return sorted(path.glob("*.jsonl")) if path.is_dir() else [path]


def lines(path: str | Path):
    """(file:line, text) for every line of the JSONL file(s) at `path`."""
    for f in jsonl_files(path):
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            yield f"{f}:{n}", line


def main(articles_path: str = str(ROOT / "data/articles"), gold_path: str = str(ROOT / "data/annotations")) -> int:
    actors = {a["id"] for a in yaml.safe_load((ROOT / "configs/actors/russia_ukraine.yaml").read_text())["actors"]}
    errors: list[str] = []
    articles: dict[str, dict] = {}
    for n, line in lines(articles_path):
        if not line.strip():
            continue
        a = json.loads(line)
        for field in ("id", "title", "date", "source", "source_urls", "text"):
            if not a.get(field):
                errors.append(f"{n}: missing field {field!r}")
        if a.get("id") in articles:
            errors.append(f"{n}: duplicate id {a['id']!r}")
        try:
            datetime.date.fromisoformat(a.get("date", ""))
        except ValueError:
            errors.append(f"{n}: bad date {a.get('date')!r}")
        words = len(a.get("text", "").split())
        if not 120 <= words <= 400:
            errors.append(f"{n}: {words} words (want 120-400)")
        articles[a.get("id")] = a
    per_article: dict[str, list] = collections.defaultdict(list)
    counts = {k: collections.Counter() for k in ("stance", "sentiment", "kind", "actor_id")}
    for where, line in lines(gold_path):
        if not line.strip():
            continue
        s = json.loads(line)
        art = articles.get(s.get("article_id"))
        if art is None:
            errors.append(f"{where}: unknown article_id {s.get('article_id')!r}")
            continue
        if art["text"][s["start"]:s["end"]] != s["text"]:
            errors.append(f"{where}: text[{s['start']}:{s['end']}]={art['text'][s['start']:s['end']]!r} != {s['text']!r}")
        if s.get("stance") not in STANCES:
            errors.append(f"{where}: stance {s.get('stance')!r}")
        if s.get("sentiment") not in SENTIMENTS:
            errors.append(f"{where}: sentiment {s.get('sentiment')!r}")
        if s.get("kind") not in KINDS:
            errors.append(f"{where}: kind {s.get('kind')!r}")
        if s.get("actor_id") is not None and s["actor_id"] not in actors:
            errors.append(f"{where}: actor_id {s['actor_id']!r} not in configs/actors/russia_ukraine.yaml")
        for field in ("speaker", "cue"):
            if not s.get(field):
                errors.append(f"{where}: missing {field!r}")
        bad_shapes = set(s.get("shapes") or []) - SHAPES
        if bad_shapes or not isinstance(s.get("shapes", []), list):
            errors.append(f"{where}: unknown shape tag(s) {sorted(bad_shapes)} (known: {', '.join(sorted(SHAPES))})")
        per_article[s["article_id"]].append((s["start"], s["end"], where))
        for k in counts:
            counts[k][s.get(k)] += 1
    for aid, spans in per_article.items():
        spans.sort()
        for (_s1, e1, n1), (s2, _e2, n2) in zip(spans, spans[1:]):
            if s2 < e1:
                errors.append(f"{n2}: overlaps statement at {n1} in {aid}")
    for aid in articles:
        if len(per_article.get(aid, [])) < 3:
            errors.append(f"article {aid} has {len(per_article.get(aid, []))} statements (want >= 3)")
    for e in errors:
        print("ERROR", e)
    total = sum(counts["stance"].values())
    print(f"articles={len(articles)} statements={total}")
    for k, c in counts.items():
        print(k, dict(c.most_common()))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
