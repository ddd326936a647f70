"""Quick start: the Python API on the sample study (`python docs/quickstart.py [output folder]` in the repo root)."""
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import stance

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="stance-quickstart-"))
actors = "configs/actors/russia_ukraine.yaml"

# 1. Statements and their speakers, from a plain string
text = '"We are ready to continue the negotiations," Kremlin spokesman Dmitry Peskov told reporters on Friday.'
for s in stance.extract(text, date="2025-05-16", actors=actors):
    print(f"{s.kind}: {s.speaker} [{s.actor_id}]: {s.text}")

# 2. The sample study's train/dev/test splits; a TF-IDF model (a config file) and an embedding model (a dict)
splits = stance.build_dataset("configs/datasets/negotiation.yaml", out / "dataset")
embedding = {"name": "embedding_logreg", "data": {"path": out / "dataset", "task": "stance"},
             "model": {"type": "embedding_logreg", "params": {"template": "{text}", "C": 4.0}}}
runs = [stance.train(config, dataset=out / "dataset", output_root=out / "runs", seeds=[1], log=lambda line: None)
        for config in ("configs/models/tfidf_svm.yaml", embedding)]

# 3. Test macro-F1 with 95% intervals over articles, and the paired difference
result = stance.evaluate(runs, out / "evaluation", n_boot=200, n_perm=200)
for name, r in result["runs"].items():
    f1 = r["macro_f1"]
    print(f"{name}: macro-F1 {f1['mean']:.3f} [{f1['ci_low']:.3f}, {f1['ci_high']:.3f}]")

# 4. One actor's predicted stance per quarter (the embedding model, on all of the actor's statements)
model = stance.load_model(runs[1])
statements = pd.concat([splits[name].to_pandas() for name in splits]).query("actor_id == 'zelensky'")
quarter = pd.PeriodIndex(pd.to_datetime(statements["date"]), freq="Q").astype(str)
shares = pd.crosstab(quarter, model.predict(statements), normalize="index", rownames=["quarter"], colnames=["stance"])
ax = shares.plot(marker="o", title="Zelensky: predicted stance toward negotiation", ylabel="share of statements")
plt.savefig(out / "zelensky_timeline.png", bbox_inches="tight")
print("written to", out)
