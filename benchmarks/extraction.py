"""Speed and recall of statement extraction, side by side with textacy's `direct_quotations`.

    python benchmarks/extraction.py [--articles data/articles] [--gold data/annotations] [--min-articles 200]

Times `stance.extraction.quotes.Extractor` on one core over at least `--min-articles` articles (the
corpus repeated as needed) and textacy's direct_quotations (which needs the full spaCy
small pipeline) on the same texts, printing articles/s and words/s by wall clock and by
CPU time of this process (the machine may be shared; CPU time is what one core spent),
each the best of `--repeat` runs (textacy, ten times slower, runs once).
Then scores both on the annotated set with the rule of `stance.extraction.evaluation`
(token Jaccard >= 0.5, one-to-one). Without data/ it falls back to the test fixtures.
Target: 30,000 words/s on one core for the extractor.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: no BLAS threads

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance.corpus.readers import read_articles  # noqa: E402
from stance.dataset.gold import load_gold  # noqa: E402
from stance.extraction.actors import ActorRegistry  # noqa: E402
from stance.extraction.evaluation import evaluate_extraction  # noqa: E402
from stance.extraction.quotes import MODEL, Extractor, load_nlp  # noqa: E402
from stance.records import Article, Statement  # noqa: E402

MARKS = "\"\u201c\u201d\u201e\u00ab\u00bb'"
BAILED: set[str] = set()  # articles on which textacy raised


def fixture_corpus() -> tuple[list[Article], list[Statement]]:
    """Articles and gold statements of the test fixtures (used when data/ is absent)."""
    import yaml

    arts, gold = [], []
    for path in sorted((ROOT / "tests" / "fixtures" / "extraction").glob("*.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        art = Article(id=d["id"], title=d["title"], date=d["date"], text=d["text"])
        arts.append(art)
        gold += [Statement(article_id=art.id, start=e["start"], end=e["end"], text=e["text"], speaker=e["speaker"],
                           actor_id=e["actor_id"], kind=e["kind"]) for e in d["expected"]]
    return arts, gold


def repeated(articles: list[Article], n: int) -> list[Article]:
    """At least n articles: the corpus repeated, ids suffixed so they stay unique."""
    out: list[Article] = []
    k = 0
    while len(out) < n:
        out += [a.model_copy(update={"id": f"{a.id}#{k}"}) for a in articles]
        k += 1
    return out


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(best wall seconds, best CPU seconds of this process, result) of `repeat` runs of fn()."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), result


def textacy_statements(nlp, articles: list[Article], registry) -> list[Statement]:
    """textacy's direct quotations as direct statements (quote marks and a trailing comma stripped)."""
    from textacy.extract.triples import direct_quotations

    out = []
    for art, doc in zip(articles, nlp.pipe([a.text for a in articles], batch_size=64)):
        try:
            quotes = list(direct_quotations(doc))
        except ValueError:  # textacy gives up on an odd number of quote marks (e.g. multi-paragraph quotes)
            BAILED.add(art.id)
            continue
        for q in quotes:
            start, end = q.content.start_char, q.content.end_char
            while start < end and art.text[start] in MARKS:
                start += 1
            while end > start and art.text[end - 1] in MARKS + ", ":
                end -= 1
            if end <= start:
                continue
            speaker = " ".join(t.text for t in q.speaker)
            out.append(Statement(article_id=art.id, start=start, end=end, text=art.text[start:end], speaker=speaker,
                                 actor_id=registry.resolve(speaker, art.date) if registry else None,
                                 cue=" ".join(t.text for t in q.cue), kind="direct"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", default=str(ROOT / "data" / "articles"))
    ap.add_argument("--gold", default=str(ROOT / "data" / "annotations"))
    ap.add_argument("--actors", default=str(ROOT / "configs" / "actors"))
    ap.add_argument("--min-articles", type=int, default=200)
    ap.add_argument("--no-textacy", action="store_true", help="skip the textacy comparison")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of the extractor; the best is reported")
    args = ap.parse_args()

    registry = ActorRegistry.load(args.actors)
    gold_dir = Path(args.gold)
    if Path(args.articles).exists() and gold_dir.exists() and any(gold_dir.glob("*.jsonl")):
        articles = read_articles(args.articles).articles
        by_id = {a.id: a for a in articles}
        gold = load_gold(by_id, [gold_dir])
        source = f"{args.articles} + {args.gold}"
    else:
        articles, gold = fixture_corpus()
        by_id = {a.id: a for a in articles}
        source = "tests/fixtures/extraction (no annotated data found)"
    annotated = [by_id[i] for i in sorted({g.article_id for g in gold})]
    bench = repeated(articles, args.min_articles)
    words = sum(len(a.text.split()) for a in bench)
    print(f"corpus: {source}")
    print(f"speed set: {len(bench)} articles, {words:,} words (corpus of {len(articles)} repeated); "
          f"annotated set: {len(annotated)} articles, {len(gold)} gold statements")

    nlp = load_nlp()
    ex = Extractor(registry, nlp=nlp)
    list(ex.extract_many(bench[:5]))  # warm-up
    wall, cpu, stmts = timed(lambda: [s for batch in ex.extract_many(bench) for s in batch], args.repeat)
    rows = [("stance Extractor", wall, cpu, len(stmts))]

    pred = [s for batch in ex.extract_many(annotated) for s in batch]
    reports = {"stance Extractor": evaluate_extraction(pred, gold, by_id)}

    if not args.no_textacy:
        import spacy

        full = spacy.load(MODEL)
        textacy_statements(full, bench[:5], None)  # warm-up
        wall, cpu, tq = timed(lambda: textacy_statements(full, bench, None), 1)
        rows.append(("textacy direct_quotations", wall, cpu, len(tq)))
        reports["textacy direct_quotations"] = evaluate_extraction(textacy_statements(full, annotated, registry),
                                                                   gold, by_id)

    print()
    print(f"{'method':28s} {'articles/s':>11s} {'words/s':>9s} {'words/s CPU':>12s} {'statements':>11s}")
    for name, wall, cpu, n in rows:
        print(f"{name:28s} {len(bench) / wall:11.1f} {words / wall:9,.0f} {words / cpu:12,.0f} {n:11d}")
    print()
    print(f"{'method':28s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'exact R':>8s} {'actor acc':>9s}  recall by kind")
    for name, rep in reports.items():
        s = rep.scores()
        by_kind = "  ".join(f"{k} {v:.3f}" for k, v in s["recall_by_kind"].items())
        print(f"{name:28s} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f} {s['exact_recall']:8.3f} "
              f"{s['actor_accuracy']:9.3f}  {by_kind}")
    if not args.no_textacy:
        print(f"(textacy raised on {len({b.split('#')[0] for b in BAILED})} of {len(articles)} distinct articles "
              f"for unbalanced quote marks; they count as having no statements)")
    target = words / rows[0][2]
    print(f"\ntarget 30,000 words/s on one core: {'met' if target >= 30000 else 'NOT met'} "
          f"({target:,.0f} words per CPU second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
