"""An on-disk cache of sentence embeddings, so that a frozen encoder embeds each input once.

Embeddings live in one SQLite file (`<cache dir>/embeddings.sqlite`, safe for concurrent
readers and writers), keyed by a namespace that fixes everything the vector depends on
(encoder fingerprint, pooling, normalisation, maximum length, batching, thread count,
hidden layers) and the
sha256 of the input text. Vectors are float32 bytes. The cache folder is `cache_dir` when given, else
`$STANCE_CACHE_DIR`, else `~/.cache/stance`.

Encoders here embed one text at a time by default (`SentenceEncoder(batch_size=1)`): the
vector of a text then does not depend on which other texts shared its batch, so results are
bit-identical whether a vector came from the cache or was just computed.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import warnings
from pathlib import Path

import numpy as np

from stance.models.encoders import SentenceEncoder

_SCHEMA = "CREATE TABLE IF NOT EXISTS embeddings (namespace TEXT, key TEXT, vector BLOB, PRIMARY KEY (namespace, key))"


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The cache folder: `cache_dir`, else $STANCE_CACHE_DIR, else ~/.cache/stance."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    env = os.environ.get("STANCE_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "stance"


_warned: set[str] = set()


def _warn(path: Path, exc: Exception) -> None:
    if str(path) not in _warned:
        _warned.add(str(path))
        warnings.warn(f"embedding cache {path} is not usable ({exc}); embeddings are computed without it",
                      stacklevel=3)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Float32 vectors by (namespace, text) in one SQLite file."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.path = cache_root(directory) / "embeddings.sqlite"

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=60)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(_SCHEMA)
        return con

    def get(self, namespace: str, texts: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors of `texts` (by text key); texts not cached are absent."""
        keys = sorted({text_key(t) for t in texts})
        found: dict[str, np.ndarray] = {}
        try:
            con = self._connect()
        except (sqlite3.Error, OSError) as exc:
            _warn(self.path, exc)
            return found  # an unreadable cache is a cold cache
        with con:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                rows = con.execute(f"SELECT key, vector FROM embeddings WHERE namespace = ? AND key IN "
                                   f"({','.join('?' * len(chunk))})", [namespace, *chunk]).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        con.close()
        return found

    def put(self, namespace: str, texts: list[str], vectors: np.ndarray) -> None:
        """Store the vectors of `texts` (rows of `vectors`)."""
        try:
            con = self._connect()
            with con:
                con.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                                [(namespace, text_key(t), np.asarray(v, dtype=np.float32).tobytes())
                                 for t, v in zip(texts, vectors)])
            con.close()
        except (sqlite3.Error, OSError) as exc:
            _warn(self.path, exc)  # a read-only or full disk costs speed, never results


def encoder_namespace(encoder: SentenceEncoder) -> str:
    """What an embedding depends on besides its text."""
    # the thread count changes the order of float reductions, so it is part of what a vector depends on
    namespace = (f"{encoder.fingerprint}|pool={encoder.pooling}|norm={int(encoder.normalize)}"
                 f"|max={encoder.max_length}|batch={'single' if encoder.batch_size == 1 else 'multi'}"
                 f"|threads={encoder.threads}")
    if encoder.layers != (-1,):  # the last layer alone keeps the namespace vectors were cached under before
        namespace += "|layers=" + ",".join(map(str, encoder.layers))
    return namespace


def embed(encoder: SentenceEncoder, texts: list[str], cache: EmbeddingCache | None = None) -> np.ndarray:
    """(n, dim) float32 embeddings of `texts`, taken from `cache` where present; new ones are stored."""
    if cache is None:
        return encoder.encode(texts)
    namespace = encoder_namespace(encoder)
    found = cache.get(namespace, texts)
    todo = list(dict.fromkeys(t for t in texts if text_key(t) not in found))
    if todo:
        vectors = encoder.encode(todo)
        cache.put(namespace, todo, vectors)
        found.update({text_key(t): v for t, v in zip(todo, vectors)})
    if not texts:
        return encoder.encode([])
    return np.stack([found[text_key(t)] for t in texts]).astype(np.float32, copy=False)
