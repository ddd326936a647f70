"""Pronoun speakers on PolNeAR judged against referents written by a blind annotator.

`stance eval-extraction --polnear` judges a pronoun source ("he said") by an antecedent that the
PolNeAR reader picks with simple rules (`stance.extraction.polnear.resolve_antecedents`). This
script checks that yardstick: data/polnear/pronoun_referents_dev.jsonl holds, for the pronoun
sources of PolNeAR dev that the extractor matched, the referent an annotator wrote after reading
the article up to that sentence, without seeing the extractor's output or the rule's antecedent
(one line per attribution: article, attribution id, pronoun, referent, confidence). It prints

- the extractor's accuracy against those referents (its speaker or the name it resolved the
  pronoun to names the referent, by `speaker_matches`; a speaker left as a pronoun is wrong),
- the extractor's accuracy against the rule's antecedent on the same items,
- how often the rule's antecedent names the annotator's referent.

Usage: python scripts/polnear_pronouns.py [--polnear data/external/polnear] [--cues statements|attributions]
           [--misses]   (also print each item the extractor gets wrong against the annotator)
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from stance.extraction.actors import ActorRegistry
from stance.extraction.cues import CueLexicon
from stance.extraction.evaluation import match_statements
from stance.extraction.polnear import read_split, said_names, speaker_matches
from stance.extraction.quotes import extract_corpus

ROOT = Path(__file__).resolve().parents[1]
ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--polnear", default=str(ROOT / "data" / "external" / "polnear"))
ap.add_argument("--referents", default=str(ROOT / "data" / "polnear" / "pronoun_referents_dev.jsonl"))
ap.add_argument("--cues", choices=["statements", "attributions"], default="statements")
ap.add_argument("--misses", action="store_true", help="print the items the extractor gets wrong")
args = ap.parse_args()

referents = {(r["article"], r["attribution"]): r for r in map(json.loads, Path(args.referents).open(encoding="utf-8"))}
split = read_split(args.polnear, "dev")
lexicon = CueLexicon.broad() if args.cues == "attributions" else None
preds = extract_corpus(list(split.articles.values()), ActorRegistry.load(ROOT / "configs" / "actors"),
                       lexicon=lexicon)
by_article: dict[str, list] = {}
for p in preds:
    by_article.setdefault(p.article_id, []).append(p)
c: Counter = Counter()
seen: set[tuple[str, str]] = set()
for aid, art in sorted(split.articles.items()):
    gold = sorted((g for g in split.gold if g.statement.article_id == aid), key=lambda g: g.statement.start)
    pred = sorted(by_article.get(aid, []), key=lambda s: s.start)
    for pi, gi, _ in match_statements(pred, [g.statement for g in gold], art.text, 0.5):
        g, p = gold[gi], pred[pi]
        ref = referents.get((aid, g.attribution_id))
        if g.target != "speech" or g.source_kind != "pronoun" or ref is None or (aid, g.attribution_id) in seen:
            continue
        seen.add((aid, g.attribution_id))
        said = said_names(p)
        c["n"] += 1
        c["unresolved"] += not said
        ok = any(speaker_matches(x, ref["referent"] or "") for x in said)
        c["ok_referent"] += ok
        if args.misses and not ok:
            before = art.text[max(0, p.start - 160):p.start].replace("\n", " ")
            print(f"MISS {aid} {g.attribution_id}: referent {ref['referent']!r}, extractor {said or p.speaker!r}\n"
                  f"     ...{before}[{art.text[p.start:p.end][:80]}]")
        if g.antecedent:
            c["n_rule"] += 1
            c["ok_rule"] += any(speaker_matches(x, g.antecedent) for x in said)
            c["rule_is_referent"] += speaker_matches(g.antecedent, ref["referent"] or "")
n = c["n"]
print(f"PolNeAR dev, pronoun sources matched by the extractor and annotated blind: {n} "
      f"(of {len(referents)} annotated; cues: {args.cues})")
print(f"  extractor vs the annotator's referent: {c['ok_referent'] / n:.3f} "
      f"({c['ok_referent']}/{n}; left as a pronoun: {c['unresolved']})")
print(f"  extractor vs the rule's antecedent:    {c['ok_rule'] / c['n_rule']:.3f} ({c['ok_rule']}/{c['n_rule']})")
print(f"  rule's antecedent names the referent:  {c['rule_is_referent'] / c['n_rule']:.3f} "
      f"({c['rule_is_referent']}/{c['n_rule']})")
