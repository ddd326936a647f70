"""SemEval-2016 Task 6 subtask A end to end: build, train, F_avg beside the published figures.

    python benchmarks/semeval2016.py [--seeds 1,2,3] [--no-embedding] [--no-refit] [--tune]

Needs the official files where configs/datasets/semeval2016.yaml expects them (they are not
shipped; the script says which are missing and exits 2):

    data/external/semeval2016/semeval2016-task6-trainingdata.txt
    data/external/semeval2016/SemEval2016-Task6-subtaskA-testdata-gold.txt

Steps, all through the `stance` commands (so the numbers are what `stance train` and
`stance evaluate` give):

1. `stance build configs/datasets/semeval2016.yaml` -> runs/semeval2016/dataset (official
   train/test; dev = 15% of the official train, grouped by text).
2. `stance train` of each run below with `--data runs/semeval2016/dataset --output-root
   runs/semeval2016`. Runs that are variants of a shared model config (another template, an
   embedding model) get a derived config written to runs/semeval2016/configs/.
3. `stance evaluate` of all runs -> runs/semeval2016/evaluation/ (bootstrap intervals).
4. The table: F_avg (mean F1 of FAVOR and AGAINST over all test tweets, the official
   figure) and its macro average over the five targets, mean ± sample std over seeds, with
   the published figures beside them; also written to runs/semeval2016/benchmark.{json,md}.

Rows: majority label per target (from the train split, no model), tfidf_svm on the tweet,
tfidf_svm on "{target} | {text}", one tfidf_svm per target (configs/models/
tfidf_svm_per_target.yaml, the organisers' baseline design) and, unless --no-refit, the same
per-target config trained on the whole official train (train + dev, as the organisers
trained) with the hyperparameters fixed beforehand, through the Python API (see refit_scores).
When `embedding_logreg` is registered and its encoder is found locally, frozen sentence
embeddings + logistic regression pooled on "{target} | {text}" and per target, and the per-target
ensemble of both designs (configs/models/ensemble_per_target.yaml: weights chosen on dev;
--no-embedding skips them); with all-mpnet-base-v2 unpacked (`make encoders`), the per-target
embedding model on that encoder too.

`--tune` prints the grid the per-target C was chosen from: dev F_avg (train split -> dev split)
and 5-fold CV F_avg over train + dev. The test split is never used for choosing.

Published (Mohammad et al. 2016, SemEval-2016 Task 6, Task A test): majority class 0.6522,
SVM-ngrams per target 0.6898, best team (MITRE) 0.6782. BERTweet 0.712 is on TweetEval's
stance set (same tweets, TweetEval's own train/validation/test files and averaging), so it is
not the same protocol.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATASET_CONFIG = Path("configs/datasets/semeval2016.yaml")
OUT = Path("runs/semeval2016")
DATASET = OUT / "dataset"
PER_TARGET = Path("configs/models/tfidf_svm_per_target.yaml")

PUBLISHED = {
    "majority_per_target": ("0.652", "majority class, Mohammad et al. 2016"),
    "tfidf_svm_per_target": ("0.690", "organisers' SVM-ngrams per target"),
    "tfidf_svm_per_target_refit": ("0.690", "organisers' SVM-ngrams per target"),
}
OTHER_PUBLISHED = [
    ("best SemEval-2016 team (MITRE)", "0.678", "Mohammad et al. 2016"),
    ("BERTweet", "0.712", "TweetEval's stance split and averaging; not the same protocol"),
]


def missing_files() -> list[str]:
    """The files of the dataset config that are not there."""
    cfg = yaml.safe_load(DATASET_CONFIG.read_text(encoding="utf-8"))
    ext = cfg["external"]
    paths = [*ext.get("train", []), *ext.get("dev", []), *ext.get("test", []), *ext.get("files", [])]
    return [p for p in paths if not Path(p).exists()]


def stance(*argv: str) -> None:
    """Run a `stance` command in this process; stop the benchmark if it fails."""
    from stance.cli.main import main

    print("$ stance " + " ".join(argv), flush=True)
    rc = main(list(argv))
    if rc:
        raise SystemExit(f"stance {argv[0]} failed with exit status {rc}")


def derived_config(base: Path, name: str, model: dict | None = None, template: str | None = None) -> Path:
    """A copy of the model config `base` named `name`, with another model or template, written to
    runs/semeval2016/configs/<name>.yaml (generated, never committed)."""
    cfg = yaml.safe_load(base.read_text(encoding="utf-8"))
    cfg["name"] = name
    cfg["data"] = {"path": str(DATASET), "task": "stance", "train_sources": ["gold"], "eval_sources": ["gold"]}
    cfg["output_root"] = str(OUT)
    if model is not None:
        cfg["model"] = copy.deepcopy(model)
    if template is not None:
        cfg["model"]["params"]["template"] = template
    path = OUT / "configs" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# generated by benchmarks/semeval2016.py from {base}\n"
                    + yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def refit_scores(config: Path, seeds: list[int]) -> tuple[list[dict], int]:
    """The run config's model trained on train + dev (the whole official train) for each seed,
    scored on test; predictions go to runs/semeval2016/refit/<name>/seed_<s>.jsonl. Done here
    rather than by `stance train`, which needs a dev split (a dataset built with dev fraction 0
    has an empty dev split that `datasets` cannot load back)."""
    import pandas as pd

    from stance.evaluation.metrics import semeval_f_avg
    from stance.jsonl import write_jsonl
    from stance.models import make_model
    from stance.training.train import _seeded_params, load_run_config, load_task_data

    cfg = load_run_config(config)
    cfg.data.path = DATASET
    data = load_task_data(cfg.data)
    train = pd.concat([data.splits["train"], data.splits["dev"]], ignore_index=True)
    test = data.splits["test"]
    out = []
    for seed in seeds:
        model = make_model(cfg.model.type, _seeded_params(cfg, seed)).fit(train, train["y"].tolist())
        pred = [str(p) for p in model.predict(test)]
        write_jsonl(OUT / "refit" / cfg.name / f"seed_{seed}.jsonl",
                    [{"statement_id": sid, "target": t, "gold": g, "pred": p}
                     for sid, t, g, p in zip(test["statement_id"], test["target"], test["y"], pred)])
        out.append(semeval_f_avg(test["y"].tolist(), pred, test["target"].tolist()))
        print(f"{cfg.name} refit on train + dev ({len(train)} rows), seed {seed}: "
              f"test F_avg {out[-1]['f_avg_pooled']:.3f}", flush=True)
    return out, len(train)


MPNET = "all-mpnet-base-v2"


def encoder_available(name: str | None) -> str | None:
    """None when the encoder `name` (None: the shipped one) is found locally, else why not."""
    try:
        from stance.models.encoders import resolve_encoder_path

        resolve_encoder_path(name)
    except Exception as exc:  # a missing package, part or folder: say so and go on without it
        return f"not available ({exc})"
    return None


def embedding_available() -> str | None:
    """None when embedding_logreg can run here, else why not."""
    from stance.models import REGISTRY

    if "embedding_logreg" not in REGISTRY:
        return "no embedding_logreg model type"
    missing = encoder_available(None)  # the shipped MiniLM
    return f"encoder {missing}" if missing else None


def majority_per_target(dataset: Path) -> list[dict]:
    """F_avg of predicting each target's most frequent training label (no model, one 'seed')."""
    from stance.evaluation.metrics import semeval_f_avg
    from stance.training.train import DataSection, load_task_data

    data = load_task_data(DataSection(path=dataset, train_sources=["gold"]))
    train, test = data.splits["train"], data.splits["test"]
    majority = train.groupby("target")["y"].agg(lambda s: s.value_counts().index[0]).to_dict()
    pred = [majority[t] for t in test["target"]]
    return [semeval_f_avg(test["y"].tolist(), pred, test["target"].tolist())]


def run_scores(run_dir: Path) -> list[dict]:
    """semeval_f_avg of every seed's test predictions of a run folder."""
    from stance.evaluation.metrics import semeval_f_avg

    out = []
    for seed_dir in sorted(run_dir.glob("seed_*")):
        rows = [json.loads(line) for line in (seed_dir / "predictions_test.jsonl").read_text().splitlines() if line]
        out.append(semeval_f_avg([r["gold"] for r in rows], [r["pred"] for r in rows], [r["target"] for r in rows]))
    if not out:
        raise SystemExit(f"{run_dir}: no seed_* folders with test predictions")
    return out


def summarise(name: str, description: str, scores: list[dict], train_rows: int | None) -> dict:
    pooled = np.array([s["f_avg_pooled"] for s in scores])
    macro = np.array([s["f_avg_macro_targets"] for s in scores])
    targets = sorted(scores[0]["per_target"])
    per_target = {t: float(np.mean([s["per_target"][t] for s in scores])) for t in targets}
    return {"name": name, "description": description, "seeds": len(scores), "train_rows": train_rows,
            "f_avg_pooled": float(pooled.mean()), "f_avg_pooled_std": float(pooled.std(ddof=1)) if len(scores) > 1 else 0.0,
            "f_avg_macro_targets": float(macro.mean()),
            "f_avg_macro_targets_std": float(macro.std(ddof=1)) if len(scores) > 1 else 0.0,
            "per_target": per_target, "published": PUBLISHED.get(name)}


def table(rows: list[dict]) -> str:
    def pm(mean: float, std: float, n: int) -> str:
        return f"{mean:.3f} ± {std:.3f}" if n > 1 else f"{mean:.3f}"

    targets = list(rows[0]["per_target"])
    short = {t: t.split()[0] for t in targets}
    lines = ["| run | model | train rows | seeds | F_avg pooled (official) | F_avg macro over targets | "
             + " | ".join(short[t] for t in targets) + " | published |",
             "|---|---|---|---|---|---|" + "---|" * len(targets) + "---|"]
    for r in rows:
        pub = f"{r['published'][0]} ({r['published'][1]})" if r["published"] else ""
        description = r["description"].replace("|", "\\|")  # a template's bar is not a column
        lines.append(f"| {r['name']} | {description} | {r['train_rows'] or ''} | {r['seeds']} | "
                     f"{pm(r['f_avg_pooled'], r['f_avg_pooled_std'], r['seeds'])} | "
                     f"{pm(r['f_avg_macro_targets'], r['f_avg_macro_targets_std'], r['seeds'])} | "
                     + " | ".join(f"{r['per_target'][t]:.3f}" for t in targets) + f" | {pub} |")
    for name, value, note in OTHER_PUBLISHED:
        lines.append(f"| {name} | published only | | | {value} | | " + " | " * len(targets) + f"{note} |")
    return "\n".join(lines)


def tune(seeds: list[int]) -> None:
    """The grid behind tfidf_svm_per_target's C: dev F_avg and 5-fold CV F_avg on train + dev."""
    import pandas as pd
    from sklearn.model_selection import StratifiedKFold

    from stance.evaluation.metrics import semeval_f_avg
    from stance.models import make_model
    from stance.training.train import DataSection, load_task_data

    data = load_task_data(DataSection(path=DATASET, train_sources=["gold"]))
    train, dev = data.splits["train"], data.splits["dev"]
    full = pd.concat([train, dev], ignore_index=True)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(
        np.zeros(len(full)), (full["target"] + "|" + full["y"]).to_numpy()))
    base = yaml.safe_load(PER_TARGET.read_text(encoding="utf-8"))["model"]
    print("| C | dev F_avg pooled | dev F_avg macro | 5-fold CV F_avg pooled (train+dev) | CV macro |\n|---|---|---|---|---|")
    for C in (0.01, 0.03, 0.1, 0.3, 1.0):
        params = copy.deepcopy(base["params"])
        params["model"]["params"]["C"] = C

        def fitted(df, seed, params=params):
            return make_model("per_group", {**params, "seed": seed}).fit(df, df["y"].tolist())

        dev_scores = [semeval_f_avg(dev["y"].tolist(), list(fitted(train, s).predict(dev)), dev["target"].tolist())
                      for s in seeds]
        pred = np.empty(len(full), dtype=object)
        for k, (a, b) in enumerate(folds):
            pred[b] = fitted(full.iloc[a].reset_index(drop=True), k + 1).predict(full.iloc[b].reset_index(drop=True))
        cv = semeval_f_avg(full["y"].tolist(), list(pred), full["target"].tolist())
        print(f"| {C} | {np.mean([s['f_avg_pooled'] for s in dev_scores]):.3f} | "
              f"{np.mean([s['f_avg_macro_targets'] for s in dev_scores]):.3f} | {cv['f_avg_pooled']:.3f} | "
              f"{cv['f_avg_macro_targets']:.3f} |", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds for every trained run")
    ap.add_argument("--no-embedding", action="store_true", help="skip the embedding_logreg runs")
    ap.add_argument("--no-refit", action="store_true", help="skip the per-target run trained on train + dev")
    ap.add_argument("--tune", action="store_true", help="only print the dev / CV grid for the per-target C")
    args = ap.parse_args()
    os.chdir(ROOT)
    missing = missing_files()
    if missing:
        print("SemEval-2016 Task 6 data not found: " + ", ".join(missing) + ".\n"
              "Put the official subtask A files there (training data and the gold test data, tab-separated, "
              f"as distributed by the organisers; see {DATASET_CONFIG}). They are not shipped with the project.",
              file=sys.stderr)
        return 2
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    start = time.perf_counter()
    stance("build", str(DATASET_CONFIG))
    if args.tune:
        tune(seeds)
        return 0

    seed_arg = ",".join(str(s) for s in seeds)
    runs: list[tuple[str, str, Path]] = [  # name, description, run config
        ("tfidf_svm", "tfidf_svm, {text}", Path("configs/models/tfidf_svm.yaml")),
        ("tfidf_svm_target", "tfidf_svm, {target} | {text}",
         derived_config(Path("configs/models/tfidf_svm.yaml"), "tfidf_svm_target", template="{target} | {text}")),
        ("tfidf_svm_per_target", "per_group(target): tfidf_svm", PER_TARGET),
    ]
    why_not = "skipped (--no-embedding)" if args.no_embedding else embedding_available()
    if why_not is None:
        emb = {"type": "embedding_logreg", "params": {"template": "{target} | {text}"}}
        runs.append(("embedding_logreg_target", "embedding_logreg (MiniLM-L6), {target} | {text}",
                     derived_config(Path("configs/models/tfidf_svm.yaml"), "embedding_logreg_target", model=emb)))
        per = {"type": "per_group", "params": {"column": "target", "min_rows": 20,
                                               "model": {"type": "embedding_logreg", "params": {"template": "{text}"}}}}
        runs.append(("embedding_logreg_per_target", "per_group(target): embedding_logreg (MiniLM-L6)",
                     derived_config(Path("configs/models/tfidf_svm.yaml"), "embedding_logreg_per_target", model=per)))
        runs.append(("ensemble_per_target", "per_group(target): tfidf_svm + embedding_logreg (MiniLM-L6), "
                     "weights chosen on dev", Path("configs/models/ensemble_per_target.yaml")))
        mpnet_missing = encoder_available(MPNET)
        if mpnet_missing is None:  # the same per-target design on the larger encoder (`make encoders`)
            per_mpnet = copy.deepcopy(per)
            per_mpnet["params"]["model"]["params"]["model_path"] = MPNET
            runs.append(("embedding_mpnet_per_target", f"per_group(target): embedding_logreg ({MPNET})",
                         derived_config(Path("configs/models/tfidf_svm.yaml"), "embedding_mpnet_per_target",
                                        model=per_mpnet)))
        else:
            print(f"{MPNET}: {mpnet_missing} (`make encoders` installs it)")
    else:
        print(f"embedding_logreg: {why_not}")

    from stance.training.train import DataSection, load_task_data

    rows = [summarise("majority_per_target", "majority label of each target (train split)",
                      majority_per_target(DATASET), len(load_task_data(DataSection(path=DATASET)).splits["train"]))]
    run_dirs = []
    for name, description, config in runs:
        stance("train", str(config), "--data", str(DATASET), "--output-root", str(OUT), "--seeds", seed_arg)
        run_dir = OUT / yaml.safe_load(config.read_text(encoding="utf-8"))["name"]
        run_dirs.append(run_dir)
        n_train = json.loads((run_dir / "run.json").read_text())["rows"]["train"]
        rows.append(summarise(name, description, run_scores(run_dir), n_train))
    if not args.no_refit:
        scores, n_train = refit_scores(PER_TARGET, seeds)
        rows.insert(4, summarise("tfidf_svm_per_target_refit", "per_group(target): tfidf_svm, refit on train + dev",
                                 scores, n_train))
    stance("evaluate", *[str(d) for d in run_dirs], "--out", str(OUT / "evaluation"))

    md = table(rows)
    header = (f"# SemEval-2016 Task 6 subtask A (test: 1249 tweets)\n\nF_avg = mean F1 of FAVOR and AGAINST; "
              f"mean ± sample std over seeds {seed_arg}. Per-target columns: F_avg within each target. "
              f"Generated by benchmarks/semeval2016.py in {time.perf_counter() - start:.0f} s.\n\n")
    (OUT / "benchmark.md").write_text(header + md + "\n", encoding="utf-8")
    (OUT / "benchmark.json").write_text(json.dumps({"seeds": seeds, "rows": rows, "other_published": OTHER_PUBLISHED},
                                                   indent=2) + "\n", encoding="utf-8")
    print()
    print(header + md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
