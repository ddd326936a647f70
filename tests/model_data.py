"""A small statement dataset in the project's DatasetDict format, for model tests.

Statements are written in the style of news quotes about negotiations; each stance label
has its own phrasing so that a model can learn something from a few dozen examples.
"""
from __future__ import annotations

import itertools
from pathlib import Path

STANCE = ["conditional", "evasive", "none", "open", "rejecting"]
SENTIMENT = ["negative", "neutral", "positive"]

SPEAKERS = [("Dmitry Peskov", "peskov"), ("Volodymyr Zelensky", "zelensky"), ("Sergei Lavrov", "lavrov"),
            ("Andriy Yermak", "yermak"), ("Marco Rubio", "rubio"), ("Recep Tayyip Erdogan", "erdogan")]

# (stance, sentiment, statement) templates; {other} is the other side, {place} a venue
TEMPLATES = [
    ("open", "positive", "We are ready to resume direct talks with {other} in {place} at any time"),
    ("open", "positive", "We have always viewed any peace initiative positively and hope {other} will feel the same way"),
    ("open", "neutral", "The president is open to a meeting with the leader of {other}"),
    ("open", "positive", "We welcome the proposal for a ceasefire and stand ready to send a delegation to {place}"),
    ("conditional", "neutral", "A meeting is possible only once the delegations in {place} reach concrete agreements"),
    ("conditional", "negative", "As soon as {other} withdraws its troops, we will cease fire and begin talks"),
    ("conditional", "neutral", "Any dialogue must guarantee the safety of civilians before we agree to a truce"),
    ("conditional", "negative", "If there is no progress in {place}, we may step back from the negotiations"),
    ("evasive", "neutral", "It is premature to talk about the outcome of the contacts in {place}"),
    ("evasive", "neutral", "There are many nuances, and negotiations must stay behind closed doors"),
    ("evasive", "neutral", "I would not comment on the details of what {other} has proposed"),
    ("rejecting", "negative", "There is nothing to discuss with {other} and the summit in {place} is a waste of time"),
    ("rejecting", "negative", "We reject this so-called peace plan outright; it is pointless"),
    ("rejecting", "negative", "Talks with {other} are meaningless and we will not take part"),
    ("none", "negative", "Forces of {other} shelled the city overnight, killing three civilians"),
    ("none", "negative", "More than 3,000 violations were recorded along the front line near {place}"),
    ("none", "neutral", "Air defence units shot down 40 drones over the region, officials in {place} said"),
    ("none", "positive", "The reconstruction of the bridge near {place} was completed ahead of schedule"),
]
OTHERS = ["Kyiv", "Moscow", "Ukraine", "Russia", "the Kremlin"]
PLACES = ["Istanbul", "Riyadh", "Geneva", "Doha", "Minsk"]


def tiny_rows(n_articles: int = 24, per_article: int = 4) -> list[dict]:
    """Deterministic statement rows: n_articles articles, per_article statements each."""
    # templates vary fastest, so every few articles cover every label
    combos = ((t, s) for s, t in itertools.cycle(itertools.product(range(len(SPEAKERS)), range(len(TEMPLATES)))))
    rows = []
    for a in range(n_articles):
        article_id = f"art-{a:03d}"
        for j in range(per_article):
            t, s = next(combos)
            stance, sentiment, template = TEMPLATES[t]
            speaker, actor = SPEAKERS[s]
            text = template.format(other=OTHERS[(a + j) % len(OTHERS)], place=PLACES[(a * 3 + j) % len(PLACES)])
            if (a + j) % 7 == 0:
                text += ", " + speaker.split()[-1] + " added"
            start = 100 * j
            rows.append({
                "statement_id": f"{article_id}:{start}-{start + len(text)}",
                "text": text, "context": f"{speaker} told reporters: \"{text}.\"", "speaker": speaker,
                "actor_id": actor, "target": "negotiation", "date": f"2025-{1 + a % 12:02d}-{1 + j:02d}",
                "article_id": article_id, "cluster_id": None, "group_id": article_id,
                "label": STANCE.index(stance), "sentiment": SENTIMENT.index(sentiment),
                "label_source": "gold", "confidence": 1.0,
            })
    return rows


def build_dataset(path: Path, n_articles: int = 24, per_article: int = 4, unknown_sentiment: int = 3,
                  weak_train: int = 0):
    """Save a DatasetDict (train/dev/test split by article, 60/20/20) at `path` and return it.

    `unknown_sentiment` training rows get sentiment -1; `weak_train` training rows are marked
    label_source "weak".
    """
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    rows = tiny_rows(n_articles, per_article)
    features = Features({
        "statement_id": Value("string"), "text": Value("string"), "context": Value("string"),
        "speaker": Value("string"), "actor_id": Value("string"), "target": Value("string"),
        "date": Value("string"), "article_id": Value("string"), "cluster_id": Value("string"),
        "group_id": Value("string"), "label": ClassLabel(names=STANCE), "sentiment": ClassLabel(names=SENTIMENT),
        "label_source": Value("string"), "confidence": Value("float32"),
    })
    n_test = n_dev = n_articles // 5
    split_of = {}
    for a in range(n_articles):
        split_of[f"art-{a:03d}"] = "test" if a % 5 == 0 else "dev" if a % 5 == 1 else "train"
    assert n_test and n_dev
    parts = {s: [r for r in rows if split_of[r["article_id"]] == s] for s in ("train", "dev", "test")}
    for r in parts["train"][:unknown_sentiment]:
        r["sentiment"] = -1
    for r in parts["train"][unknown_sentiment:unknown_sentiment + weak_train]:
        r["label_source"], r["confidence"] = "weak", 0.6
    dd = DatasetDict({s: Dataset.from_list(rs, features=features) for s, rs in parts.items()})
    dd.save_to_disk(str(path))
    return dd
