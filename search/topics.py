"""Topic similarity: a latent semantic model of the listings' words, used to re-rank.

Words say what a listing is about only when both sides chose the same ones: a
paper on 深度学习 may never write the word, and a query of one firm's keywords
rarely repeats a lab's wording. The model (latent semantic analysis) learns from
the indexed listings themselves which words go together: the tf-idf matrix of
every listing's words, reduced by a truncated SVD to ``DIMENSIONS`` topics. A
text's *topic vector* is its words' tf-idf projected onto them; two texts on the
same subject point the same way even when they share few words.

How it is used (``rerank``): the first ``WINDOW`` results of a relevance ranking
(the search box, and a match list) are re-scored as

    score + WEIGHT · best score · max(0, cos(topic of the query, topic of the result))

where the query's topic is widened by the topics of its ``FEEDBACK_DOCS`` best
results (pseudo-relevance feedback in the topic space, no second round to the
index). In the search box each counts ``(its score / the best score) **
FEEDBACK_POWER``: a result that barely matched a few typed words says less about the
subject than the best one. A match list's query is a whole description, and there
weighting its feedback lost nDCG (``MATCH_FEEDBACK_POWER``: each counts alike).

The bonus is never negative, so a re-ranked score is never below the text score
it came from and results after the window keep their order and scores. No
index stores a vector: a result's topic vector is computed from the words the
ranking returns, so both backends re-rank the same way, and a listing indexed
after the model was fitted is covered at once (only words new to the site are
unknown to the model until it is fitted again).

The site's model is fitted from the database index (``refit``: after
``search_index --rebuild`` and daily by Celery beat) and stored in one row
(``search.TopicSpace``); every process loads the newest row, checking at most
every ``CHECK_SECONDS``. A site with fewer than ``MIN_DOCUMENTS`` listings has no
model, and rankings are then the text scores alone. Tuned on the development
benchmarks (docs/benchmarks.md).
"""

from __future__ import annotations

import io
import logging
import time
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import chain, repeat
from typing import TYPE_CHECKING

import numpy as np
from django.db import DatabaseError, transaction
from scipy import sparse

if TYPE_CHECKING:
    from search.backends.base import Ranked

logger = logging.getLogger(__name__)

DIMENSIONS = 300  # topics kept by the SVD
VOCABULARY = 50_000  # the most widespread words of the eligible ones
MIN_DF = 2  # a word of one listing says nothing about what goes together
MAX_SHARE = 0.3  # words in more than this share of the listings carry no topic
MIN_DOCUMENTS = 1000  # fewer listings: no model (too few to learn from)
WINDOW = 30  # results re-ranked
WEIGHT = 0.3  # the topic bonus, as a share of the best text score
FEEDBACK_DOCS = 10  # best results whose topics widen the query's
FEEDBACK_WEIGHT = 1.0
FEEDBACK_POWER = 2  # search box: how much a feedback result's share of the best score counts
MATCH_FEEDBACK_POWER = 0  # match lists: every feedback result counts alike
CHECK_SECONDS = 30.0
SEED = 20261128  # the same listings give the same model
_ITERATIONS = 4  # power iterations of the randomised SVD
_OVERSAMPLE = 20


@dataclass(eq=False)
class TopicModel:
    """Word → topic projection: ``projection[i]`` is the topic row of ``words[i]``.

    Stored in half precision; held in single precision, because converting the rows a
    re-ranking reads cost more than the rest of it (1.2 of 3.9 ms for 30 results at
    100k listings) and the copy is 25 MB more a process at 42,000 words."""

    words: list[str]
    idf: np.ndarray  # float32, one per word
    projection: np.ndarray  # words × dimensions: float16 values, held as float32
    documents: int

    def __post_init__(self) -> None:
        self.projection = np.ascontiguousarray(self.projection, dtype=np.float32)
        self.idf = np.asarray(self.idf, dtype=np.float32)  # keeps the products in float32
        self._index = {w: i for i, w in enumerate(self.words)}

    @property
    def dimensions(self) -> int:
        return int(self.projection.shape[1])

    def vectors(self, texts: list[Iterable[str]]) -> np.ndarray:
        """The unit topic vector of each text's words (texts × dimensions); a text with
        no known word has a zero row. One product for all the texts."""
        texts = [words if isinstance(words, list) else list(words) for words in texts]
        # Each word's number, -1 for a word the model does not know (the lookups stay in C).
        ids = np.fromiter(
            chain.from_iterable(map(self._index.get, words, repeat(-1)) for words in texts),
            dtype=np.int64,
            count=sum(map(len, texts)),
        )
        text_of = np.repeat(np.arange(len(texts), dtype=np.int64), list(map(len, texts)))
        known_ids = ids >= 0
        if not known_ids.any():
            return np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # (text, word) pairs with their counts, sorted by text and then word: the rows of
        # a CSR matrix as they come, built directly (no COO conversion), and multiplied by
        # the whole projection, whose rows the product reads in place (no gathered copy):
        # the same sums, in less time (docs/benchmarks.md, ninth pass). The values stay
        # float32, like the projection: other values would make SciPy convert all of it.
        pairs = text_of[known_ids] * len(self.words) + ids[known_ids]
        pairs, counts = np.unique(pairs, return_counts=True)
        rows, cols = np.divmod(pairs, len(self.words))
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        tfidf = sparse.csr_matrix(
            ((1 + np.log(counts)).astype(np.float32) * self.idf[cols], cols, indptr),
            shape=(len(texts), len(self.words)),
        )
        out = np.asarray(tfidf @ self.projection, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1)

    def vector(self, words: Iterable[str]) -> np.ndarray | None:
        """The unit topic vector of a text's words, or None if it has no known word."""
        vec = self.vectors([words])[0]
        return vec if vec.any() else None

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez_compressed(
            out,
            words=np.frombuffer("\n".join(self.words).encode(), dtype=np.uint8),
            idf=self.idf,
            projection=self.projection.astype(np.float16),
            documents=np.asarray([self.documents]),
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TopicModel:
        with np.load(io.BytesIO(data)) as z:
            return cls(
                words=z["words"].tobytes().decode().split("\n"),
                idf=z["idf"],
                projection=z["projection"],
                documents=int(z["documents"][0]),
            )


def fit(word_streams: Iterable[str], *, dimensions: int | None = None) -> TopicModel | None:
    """A model of these texts (each the space-separated ``words`` of one listing), or
    None if there are fewer than ``MIN_DOCUMENTS`` or too few words to learn from."""
    ids: dict[str, int] = {}  # every word seen → a number (one string per word in memory)
    rows, cols, counts = array("i"), array("i"), array("i")  # compact: 10 M entries at 100k
    n = 0
    for n, stream in enumerate(word_streams, start=1):
        for word, count in Counter(stream.split()).items():
            rows.append(n - 1)
            cols.append(ids.setdefault(word, len(ids)))
            counts.append(count)
    if n < max(MIN_DOCUMENTS, 2):
        return None
    row, col = np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32)
    df = np.bincount(col, minlength=len(ids))
    eligible = np.flatnonzero((df >= MIN_DF) & (df <= MAX_SHARE * n))
    # The most widespread first (ties by word, so the same listings give the same model).
    words_of = np.asarray(list(ids), dtype=object)
    order = sorted(eligible.tolist(), key=lambda i: (-df[i], words_of[i]))[:VOCABULARY]
    k = min(dimensions or DIMENSIONS, n - 1, len(order) - 1)
    if k < 2:
        return None
    column = np.full(len(ids), -1, dtype=np.int32)
    column[order] = np.arange(len(order), dtype=np.int32)
    idf = np.log(n / df[order]).astype(np.float32)
    keep = column[col] >= 0
    row, col = row[keep], column[col[keep]]
    values = (1 + np.log(np.frombuffer(counts, dtype=np.int32)[keep].astype(np.float32))) * idf[col]
    x = sparse.csr_matrix((values, (row, col)), shape=(n, len(order)), dtype=np.float32)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sparse.diags(1 / np.where(norms > 0, norms, 1)).astype(np.float32) @ x
    return TopicModel(
        words=[str(w) for w in words_of[order]],
        idf=idf,
        projection=_right_singular_vectors(x, k).T.astype(np.float16),
        documents=n,
    )


def _right_singular_vectors(x: sparse.csr_matrix, k: int) -> np.ndarray:
    """The top ``k`` right singular vectors of ``x`` (k × columns): a randomised SVD
    (Halko, Martinsson & Tropp 2011) with power iterations, seeded."""
    rng = np.random.default_rng(SEED)
    size = min(k + _OVERSAMPLE, min(x.shape))
    basis = np.linalg.qr(x @ rng.standard_normal((x.shape[1], size), dtype=np.float32))[0]
    for _ in range(_ITERATIONS):
        basis = np.linalg.qr(x.T @ basis)[0]
        basis = np.linalg.qr(x @ basis)[0]
    small = np.asarray((x.T @ basis).T)  # size × columns
    return np.linalg.svd(small, full_matrices=False)[2][:k]


def rerank(
    items: list[Ranked],
    query_words: Iterable[str],
    model: TopicModel | None,
    *,
    feedback_power: float = FEEDBACK_POWER,
) -> list[Ranked]:
    """``items`` (best first, with their ``words``) with the first ``WINDOW`` re-scored
    and re-sorted by topic similarity to the query (module docstring)."""
    head = items[:WINDOW]
    if model is None or len(head) < 2 or head[0].score <= 0:
        return items
    # The query's vector in the same product as its results' (the last row).
    vectors = model.vectors([*(item.words.split() for item in head), list(query_words)])
    vectors, query = vectors[:-1], vectors[-1]
    direction = query if query.any() else None
    feedback = head[:FEEDBACK_DOCS]
    shares = np.array([max(0.0, item.score) for item in feedback], dtype=np.float32)
    centre = (shares / head[0].score) ** feedback_power @ vectors[: len(feedback)]
    if np.linalg.norm(centre) > 0:
        centre /= np.linalg.norm(centre)
        direction = centre * FEEDBACK_WEIGHT + (0 if direction is None else direction)
    if direction is None or not np.linalg.norm(direction) > 0:
        return items
    similarity = vectors @ (direction / np.linalg.norm(direction))
    bonus = WEIGHT * head[0].score
    scored = [
        replace(item, score=item.score + bonus * max(0.0, float(s)))
        for item, s in zip(head, similarity, strict=True)
    ]
    scored.sort(key=lambda item: -item.score)  # stable: ties keep the text order
    return scored + items[WINDOW:]


# --- the site's model ----------------------------------------------------------------------
_model: TopicModel | None = None
_model_id: int | None = None
_checked_at = float("-inf")


def current() -> TopicModel | None:
    """The newest stored model (re-read at most every ``CHECK_SECONDS``), or None."""
    global _model, _model_id, _checked_at
    now = time.monotonic()
    if now - _checked_at < CHECK_SECONDS:
        return _model
    _checked_at = now
    from search.models import TopicSpace

    try:
        with transaction.atomic():  # a failure must not break a surrounding transaction
            newest = TopicSpace.objects.order_by("-pk").values_list("pk", flat=True).first()
            if newest == _model_id:
                return _model
            data = TopicSpace.objects.filter(pk=newest).values_list("data", flat=True).first()
    except DatabaseError as exc:  # not migrated yet
        logger.warning("The topic model could not be read: %s", exc)
        return _model
    _model, _model_id = (TopicModel.from_bytes(bytes(data)), newest) if data else (None, None)
    return _model


def forget() -> None:
    """Drop this process's copy: the next ``current`` reads the database."""
    global _model, _model_id, _checked_at
    _model, _model_id, _checked_at = None, None, float("-inf")


def refit() -> TopicModel | None:
    """Fit the site's model on the database index and store it (replacing the old one).

    Returns the model, or None when the site has too few listings (any old model is
    then removed too: it describes listings that are gone)."""
    global _model, _model_id, _checked_at
    from search.models import SearchEntry, TopicSpace

    streams = SearchEntry.objects.values_list("words", flat=True).iterator(chunk_size=2000)
    model = fit(streams)
    with transaction.atomic():
        TopicSpace.objects.all().delete()
        row = (
            TopicSpace.objects.create(
                documents=model.documents,
                words=len(model.words),
                dimensions=model.dimensions,
                data=model.to_bytes(),
            )
            if model
            else None
        )
    _model, _model_id, _checked_at = model, row.pk if row else None, time.monotonic()
    return model
