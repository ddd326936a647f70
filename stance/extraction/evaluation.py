"""Scoring extracted statements against gold statements.

Matching rule: within one article, a predicted and a gold statement *match* when the
Jaccard similarity of the sets of word tokens (runs of letters/digits, identified by
their character offset) their spans cover is at least `threshold` (default 0.5).
Matching is one-to-one: all candidate pairs are taken in order of decreasing Jaccard
(ties: earlier gold first), and a pair is kept when neither side is already matched.

Reported numbers:

- precision = matched / predicted, recall = matched / gold, F1; the same for exact
  matches (identical start and end);
- recall per gold kind (direct, partial, reported);
- speaker (actor) accuracy over matched pairs: the predicted `actor_id` equals the
  gold one (both None counts as equal), and the same over matched pairs whose gold
  actor is not None;
- kind accuracy over matched pairs.

`mismatches` lists every missed gold statement, spurious prediction, and matched pair
whose boundaries, actor or kind differ, for error analysis.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from stance.records import Article, Statement

_WORD = re.compile(r"\w+")
KINDS = ("direct", "partial", "reported")


def span_tokens(text: str, start: int, end: int) -> set[int]:
    """Offsets of the word tokens of `text` that lie inside [start, end) (partly covered words count)."""
    return {m.start() for m in _WORD.finditer(text) if m.start() < end and m.end() > start}


def jaccard(a: set[int], b: set[int]) -> float:
    """|a & b| / |a | b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def match_statements(pred: Sequence[Statement], gold: Sequence[Statement], text: str,
                     threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """One-to-one (pred index, gold index, Jaccard) pairs of one article (see the module doc)."""
    ptoks = [span_tokens(text, s.start, s.end) for s in pred]
    gtoks = [span_tokens(text, s.start, s.end) for s in gold]
    pairs = []
    for gi, g in enumerate(gtoks):
        for pi, p in enumerate(ptoks):
            if p & g:
                j = jaccard(p, g)
                if j >= threshold:
                    pairs.append((j, gi, pi))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for j, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        out.append((pi, gi, j))
    return out


@dataclass
class ExtractionReport:
    """Scores of an extraction run against gold, and the mismatches behind them."""

    n_pred: int = 0
    n_gold: int = 0
    matched: int = 0
    exact: int = 0
    actor_correct: int = 0
    actor_gold_named: int = 0
    actor_correct_named: int = 0
    kind_correct: int = 0
    gold_by_kind: Counter = field(default_factory=Counter)
    matched_by_kind: Counter = field(default_factory=Counter)
    threshold: float = 0.5
    mismatches: list[dict] = field(default_factory=list)

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 0.0

    def scores(self) -> dict:
        """The numbers as a flat dict (ratios in [0, 1])."""
        p, r = self._ratio(self.matched, self.n_pred), self._ratio(self.matched, self.n_gold)
        ep, er = self._ratio(self.exact, self.n_pred), self._ratio(self.exact, self.n_gold)
        return {
            "predicted": self.n_pred, "gold": self.n_gold, "matched": self.matched, "exact": self.exact,
            "match_rule": f"token Jaccard >= {self.threshold}, one-to-one",
            "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "exact_precision": ep, "exact_recall": er, "exact_f1": 2 * ep * er / (ep + er) if ep + er else 0.0,
            "actor_accuracy": self._ratio(self.actor_correct, self.matched),
            "actor_accuracy_named": self._ratio(self.actor_correct_named, self.actor_gold_named),
            "kind_accuracy": self._ratio(self.kind_correct, self.matched),
            "recall_by_kind": {k: self._ratio(self.matched_by_kind[k], self.gold_by_kind[k])
                               for k in KINDS if self.gold_by_kind[k]},
            "gold_by_kind": {k: self.gold_by_kind[k] for k in KINDS if self.gold_by_kind[k]},
        }

    def table(self) -> str:
        """The scores as a few readable lines."""
        s = self.scores()
        lines = [
            f"predicted {s['predicted']}  gold {s['gold']}  matched {s['matched']}  exact {s['exact']}"
            f"  ({s['match_rule']})",
            f"overlap match: precision {s['precision']:.3f}  recall {s['recall']:.3f}  F1 {s['f1']:.3f}",
            f"exact span:    precision {s['exact_precision']:.3f}  recall {s['exact_recall']:.3f}"
            f"  F1 {s['exact_f1']:.3f}",
            f"speaker (actor) accuracy on matches: {s['actor_accuracy']:.3f}"
            f"  (gold actor named: {s['actor_accuracy_named']:.3f})  kind accuracy: {s['kind_accuracy']:.3f}",
            "recall by kind: " + "  ".join(f"{k} {v:.3f} (n={s['gold_by_kind'][k]})"
                                           for k, v in s["recall_by_kind"].items()),
        ]
        return "\n".join(lines)


def _brief(st: Statement) -> dict:
    return {"start": st.start, "end": st.end, "text": st.text, "speaker": st.speaker, "actor_id": st.actor_id,
            "cue": st.cue, "kind": st.kind}


def evaluate_extraction(pred: Sequence[Statement], gold: Sequence[Statement], articles: Mapping[str, Article],
                        threshold: float = 0.5) -> ExtractionReport:
    """Score `pred` against `gold` over the articles that have gold statements.

    Predictions for articles without any gold statement are ignored (the gold set
    defines which articles were annotated).
    """
    rep = ExtractionReport(threshold=threshold)
    gold_by: dict[str, list[Statement]] = defaultdict(list)
    pred_by: dict[str, list[Statement]] = defaultdict(list)
    for g in gold:
        gold_by[g.article_id].append(g)
    for p in pred:
        if p.article_id in gold_by:
            pred_by[p.article_id].append(p)
    for aid in sorted(gold_by):
        gs, ps = sorted(gold_by[aid], key=lambda s: s.start), sorted(pred_by[aid], key=lambda s: s.start)
        text = articles[aid].text
        pairs = match_statements(ps, gs, text, threshold)
        rep.n_pred += len(ps)
        rep.n_gold += len(gs)
        for g in gs:
            rep.gold_by_kind[g.kind] += 1
        matched_p = {pi for pi, _, _ in pairs}
        matched_g = {gi for _, gi, _ in pairs}
        for pi, gi, j in pairs:
            p, g = ps[pi], gs[gi]
            rep.matched += 1
            rep.matched_by_kind[g.kind] += 1
            exact = p.start == g.start and p.end == g.end
            rep.exact += exact
            actor_ok = p.actor_id == g.actor_id
            rep.actor_correct += actor_ok
            if g.actor_id is not None:
                rep.actor_gold_named += 1
                rep.actor_correct_named += actor_ok
            rep.kind_correct += p.kind == g.kind
            problems = [name for name, bad in (("boundary", not exact), ("actor", not actor_ok),
                                               ("kind", p.kind != g.kind)) if bad]
            if problems:
                rep.mismatches.append({"type": "+".join(problems), "article_id": aid, "jaccard": round(j, 3),
                                       "gold": _brief(g), "pred": _brief(p)})
        for gi, g in enumerate(gs):
            if gi not in matched_g:
                rep.mismatches.append({"type": "missed", "article_id": aid, "gold": _brief(g), "pred": None,
                                       "context": g.context or None})
        for pi, p in enumerate(ps):
            if pi not in matched_p:
                rep.mismatches.append({"type": "spurious", "article_id": aid, "gold": None, "pred": _brief(p),
                                       "context": p.context or None})
    return rep
