"""NgramTfidf and WordCharTfidf give the same features as scikit-learn's TfidfVectorizer, only faster."""
import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from stance.models.ngrams import NgramTfidf, WordCharTfidf, word_characters

TRAIN = [
    "We are ready to resume talks with Kyiv at any time.",
    "Talks are possible only if Russia withdraws its troops.",
    "There is nothing to discuss with them —  the summit is a waste of time.",
    "It is premature to talk about that.\n\nPeskov declined to comment.",
    "Russian forces shelled Kharkiv overnight, killing three civilians.",
    "«Мы готовы к переговорам», заявил Песков.",
    "",
]
NEW = [
    "Talks with Kyiv are possible only if the troops withdraw.",
    "An entirely unseen sentence about élan and Zürich.",
    "",
    "talks talks talks talks",
    "Кремль готов к переговорам.",
]


@pytest.mark.parametrize("analyzer,ngram_range", [("word", (1, 3)), ("char", (2, 5)), ("word", (2, 2))])
def test_same_features_as_scikit_learn(analyzer, ngram_range):
    sk = TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range, sublinear_tf=True).fit(TRAIN)
    ours = NgramTfidf(analyzer, ngram_range).fit(TRAIN)
    a, b = sk.transform(TRAIN + NEW), ours.transform(TRAIN + NEW)
    assert a.shape == b.shape
    # same features up to column order <=> same Gram matrix and same sorted values per row
    np.testing.assert_allclose((a @ a.T).toarray(), (b @ b.T).toarray(), atol=1e-12)
    for i in range(a.shape[0]):
        np.testing.assert_allclose(np.sort(a[i].data), np.sort(b[i].data), atol=1e-12)


def test_min_df_and_max_features_limit_the_vocabulary():
    sk = TfidfVectorizer(analyzer="word", ngram_range=(1, 1), sublinear_tf=True, min_df=2).fit(TRAIN)
    ours = NgramTfidf("word", (1, 1), min_df=2).fit(TRAIN)
    assert len(ours.keys_) == len(sk.vocabulary_)
    assert len(NgramTfidf("char", (2, 3), max_features=10).fit(TRAIN).keys_) == 10


def test_threads_and_chunking_do_not_change_the_result(monkeypatch):
    import stance.models.ngrams as ng

    texts = [f"{t} number {i}" for i, t in enumerate(TRAIN * 90)]
    one = NgramTfidf("char", (2, 5)).fit(texts).transform(texts)
    monkeypatch.setattr(ng, "CHUNK", 7)
    two = NgramTfidf("char", (2, 5), n_threads=2).fit(texts).transform(texts)
    assert (one != two).nnz == 0


def test_rows_without_known_ngrams_are_zero_and_empty_input_works():
    v = NgramTfidf("word", (1, 2)).fit(TRAIN)
    m = v.transform(["zzz qqq", "talks"])
    assert m[0].nnz == 0 and m[1].nnz == 1
    assert v.transform([]).shape == (0, len(v.keys_))
    with pytest.raises(ValueError, match="empty vocabulary"):
        NgramTfidf("word").fit(["", "a"])


def test_word_char_union_equals_scikit_learn_feature_union():
    from sklearn.pipeline import FeatureUnion

    sk = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 3), sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True)),
    ]).fit(TRAIN)
    ours = WordCharTfidf((1, 3), (2, 5)).fit(TRAIN)
    a, b = sk.transform(TRAIN + NEW).tocsr(), ours.transform(TRAIN + NEW)
    assert a.shape == b.shape
    np.testing.assert_allclose((a @ a.T).toarray(), (b @ b.T).toarray(), atol=1e-12)
    # the first block holds the word n-grams, each block carries its own unit norm
    n_word = len(sk.transformer_list[0][1].vocabulary_)
    assert len(ours.word_.keys_) == n_word
    word_block = b[:, :n_word].toarray()
    expected = ours.word_.transform(TRAIN + NEW).toarray()
    np.testing.assert_array_equal(word_block, expected)
    norms = np.linalg.norm(b[:, n_word:].toarray(), axis=1)
    np.testing.assert_allclose(norms[[0, 1, 7, 8]], 1.0)
    assert norms[6] == 0.0  # the empty text


def test_word_char_union_does_not_depend_on_threads_or_chunks(monkeypatch):
    import stance.models.ngrams as ng

    texts = [f"{t} item {i}" for i, t in enumerate(TRAIN * 60)]
    one = WordCharTfidf((1, 2), (2, 4)).fit(texts).transform(texts)
    monkeypatch.setattr(ng, "CHUNK", 5)
    two = WordCharTfidf((1, 2), (2, 4), n_threads=2).fit(texts).transform(texts)
    assert one.has_sorted_indices and (one != two).nnz == 0


def test_word_character_table_matches_the_re_module():
    import re

    table = word_characters()
    everything = "".join(map(chr, range(0x110000)))
    matched = np.zeros(0x110000, dtype=bool)
    matched[[ord(c) for c in re.findall(r"\w", everything)]] = True
    assert np.array_equal(table, matched)


def test_word_char_union_survives_a_skops_round_trip(tmp_path):
    from stance.models.persistence import load_skops, save_skops

    fitted = WordCharTfidf((1, 3), (2, 5)).fit(TRAIN)
    save_skops(fitted, tmp_path / "features.skops")
    loaded = load_skops(tmp_path / "features.skops")
    assert (loaded.transform(NEW) != fitted.transform(NEW)).nnz == 0
