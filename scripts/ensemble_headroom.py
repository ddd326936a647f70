"""How much an ensemble's weights could matter, measured on dev only (the test split is never read).

Fits every member of an ensemble config once on train (first seed), then scores on dev every
weighting of the members with weights in --levels (default 0 1 2 3), the config's own sweep
grid, and a stacker (`method: stack`, cross-fitted on train). If the best weighting is close to
the grid's best, the weights are not where the remaining error is.

Usage: python scripts/ensemble_headroom.py configs/models/ensemble.yaml --task stance
           [--dataset runs/negotiation/dataset] [--levels 0 1 2 3] [--top 5] [--no-stack]"""
from __future__ import annotations

import argparse
import itertools

import numpy as np
from sklearn.metrics import f1_score

from stance.models import make_model, model_class
from stance.training.train import DataSection, _align, load_run_config, load_task_data

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("config")
ap.add_argument("--task", default="stance", choices=["stance", "sentiment"])
ap.add_argument("--dataset", default="runs/negotiation/dataset")
ap.add_argument("--levels", type=float, nargs="+", default=[0, 1, 2, 3])
ap.add_argument("--top", type=int, default=5)
ap.add_argument("--no-stack", action="store_true")
args = ap.parse_args()

cfg = load_run_config(args.config)
if cfg.model.type != "ensemble":
    ap.error(f"{args.config} is a {cfg.model.type!r} config, not an ensemble")
data = load_task_data(DataSection(path=args.dataset, task=args.task))
train, dev, labels = data.splits["train"], data.splits["dev"], data.labels
seed = cfg.seeds[0]
params = dict(cfg.model.params)


def dev_probs(model) -> np.ndarray:
    return _align(model.predict_proba(dev), [str(c) for c in model.classes_], labels)


def macro_f1(probs: np.ndarray) -> float:
    return float(f1_score(dev["y"], [labels[i] for i in probs.argmax(1)], labels=labels, average="macro"))


members = []
for i, spec in enumerate(params["members"]):
    p = dict(spec["params"])
    if "seed" in model_class(spec["type"]).Params.model_fields:
        p["seed"] = seed
    m = make_model(spec["type"], p).fit(train, train["y"].tolist())
    members.append(dev_probs(m))
    print(f"member {i} ({spec['type']}): dev macro-F1 {macro_f1(members[-1]):.3f}", flush=True)

scored = sorted(((macro_f1(sum(w * p for w, p in zip(ws, members))), ws)
                 for ws in itertools.product(args.levels, repeat=len(members)) if sum(ws) > 0), reverse=True)
print(f"every weighting with weights in {args.levels} ({len(scored)}): best {args.top}")
for f1, ws in scored[:args.top]:
    print(f"  {f1:.3f}  {list(ws)}")
grid = (cfg.sweep.grid.get("weights") if cfg.sweep else None) or [params.get("weights") or [1] * len(members)]
best_grid = max((macro_f1(sum(w * p for w, p in zip(ws, members))), ws) for ws in grid)
print(f"the config's grid ({len(grid)} points): best {best_grid[0]:.3f} {best_grid[1]}")
if not args.no_stack:
    stack = make_model("ensemble", {**params, "method": "stack", "weights": None, "seed": seed})
    print(f"stacker (cross-fitted on train): {macro_f1(dev_probs(stack.fit(train, train['y'].tolist()))):.3f}")
