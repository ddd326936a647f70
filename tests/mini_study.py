"""A tiny study (articles, gold statements, configs) for end-to-end tests of `stance reproduce`.

Twelve short wire-style articles, 2022-2025, each quoting four actors; the gold labels
follow the project's guidelines. Small enough that the whole pipeline runs in seconds.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml

SENTENCES = {
    "open": ["We are ready to resume talks at any time", "We welcome the offer to host a new round of negotiations",
             "Our door to dialogue remains open", "A meeting of the two delegations would be useful"],
    "conditional": ["Talks can begin only if the troops withdraw first",
                    "A summit is possible once the delegations agree on a final text",
                    "We will sign a ceasefire as soon as there are security guarantees",
                    "Any deal must recognise the realities on the ground"],
    "evasive": ["It is premature to talk about a summit", "We have nothing to announce at this stage",
                "These matters are discussed behind closed doors", "There are many nuances to study"],
    "rejecting": ["There is nothing to discuss with them", "The plan is a waste of time",
                  "We see no point in these talks", "Such proposals are unacceptable and we reject them"],
    "none": ["Russian forces shelled the city overnight", "Three people were injured in the strike",
             "Air defences shot down twelve drones", "The front line has not moved this week"],
}
SENTIMENT = {"open": "positive", "conditional": "neutral", "evasive": "neutral", "rejecting": "negative",
             "none": "negative"}
ACTORS = [("putin", "Vladimir Putin", "Russian President Vladimir Putin"),
          ("zelensky", "Volodymyr Zelensky", "Ukrainian President Volodymyr Zelensky"),
          ("peskov", "Dmitry Peskov", "Kremlin spokesman Dmitry Peskov"),
          ("erdogan", "Recep Tayyip Erdogan", "Turkish President Recep Tayyip Erdogan")]
LABELS = list(SENTENCES)


def write_study(root: Path) -> Path:
    """Write the mini study under `root`; return the experiment YAML path."""
    data = root / "data"
    (data / "articles").mkdir(parents=True)
    (data / "annotations").mkdir(parents=True)
    articles, gold = [], []
    for i in range(12):
        date = dt.date(2022, 3, 1) + dt.timedelta(days=120 * i)
        aid = f"{date.isoformat()}-mini-{i:02d}"
        paragraphs, spans = [f"ISTANBUL, {date:%B} {date.day} — Officials spoke about the war on {date:%A}."], []
        for j, (actor, name, title) in enumerate(ACTORS):
            label = LABELS[(i + 2 * j) % 5]
            # each article's statements are distinct, so identical-text grouping keeps articles apart
            sentence = f"{SENTENCES[label][(i + j) % 4]} in {date:%B %Y}"
            last = name.split()[-1]
            if j % 2 == 0:
                para = f'"{sentence}," {title} told reporters.'
                kind, text, speaker, cue = "direct", sentence, title, "told reporters"
            else:
                para = f"{title} said that {sentence[0].lower() + sentence[1:]}."
                kind, text, speaker, cue = "reported", sentence[0].lower() + sentence[1:], title, "said"
            paragraphs.append(para)
            spans.append((para, text, speaker, actor, cue, kind, label, last))
        text = "\n\n".join(paragraphs)
        for para, st_text, speaker, actor, cue, kind, label, _ in spans:
            start = text.index(para) + para.index(st_text)
            gold.append({"article_id": aid, "start": start, "end": start + len(st_text), "text": st_text,
                         "speaker": speaker, "actor_id": actor, "cue": cue, "kind": kind, "stance": label,
                         "sentiment": SENTIMENT[label]})
        articles.append({"id": aid, "title": f"Officials on talks, {date.isoformat()}", "date": date.isoformat(),
                         "source": "stance test fixture", "source_urls": ["https://example.org/mini"], "text": text})
    (data / "articles" / "mini.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    (data / "annotations" / "mini.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    configs = root / "configs"
    (configs / "models").mkdir(parents=True)
    registry = {"name": "mini", "actors": [
        {"id": a, "name": n, "side": "x", "kind": "person", "aliases": [n, n.split()[-1]], "roles": []}
        for a, n, _ in ACTORS]}
    (configs / "actors.yaml").write_text(yaml.safe_dump(registry), encoding="utf-8")
    dataset = {"name": "mini", "articles": [str(data / "articles")], "gold": [str(data / "annotations")],
               "actors": str(configs / "actors.yaml"), "target": "negotiation",
               "schemes": {"stance": "stance5", "sentiment": "sentiment3"},
               "split": {"strategy": "random", "seed": 3, "fractions": {"train": 0.6, "dev": 0.2, "test": 0.2}},
               "output": str(root / "work" / "dataset")}
    (configs / "dataset.yaml").write_text(yaml.safe_dump(dataset), encoding="utf-8")
    models = {
        "tfidf_logreg": {"type": "tfidf_logreg", "params": {"C": 4.0}},
        "transformer": {"type": "transformer", "params": {"max_steps": 2, "epochs": 1, "max_length": 32,
                                                          "batch_size": 8, "threads": 1}},
    }
    for name, model in models.items():
        cfg = {"name": name, "data": {"path": "unused", "task": "stance"}, "model": model, "seeds": [1]}
        (configs / "models" / f"{name}.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    model_paths = [str(configs / "models" / f"{m}.yaml") for m in models]
    experiment = {
        "name": "mini", "description": "A tiny study for tests.", "articles": str(data / "articles"),
        "actors": str(configs / "actors.yaml"), "dataset": str(configs / "dataset.yaml"),
        "tasks": {"stance": {"models": model_paths}, "sentiment": {"models": model_paths}},
        "seeds": [1, 2], "n_boot": 200, "work_dir": str(root / "work"), "report_dir": str(root / "report"),
        "learning_curve": {"fractions": [0.5, 1.0], "seeds": [1], "models": ["tfidf_logreg", "transformer"],
                           "tasks": ["stance"]},
        "timeline": {"period": "year", "actors": ["putin", "zelensky"], "min_statements": 1, "n_boot": 200,
                     "model": "tfidf_logreg", "crossfit_folds": 2,
                     "events": [{"date": "2022-03-29", "label": "Istanbul talks"}]},
    }
    path = root / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment), encoding="utf-8")
    return path
