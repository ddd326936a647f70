"""Word and character n-gram TF-IDF features, computed by compiled (Numba) kernels.

`NgramTfidf` gives the same features as scikit-learn's
`TfidfVectorizer(analyzer=..., ngram_range=..., sublinear_tf=True, lowercase=True)` (same
tokens, same n-grams, same smoothed idf, l2 rows; the column order differs). `WordCharTfidf`
is the union of a word and a character block, each l2-normalised on its own, like a
scikit-learn `FeatureUnion` of the two vectorizers, but it writes the joined rows directly
instead of stacking two matrices.

An n-gram is identified by a 64-bit rolling hash of its characters (or of its tokens' ids);
two distinct n-grams would have to share all 64 bits to be merged. Each text is scanned once
per analyzer: n-gram hashes are looked up in an open-addressing table, the columns of one row
are counted and radix-sorted, and the row is weighted and normalised in place. The kernels release
the GIL, so chunks of texts are transformed on several threads.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Literal, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numba import njit
from sklearn.base import BaseEstimator, TransformerMixin

WHITESPACE_RUNS = re.compile(r"\s\s+")  # scikit-learn's char-analyzer normalisation
_PRIME = np.uint64(1099511628211)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_EMPTY = np.uint64(0)
CHUNK = 2048  # texts per kernel call (and per thread task)
# (added to the first unit, added to every later unit) of the rolling hash, per analyzer
_CHAR_ADD = (np.uint64(7), np.uint64(0))
_WORD_ADD = (np.uint64(11), np.uint64(11))


def _salt(n: int) -> np.uint64:
    return np.uint64((0x51ED27 * (n + 1)) & 0xFFFFFFFFFFFF)


def _salts(hi: int) -> np.ndarray:
    return np.array([_salt(n) for n in range(hi + 1)], dtype=np.uint64)


@lru_cache(maxsize=1)
def word_characters() -> np.ndarray:
    """For every code point, whether `re`'s \\w matches it (str.isalnum() or underscore)."""
    table = np.fromiter((chr(c).isalnum() for c in range(0x110000)), dtype=np.bool_, count=0x110000)
    table[ord("_")] = True
    return table


class HashIndex:
    """Exact lookup from 64-bit keys to positions 0..len(keys)-1 (open addressing, vectorised)."""

    def __init__(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        if (keys == _EMPTY).any():
            raise ValueError("key 0 is reserved")
        self.bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
        size = 1 << self.bits
        self.slots = np.zeros(size, dtype=np.uint64)
        self.values = np.full(size, -1, dtype=np.int32)
        pending = np.arange(len(keys))
        slot = self._home(keys)
        while len(pending):
            s = slot[pending]
            free = self.slots[s] == _EMPTY
            # among keys aiming at the same free slot, the first one wins this round
            cand, first = np.unique(s[free], return_index=True)
            winners = pending[free][first]
            self.slots[cand] = keys[winners]
            self.values[cand] = winners
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & (size - 1)

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * _MIX) >> np.uint64(64 - self.bits)).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Positions of `keys`, -1 for keys not in the index."""
        keys = np.asarray(keys, dtype=np.uint64)
        out = np.empty(len(keys), dtype=np.int32)
        _lookup_many(keys, self.slots, self.values, self.bits, out)
        return out


# -- compiled kernels -------------------------------------------------------------------------
@njit(nogil=True, cache=True)
def _lookup(key, slots, values, bits):
    mask = len(slots) - 1
    slot = np.int64((key * _MIX) >> np.uint64(64 - bits))
    while True:
        found = slots[slot]
        if found == key:
            return values[slot]
        if found == _EMPTY:
            return -1
        slot = (slot + 1) & mask


@njit(nogil=True, cache=True)
def _lookup_many(keys, slots, values, bits, out):
    for i in range(len(keys)):
        out[i] = _lookup(keys[i], slots, values, bits)


@njit(nogil=True, cache=True)
def _token_hash(codes, s, e):
    h = _FNV_OFFSET
    for i in range(s, e):
        h = (h ^ np.uint64(codes[i])) * _PRIME
    return h if h != _EMPTY else np.uint64(1)


@njit(nogil=True, cache=True)
def _token_spans(codes, s, e, is_word, starts_out, ends_out):
    """Tokens of codes[s:e] (maximal runs of two or more word characters); returns their count."""
    n = 0
    i = s
    while i < e:
        if is_word[codes[i]]:
            j = i + 1
            while j < e and is_word[codes[j]]:
                j += 1
            if j - i >= 2:
                starts_out[n] = i
                ends_out[n] = j
                n += 1
            i = j
        else:
            i += 1
    return n


@njit(nogil=True, cache=True)
def _all_tokens(codes, starts, is_word):
    """(start, end, hash) of every token of every text, texts in order."""
    t_starts = np.empty(len(codes) + 1, dtype=np.int64)
    t_ends = np.empty(len(codes) + 1, dtype=np.int64)
    n = 0
    for d in range(len(starts) - 1):
        n += _token_spans(codes, starts[d], starts[d + 1], is_word, t_starts[n:], t_ends[n:])
    hashes = np.empty(n, dtype=np.uint64)
    for t in range(n):
        hashes[t] = _token_hash(codes, t_starts[t], t_ends[t])
    return t_starts[:n].copy(), t_ends[:n].copy(), hashes


@njit(nogil=True, cache=True)
def _doc_units(codes, s, e, is_char, is_word, tok_slots, tok_values, tok_bits, units, t_starts, t_ends):
    """The units n-grams are made of: characters, or token ids (-1 for a token not in the index)."""
    if is_char:
        for i in range(s, e):
            units[i - s] = codes[i]
        return e - s
    n = _token_spans(codes, s, e, is_word, t_starts, t_ends)
    for t in range(n):
        units[t] = _lookup(_token_hash(codes, t_starts[t], t_ends[t]), tok_slots, tok_values, tok_bits)
    return n


@njit(nogil=True, cache=True)
def _doc_keys(units, n_units, lo, hi, salts, first_add, step_add, out):
    """Hash keys of every n-gram (lo <= n <= hi) of units[:n_units]; windows with a unit < 0 are skipped."""
    k = 0
    for i in range(n_units):
        if units[i] < 0:
            continue
        h = np.uint64(units[i]) + first_add
        for n in range(1, hi + 1):
            j = i + n - 1
            if j >= n_units or units[j] < 0:
                break
            if n > 1:
                h = h * _PRIME + (np.uint64(units[j]) + step_add)
            if n >= lo:
                out[k] = h ^ salts[n]
                k += 1
    return k


@njit(nogil=True, cache=True)
def _all_keys(codes, starts, is_char, lo, hi, salts, first_add, step_add, is_word, tok_slots, tok_values, tok_bits):
    """(document index, n-gram key) of every n-gram of every text."""
    n_docs = len(starts) - 1
    longest = 0
    for d in range(n_docs):
        longest = max(longest, starts[d + 1] - starts[d])
    width = hi - lo + 1
    docs = np.empty(len(codes) * width, dtype=np.int32)
    keys = np.empty(len(codes) * width, dtype=np.uint64)
    units = np.empty(longest + 1, dtype=np.int64)
    t_starts = np.empty(longest + 1, dtype=np.int64)
    t_ends = np.empty(longest + 1, dtype=np.int64)
    buf = np.empty(longest * width + 1, dtype=np.uint64)
    total = 0
    for d in range(n_docs):
        n_units = _doc_units(codes, starts[d], starts[d + 1], is_char, is_word, tok_slots, tok_values, tok_bits,
                             units, t_starts, t_ends)
        k = _doc_keys(units, n_units, lo, hi, salts, first_add, step_add, buf)
        docs[total: total + k] = d
        keys[total: total + k] = buf[:k]
        total += k
    return docs[:total].copy(), keys[:total].copy()


@njit(nogil=True, cache=True)
def _sort_small(values, n, tmp, n_bits):
    """Sort values[:n] (non-negative, below 2**n_bits) in place: LSD radix sort, 8 bits a pass."""
    counts = np.zeros(256, dtype=np.int64)
    src, dst = values, tmp
    shift = 0
    while shift < n_bits:
        counts[:] = 0
        for i in range(n):
            counts[(src[i] >> shift) & 255] += 1
        total = 0
        for b in range(256):
            c = counts[b]
            counts[b] = total
            total += c
        for i in range(n):
            b = (src[i] >> shift) & 255
            dst[counts[b]] = src[i]
            counts[b] += 1
        src, dst = dst, src
        shift += 8
    if src is not values:  # an odd number of passes left the result in tmp
        for i in range(n):
            values[i] = src[i]


@njit(nogil=True, cache=True)
def _tfidf_rows(codes, starts, is_char, lo, hi, salts, first_add, step_add, is_word, tok_slots, tok_values, tok_bits,
                slots, values, bits, idf, log_tf):
    """(indptr, indices, data) of the l2-normalised sublinear TF-IDF rows of the texts.

    A row's n-grams are counted in a dense scratch array (one slot per column, reset after the
    row); its distinct columns are radix-sorted, so the cost per row does not grow with the
    vocabulary.
    """
    n_docs = len(starts) - 1
    longest = 0
    for d in range(n_docs):
        longest = max(longest, starts[d + 1] - starts[d])
    width = hi - lo + 1
    n_cols = len(idf)
    n_bits = 1
    while (1 << n_bits) < n_cols:
        n_bits += 1
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    indices = np.empty(len(codes) * width, dtype=np.int32)
    data = np.empty(len(codes) * width, dtype=np.float64)
    units = np.empty(longest + 1, dtype=np.int64)
    t_starts = np.empty(longest + 1, dtype=np.int64)
    t_ends = np.empty(longest + 1, dtype=np.int64)
    keys = np.empty(longest * width + 1, dtype=np.uint64)
    distinct = np.empty(longest * width + 1, dtype=np.int32)
    scratch = np.empty(longest * width + 1, dtype=np.int32)
    count = np.zeros(n_cols, dtype=np.int32)
    nnz = 0
    for d in range(n_docs):
        n_units = _doc_units(codes, starts[d], starts[d + 1], is_char, is_word, tok_slots, tok_values, tok_bits,
                             units, t_starts, t_ends)
        k = _doc_keys(units, n_units, lo, hi, salts, first_add, step_add, keys)
        m = 0
        for q in range(k):
            col = _lookup(keys[q], slots, values, bits)
            if col >= 0:
                if count[col] == 0:
                    distinct[m] = col
                    m += 1
                count[col] += 1
        _sort_small(distinct, m, scratch, n_bits)
        norm2 = 0.0
        for q in range(m):
            col = distinct[q]
            v = log_tf[count[col]] * idf[col]
            count[col] = 0
            indices[nnz + q] = col
            data[nnz + q] = v
            norm2 += v * v
        if m:
            norm = np.sqrt(norm2)
            for z in range(nnz, nnz + m):
                data[z] /= norm
        nnz += m
        indptr[d + 1] = nnz
    return indptr, indices[:nnz].copy(), data[:nnz].copy()


@njit(nogil=True, cache=True)
def _join_rows(indptr_a, indices_a, data_a, indptr_b, indices_b, data_b, offset_b):
    """Row-wise concatenation [A | B] of two CSR matrices with the same rows; B's columns shift by offset_b."""
    n = len(indptr_a) - 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.empty(len(indices_a) + len(indices_b), dtype=np.int32)
    data = np.empty(len(indices_a) + len(indices_b), dtype=np.float64)
    z = 0
    for r in range(n):
        for q in range(indptr_a[r], indptr_a[r + 1]):
            indices[z] = indices_a[q]
            data[z] = data_a[q]
            z += 1
        for q in range(indptr_b[r], indptr_b[r + 1]):
            indices[z] = indices_b[q] + offset_b
            data[z] = data_b[q]
            z += 1
        indptr[r + 1] = z
    return indptr, indices, data


# -- text preparation -------------------------------------------------------------------------
def _prepare(texts: list[str]) -> tuple[str, np.ndarray, np.ndarray]:
    """Lower-cased texts with whitespace runs collapsed, joined; their code points; text offsets.

    Collapsing whitespace is scikit-learn's char-analyzer normalisation; it does not change the
    word tokens, so both analyzers read the same codes.
    """
    texts = [WHITESPACE_RUNS.sub(" ", t.lower()) for t in texts]
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=starts[1:])
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    return joined, codes, starts


def _log_tf(starts: np.ndarray) -> np.ndarray:
    """[i] = 1 + log(i) for every count an n-gram can reach in one of these texts ([0] unused)."""
    longest = int(np.diff(starts).max()) if len(starts) > 1 else 0
    table = np.zeros(longest + 2, dtype=np.float64)
    table[1:] = np.log(np.arange(1, longest + 2, dtype=np.float64)) + 1.0
    return table


_NO_TOKENS = HashIndex(np.zeros(0, dtype=np.uint64))


class NgramTfidf(TransformerMixin, BaseEstimator):
    """Sublinear TF-IDF over word or character n-grams, l2-normalised rows.

    Parameters mirror scikit-learn's TfidfVectorizer: `analyzer` "word" (tokens of two or more
    word characters) or "char" (characters after collapsing whitespace runs), `ngram_range`,
    `min_df` (documents an n-gram must appear in) and `max_features` (keep the most frequent).
    `n_threads` transforms chunks of texts in parallel; the result does not depend on it.
    """

    def __init__(self, analyzer: Literal["word", "char"] = "word", ngram_range: tuple[int, int] = (1, 1),
                 min_df: int = 1, max_features: int | None = None, n_threads: int = 1) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.n_threads = n_threads

    # -- kernel arguments ------------------------------------------------------------------
    def _is_char(self) -> bool:
        if self.analyzer not in ("word", "char"):
            raise ValueError(f"analyzer must be 'word' or 'char', not {self.analyzer!r}")
        return self.analyzer == "char"

    def _token_index(self) -> HashIndex:
        if self._is_char():
            return _NO_TOKENS
        if getattr(self, "_tokens", None) is None:  # each token is one text of its own characters
            codes = np.frombuffer("".join(self.tokens_).encode("utf-32-le"), dtype=np.uint32)
            starts = np.zeros(len(self.tokens_) + 1, dtype=np.int64)
            np.cumsum([len(t) for t in self.tokens_], out=starts[1:])
            self._tokens = HashIndex(_all_tokens(codes, starts, word_characters())[2])
        return self._tokens

    def _scan_args(self) -> tuple[bool, int, int, np.ndarray, np.uint64, np.uint64, np.ndarray, np.ndarray,
                                  np.ndarray, int]:
        lo, hi = (int(v) for v in self.ngram_range)
        if not 1 <= lo <= hi:
            raise ValueError(f"ngram_range must be (lo, hi) with 1 <= lo <= hi, not {self.ngram_range!r}")
        is_char = self._is_char()
        first_add, step_add = _CHAR_ADD if is_char else _WORD_ADD
        tokens = self._token_index()
        return (is_char, lo, hi, _salts(hi), first_add, step_add, word_characters(),
                tokens.slots, tokens.values, tokens.bits)

    # -- scikit-learn API --------------------------------------------------------------
    def fit(self, X, y=None) -> "NgramTfidf":
        """Learn the n-gram vocabulary and idf weights from the texts in X."""
        texts = _as_texts(X)
        joined, codes, starts = _prepare(texts)
        if not self._is_char():  # token ids in order of first appearance
            t_starts, t_ends, hashes = _all_tokens(codes, starts, word_characters())
            _, first = np.unique(hashes, return_index=True)
            first.sort()
            self.tokens_ = [joined[t_starts[i]:t_ends[i]] for i in first]
            self._tokens = HashIndex(hashes[first])
        docs, keys = _all_keys(codes, starts, *self._scan_args())
        pairs = np.unique(np.stack([keys, docs.astype(np.uint64)]), axis=1)
        vocab, df = np.unique(pairs[0], return_counts=True)
        keep = df >= self.min_df
        vocab, df = vocab[keep], df[keep]
        if self.max_features is not None and len(vocab) > self.max_features:
            order = np.lexsort((vocab, -df))[: self.max_features]
            order.sort()
            vocab, df = vocab[order], df[order]
        if len(vocab) == 0:
            raise ValueError("empty vocabulary: the texts contain no n-grams of the requested kind")
        n_docs = len(texts)
        self.keys_ = vocab
        self.idf_ = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float64)
        self._index = HashIndex(vocab)
        return self

    def transform(self, X) -> sp.csr_matrix:
        """Sparse TF-IDF matrix, one l2-normalised row per text."""
        texts = _as_texts(X)
        parts = _map_chunks(lambda prepared: self._rows(*prepared), texts, self.n_threads)
        return _stack_rows(parts, len(texts), len(self.keys_))

    def _rows(self, codes: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, indices, data) of the rows of prepared texts."""
        if getattr(self, "_index", None) is None:
            self._index = HashIndex(self.keys_)
        index = self._index
        return _tfidf_rows(codes, starts, *self._scan_args(), index.slots, index.values, index.bits, self.idf_,
                           _log_tf(starts))

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_index", None)  # lookup tables are rebuilt from keys_ and tokens_ on first use
        state.pop("_tokens", None)
        return state


class WordCharTfidf(TransformerMixin, BaseEstimator):
    """[word n-gram block | character n-gram block], each block a `NgramTfidf` with its own l2 norm.

    The same features as scikit-learn's `FeatureUnion` of a word and a char TfidfVectorizer
    (sublinear tf); `min_df` and `max_features` apply to each block.
    """

    def __init__(self, word_ngrams: tuple[int, int] = (1, 3), char_ngrams: tuple[int, int] = (2, 5),
                 min_df: int = 1, max_features: int | None = None, n_threads: int = 1) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.n_threads = n_threads

    def fit(self, X, y=None) -> "WordCharTfidf":
        """Fit the word and the character block on the texts in X."""
        texts = _as_texts(X)
        # the ranges may arrive as lists (set_params, a JSON/YAML round trip): pass them on as tuples
        word_ngrams = cast("tuple[int, int]", tuple(self.word_ngrams))
        char_ngrams = cast("tuple[int, int]", tuple(self.char_ngrams))
        self.word_ = NgramTfidf("word", word_ngrams, self.min_df, self.max_features).fit(texts)
        self.char_ = NgramTfidf("char", char_ngrams, self.min_df, self.max_features).fit(texts)
        return self

    def transform(self, X) -> sp.csr_matrix:
        """Sparse matrix [word TF-IDF | char TF-IDF], one row per text."""
        texts = _as_texts(X)
        n_word = len(self.word_.keys_)

        def rows(prepared):
            return _join_rows(*self.word_._rows(*prepared), *self.char_._rows(*prepared), n_word)

        parts = _map_chunks(rows, texts, self.n_threads)
        return _stack_rows(parts, len(texts), n_word + len(self.char_.keys_))


def _map_chunks(fn, texts: list[str], n_threads: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """fn(codes, starts) over chunks of CHUNK texts, on up to n_threads threads, in order."""
    chunks = [texts[i:i + CHUNK] for i in range(0, len(texts), CHUNK)]

    def run(chunk: list[str]):
        _, codes, starts = _prepare(chunk)
        return fn((codes, starts))

    if n_threads > 1 and len(chunks) > 1:  # the kernels release the GIL: chunks run in parallel
        with ThreadPoolExecutor(n_threads) as pool:
            return list(pool.map(run, chunks))
    return [run(c) for c in chunks]


def _stack_rows(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_rows: int, n_cols: int) -> sp.csr_matrix:
    if not parts:
        return sp.csr_matrix((n_rows, n_cols))
    indptr = [parts[0][0]]
    offset = parts[0][0][-1]
    for p in parts[1:]:
        indptr.append(p[0][1:] + offset)
        offset += p[0][-1]
    matrix = sp.csr_matrix((np.concatenate([p[2] for p in parts]), np.concatenate([p[1] for p in parts]),
                            np.concatenate(indptr)), shape=(n_rows, n_cols))
    matrix.has_sorted_indices = True  # each block's columns are sorted, and blocks follow in order
    return matrix


def _as_texts(X) -> list[str]:
    if isinstance(X, pd.DataFrame):
        raise TypeError("NgramTfidf takes a sequence of strings, not a DataFrame")
    return ["" if t is None else str(t) for t in X]
