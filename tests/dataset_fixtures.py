"""A small study corpus for the dataset tests: articles, gold statements, extracted statements.

Written for the project. It has what the builder must handle: a syndicated copy of one
story under another id (near-duplicate text), the same quote reported by two unrelated
articles, statements without labels, every stance label, and several actors and quarters.
"""
from __future__ import annotations

import json
from pathlib import Path

# (article id, date, source, [(speaker, actor_id, cue, kind, statement text, stance, sentiment)], filler)
ARTICLES = [
    ("2022-03-29-istanbul", "2022-03-29", "Wire A", [
        ("Vladimir Medinsky", "medinsky", "told reporters", "direct",
         "The talks were constructive, and we are ready to continue contacts", "open", "positive"),
        ("Mykhailo Podolyak", "podolyak", "said", "direct",
         "A ceasefire is possible only if Russian troops withdraw to the lines of February 23", "conditional",
         "neutral"),
        ("Dmitry Peskov", "peskov", "declined to comment", "reported", "on the timing of the next round", "evasive",
         "neutral"),
    ], "Delegations met for three hours at the Dolmabahce palace."),
    ("2022-04-05-bucha", "2022-04-05", "Daily B", [
        ("Volodymyr Zelensky", "zelensky", "said", "direct",
         "Talking to them after Bucha is a waste of time", "rejecting", "negative"),
        ("local officials", None, "said", "reported", "more than 400 bodies had been found in the town", "none",
         "negative"),
    ], "Investigators continued to document the scene north of the capital."),
    ("2022-07-22-grain", "2022-07-22", "Wire A", [
        ("Antonio Guterres", "guterres", "said", "direct",
         "Today there is a beacon on the Black Sea, a beacon of hope", "open", "positive"),
        ("Sergei Lavrov", "lavrov", "said", "reported",
         "Moscow would honour the deal as long as its own grain and fertiliser exports were unblocked",
         "conditional", "neutral"),
    ], "The agreement was signed in Istanbul in the presence of the Turkish president."),
    ("2022-07-22-grain-copy", "2022-07-22", "Portal C", [
        ("Antonio Guterres", "guterres", "said", "direct",
         "Today there is a beacon on the Black Sea, a beacon of hope", "open", "positive"),
        ("Sergei Lavrov", "lavrov", "said", "reported",
         "Moscow would honour the deal as long as its own grain and fertiliser exports were unblocked",
         "conditional", "neutral"),
    ], "The agreement was signed in Istanbul in the presence of the Turkish president."),
    ("2023-06-10-offensive", "2023-06-10", "Daily B", [
        ("Hanna Maliar", "maliar", "wrote on Telegram", "reported",
         "Ukrainian forces had advanced up to two kilometres near Bakhmut", "none", "positive"),
        ("Dmitry Peskov", "peskov", "said", "direct",
         "It is premature to talk about any negotiations", "evasive", "neutral"),
    ], "Heavy fighting was reported along the southern front."),
    ("2024-06-14-conditions", "2024-06-14", "Wire A", [
        ("Vladimir Putin", "putin", "said", "direct",
         "As soon as Kyiv withdraws its troops, we will cease fire and begin talks", "conditional", "neutral"),
        ("Dmytro Kuleba", "kuleba", "said", "partial",
         "the proposal was \"an ultimatum, not a peace plan\"", "rejecting", "negative"),
        ("Dmitry Peskov", "peskov", "said", "direct",
         "We are ready to continue contacts", None, None),
    ], "The speech came a day before a peace summit in Switzerland."),
    ("2024-06-15-summit", "2024-06-15", "Portal C", [
        ("Volodymyr Zelensky", "zelensky", "said", "direct",
         "We welcome every country that stands for a just peace", "open", "positive"),
        ("Dmitry Peskov", "peskov", "said", "direct",
         "It is premature to talk about any negotiations", "evasive", "neutral"),
    ], "Ninety countries attended the gathering at the Burgenstock resort."),
    ("2025-02-12-call", "2025-02-12", "Wire A", [
        ("Donald Trump", "trump", "wrote on Truth Social", "direct",
         "We agreed to have our respective teams start negotiations immediately", "open", "positive"),
        ("Andrii Sybiha", "sybiha", "said", "direct",
         "Nothing about Ukraine without Ukraine", "conditional", "neutral"),
    ], "The call lasted about ninety minutes, according to the White House."),
    ("2025-05-16-istanbul", "2025-05-16", "Daily B", [
        ("Rustem Umerov", "umerov", "said", "direct",
         "We are ready to discuss an unconditional ceasefire", "open", "neutral"),
        ("Vladimir Medinsky", "medinsky", "said", "direct",
         "We are satisfied with the result and ready to continue contacts", "open", "positive"),
        ("Russian forces", None, "said", "reported", "they had taken two more villages in the Donetsk region",
         "none", "neutral"),
    ], "The delegations agreed on an exchange of a thousand prisoners each."),
    ("2025-08-15-alaska", "2025-08-15", "Wire A", [
        ("Donald Trump", "trump", "said", "direct",
         "There is no deal until there is a deal", "evasive", "neutral"),
        ("Volodymyr Zelensky", "zelensky", "said", "direct",
         "Any agreement needs security guarantees for Ukraine", "conditional", "neutral"),
    ], "The summit at the air base ended without a joint statement."),
]

# extracted statements that no annotator labeled (for weak labels): (article id, text, speaker, actor, cue)
EXTRA = {
    "2023-06-10-offensive": [
        ("Moscow has always been open to talks with Kyiv", "Sergei Lavrov", "lavrov", "said"),
        ("Three people were injured in the drone attack", "regional governor", None, "said"),
    ],
    "2025-08-15-alaska": [
        ("The meeting was a waste of time for Europe", "a European diplomat", None, "said"),
    ],
}


def _article_text(aid: str, statements: list, filler: str) -> tuple[str, list[dict]]:
    """Article text with one paragraph per statement; gold records with exact offsets."""
    paragraphs, gold = [], []
    city = aid.split("-")[-1].upper()
    paragraphs.append(f"{city} - {filler}")
    for speaker, actor, cue, kind, text, stance, sentiment in statements:
        if kind == "direct":
            para = f"\"{text},\" {speaker} {cue}."
        elif cue == "declined to comment":
            para = f"{speaker} {cue} {text}."
        else:
            para = f"{speaker} {cue} that {text}." if kind == "reported" else f"{speaker} {cue} {text}."
        paragraphs.append(para)
        gold.append({"speaker": speaker, "actor_id": actor, "cue": cue, "kind": kind, "text": text,
                     "stance": stance, "sentiment": sentiment, "para": len(paragraphs) - 1})
    extra = EXTRA.get(aid, [])
    for text, speaker, _actor, cue in extra:
        paragraphs.append(f"{speaker} {cue} that {text}.")
    body = "\n\n".join(paragraphs)
    # offsets
    offset = 0
    starts = []
    for para in paragraphs:
        starts.append(offset)
        offset += len(para) + 2
    for g in gold:
        g["start"] = starts[g["para"]] + paragraphs[g["para"]].index(g["text"])
        g["end"] = g["start"] + len(g["text"])
    return body, gold


def write_corpus(root: Path, *, split_gold: bool = True) -> dict[str, Path]:
    """Write articles.jsonl, gold annotations (two files) and extracted.jsonl under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    arts, gold_lines, extra_lines = [], [], []
    for aid, date, source, statements, filler in ARTICLES:
        body, gold = _article_text(aid, statements, filler)
        arts.append({"id": aid, "title": aid.replace("-", " "), "date": date, "source": source,
                     "url": f"https://example.org/{aid}", "text": body})
        for g in gold:
            rec = {"article_id": aid, "start": g["start"], "end": g["end"], "text": g["text"],
                   "speaker": g["speaker"], "actor_id": g["actor_id"], "cue": g["cue"], "kind": g["kind"]}
            if g["stance"] is not None:
                rec.update(stance=g["stance"], sentiment=g["sentiment"])
            gold_lines.append(rec)
        for text, speaker, actor, cue in EXTRA.get(aid, []):
            start = body.index(text)
            extra_lines.append({"article_id": aid, "start": start, "end": start + len(text), "text": text,
                                "speaker": speaker, "actor_id": actor, "cue": cue, "kind": "reported"})
        # the extractor also finds one statement that is gold already
        if aid == "2024-06-14-conditions":
            g = gold[0]
            extra_lines.append({"article_id": aid, "start": g["start"], "end": g["end"], "text": g["text"],
                                "speaker": g["speaker"], "actor_id": g["actor_id"], "cue": g["cue"],
                                "kind": g["kind"]})

    def dump(path: Path, rows: list[dict]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    dump(root / "articles" / "articles.jsonl", arts)
    half = len(gold_lines) // 2 if split_gold else len(gold_lines)
    dump(root / "annotations" / "part1.jsonl", gold_lines[:half])
    if split_gold:
        dump(root / "annotations" / "part2.jsonl", gold_lines[half:])
    dump(root / "extracted.jsonl", extra_lines)
    return {"articles": root / "articles", "gold": root / "annotations", "extracted": root / "extracted.jsonl"}


ACTORS_YAML = """\
name: test_registry
actors:
  - {id: putin, name: Vladimir Putin, side: russia, kind: person, aliases: [Putin]}
  - {id: peskov, name: Dmitry Peskov, side: russia, kind: person, aliases: [Peskov]}
  - {id: lavrov, name: Sergei Lavrov, side: russia, kind: person, aliases: [Lavrov]}
  - {id: medinsky, name: Vladimir Medinsky, side: russia, kind: person, aliases: [Medinsky]}
  - {id: zelensky, name: Volodymyr Zelensky, side: ukraine, kind: person, aliases: [Zelensky]}
  - {id: trump, name: Donald Trump, side: united_states, kind: person, aliases: [Trump]}
  - {id: russia, name: Russia, side: russia, kind: institution, aliases: [Russian forces, Moscow]}
"""


def study_config(root: Path, paths: dict[str, Path], **overrides) -> dict:
    """A dataset config dict for the fixture corpus."""
    (root / "actors.yaml").write_text(ACTORS_YAML, encoding="utf-8")
    cfg = {
        "name": "fixture",
        "articles": str(paths["articles"]),
        "gold": [str(paths["gold"])],
        "actors": str(root / "actors.yaml"),
        "target": "negotiation",
        "split": {"strategy": "random", "seed": 13, "fractions": {"train": 0.6, "dev": 0.2, "test": 0.2}},
        "output": str(root / "built"),
    }
    cfg.update(overrides)
    return cfg
