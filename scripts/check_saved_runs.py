"""Every saved run of a study loads with the current code and predicts the test labels it recorded.

Usage: python scripts/check_saved_runs.py runs/negotiation   (the work_dir of an experiment)"""
import json
import sys
from pathlib import Path

from stance.api import load_model
from stance.training.train import DataSection, load_task_data

root = Path(sys.argv[1])
data = {}
bad = 0
for run in sorted((root / "runs").iterdir()):
    task = run.name.split("-", 1)[0]
    if task not in data:
        data[task] = load_task_data(DataSection(path=root / "dataset", task=task, train_sources=["gold", "weak"],
                                                eval_sources=["gold"])).splits["test"]
    test = data[task]
    seed = sorted(run.glob("seed_*"))[0]
    model = load_model(seed / "model")
    pred = [str(p) for p in model.predict(test)]
    lines = (seed / "predictions_test.jsonl").read_text().splitlines()
    rec = {r["statement_id"]: r["pred"] for r in map(json.loads, lines)}
    same = sum(rec[s] == p for s, p in zip(test["statement_id"], pred))
    print(f"{run.name:32s} {seed.name}: {same}/{len(test)} test labels as recorded")
    bad += same != len(test)
sys.exit(1 if bad else 0)
