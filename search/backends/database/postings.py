"""A query scored from posting arrays with numpy: the BM25 formula and match rule of
``sql_postgres.scored_sql``, over a segment's documents plus the entries written
since (search/backends/database/segment.py).

Documents are numbered 0…size-1: the segment's ordinals, then the recent entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from search.backends.database import segment as seg
from search.backends.database.schema import FACET_COLUMNS
from search.backends.database.sql_postgres import K1, B
from search.query import FIELDS, GRAMS, TIE_BREAKER, Query


@dataclass
class Collection:
    """Every document a search may find: the segment's and the recent entries'."""

    ids: np.ndarray  # entry id per document
    live: np.ndarray  # False: removed since the segment (its postings are stale)
    types: np.ndarray  # index into type_names
    type_names: list[str]
    published: np.ndarray  # µs, seg.NULL_TIME when unpublished
    lengths: dict[str, np.ndarray]
    segment_facets: dict[str, seg.Facet]
    recent_rows: list[tuple]  # seg.recent_entries
    base: int  # documents 0…base-1 are the segment's
    segment: int
    max_entry: int

    @cached_property
    def facets(self) -> dict[str, seg.Facet]:
        """The segment's facet arrays with the recent entries' values after them (only
        for a search that shows facets)."""
        return _with_recent(self.segment_facets, self.base, self.recent_rows)

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def documents(self) -> int:
        """N of BM25: the entries there are now."""
        return int(self.live.sum())

    def average_length(self, field_name: str) -> float:
        n = self.documents
        return float(self.lengths[field_name][self.live].sum()) / n if n else 0.0

    def ordinals(self, entry_ids, *, recent: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers of the live documents among ``entry_ids`` (only the recent
        ones if ``recent``), and which of ``entry_ids`` they are."""
        wanted = np.asarray(entry_ids, dtype=np.int64)
        ords = np.full(len(wanted), -1, np.int64)
        # The recent entries first: an entry changed in place is also in the segment, stale.
        spans = [(self.base, self.size)] + ([] if recent else [(0, self.base)])
        for lo, hi in spans:
            part = self.ids[lo:hi]
            at = np.minimum(np.searchsorted(part, wanted), max(len(part) - 1, 0))
            if len(part):
                hit = (part[at] == wanted) & (ords < 0)
                ords[hit] = lo + at[hit]
        found = ords >= 0
        found[found] = self.live[ords[found]]
        return ords[found], found


def collection(cursor) -> Collection | None:
    docs = seg.current(cursor)
    if docs is None:
        return None
    removed = seg.removed_ids(cursor)
    recent = seg.recent_entries(cursor, docs)
    names = list(docs.doc_types)
    for row in recent:
        if row[1] not in names:
            names.append(row[1])
    code = {name: i for i, name in enumerate(names)}
    base_live = ~np.isin(docs.ids, removed) if len(removed) else np.ones(len(docs.ids), bool)
    return Collection(
        ids=np.concatenate([docs.ids, np.array([r[0] for r in recent], dtype=np.int64)]),
        live=np.concatenate([base_live, np.ones(len(recent), bool)]),
        types=np.concatenate([docs.types, np.array([code[r[1]] for r in recent], np.int16)]),
        type_names=names,
        published=np.concatenate(
            [
                docs.published,
                np.array([seg.NULL_TIME if r[2] is None else r[2] for r in recent], np.int64),
            ]
        ),
        lengths={
            f: np.concatenate([docs.lengths[f], np.array([r[3 + i] for r in recent], np.int32)])
            for i, f in enumerate(FIELDS)
        },
        segment_facets=docs.facets,
        recent_rows=recent,
        base=len(docs.ids),
        segment=docs.segment,
        max_entry=docs.max_entry,
    )


def _with_recent(
    facets: dict[str, seg.Facet], base: int, recent: list[tuple]
) -> dict[str, seg.Facet]:
    out = {}
    first = 3 + len(FIELDS)  # recent_entries: id, type, time, lengths, then the facets
    for i, (name, column) in enumerate(FACET_COLUMNS.items()):
        stored = facets[name]
        values = list(stored.values)
        code = {v: c for c, v in enumerate(values)}
        codes, owners = [], []
        for j, row in enumerate(recent):
            for value in seg.facet_values(column, row[first + i]):
                if value not in code:
                    code[value] = len(values)
                    values.append(value)
                codes.append(code[value])
                owners.append(base + j)
        out[name] = seg.Facet(
            values,
            np.concatenate([stored.codes, np.array(codes, np.int32)]),
            np.concatenate([stored.owners, np.array(owners, np.int32)]),
        )
    return out


def facet_counts(coll: Collection, docs: np.ndarray) -> dict[str, dict[str, int]]:
    """Facet counts of ``docs``, as ``count_facets`` gives them."""
    chosen = np.zeros(coll.size, bool)
    chosen[docs] = True
    out = {}
    for name, facet in coll.facets.items():
        found = np.bincount(facet.codes[chosen[facet.owners]], minlength=len(facet.values))
        counts = {facet.values[c]: int(n) for c, n in enumerate(found) if n}
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def posting_lists(cursor, coll: Collection, wanted: dict[str, list[str]]) -> dict:
    """``(field, term) → (documents, tfs)`` over the collection, live documents only."""
    lists: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}
    for key, (ords, tfs) in seg.postings(cursor, coll.segment, wanted).items():
        keep = coll.live[ords]
        lists.setdefault(key, []).append((ords[keep], tfs[keep]))
    rows = seg.recent_postings(cursor, coll.max_entry, wanted) if coll.size > coll.base else []
    by_key: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
    for field_name, entry_id, term, tf in rows:
        ids, tfs = by_key.setdefault((field_name, term), ([], []))
        ids.append(entry_id)
        tfs.append(tf)
    for key, (ids, tfs) in by_key.items():
        ords, found = coll.ordinals(ids, recent=True)
        lists.setdefault(key, []).append((ords, np.array(tfs, dtype=np.int16)[found]))
    return {
        key: (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
        for key, parts in lists.items()
    }


def score(query: Query, coll: Collection, lists: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, matched)`` per document, as ``scored_sql`` computes them."""
    size, n = coll.size, coll.documents
    avg = {f: max(coll.average_length(f), 1.0) for f in FIELDS}
    weights: dict[tuple[str, str], np.ndarray] = {}  # idf · tf part per posting
    for (f, t), (ords, tfs) in lists.items():
        df = len(ords)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        tf = tfs.astype(np.float64)
        length = coll.lengths[f][ords]
        weights[(f, t)] = idf * tf * (K1 + 1) / (tf + K1 * ((1 - B) + B * length / avg[f]))
    # Per group and kind of evidence (word or gram): the postings and their weights.
    groups: dict[int, dict[bool, list[tuple[np.ndarray, np.ndarray]]]] = {}
    word_docs, gram_docs, counted = [], [], set()
    for c, group in zip(query.clauses, query.groups(), strict=True):
        key, is_gram = (c.field, c.term), c.field == GRAMS
        if key not in lists:
            continue
        ords = lists[key][0]
        groups.setdefault(group, {}).setdefault(is_gram, []).append((ords, c.weight * weights[key]))
        if not is_gram:
            word_docs.append(ords)
        elif c.term not in counted:  # a gram counts once toward min_grams
            counted.add(c.term)
            gram_docs.append(ords)
    total = np.zeros(size)
    for kinds in groups.values():
        sums = [
            np.bincount(
                np.concatenate([p[0] for p in parts]),
                weights=np.concatenate([p[1] for p in parts]),
                minlength=size,
            )
            for parts in kinds.values()
        ]
        if len(sums) == 2:  # max of the two kinds, plus TIE_BREAKER × the other
            high = np.maximum(sums[0], sums[1])
            total += high + TIE_BREAKER * (sums[0] + sums[1] - high)
        else:
            total += sums[0]
    has_word = _any(word_docs, size) > 0
    return total, has_word | (_any(gram_docs, size) >= query.min_grams)


def _any(parts: list[np.ndarray], size: int) -> np.ndarray:
    """How many of the posting lists each document is in."""
    if not parts:
        return np.zeros(size, np.int64)
    return np.bincount(np.concatenate(parts), minlength=size)


def order(coll: Collection, docs: np.ndarray, scores: np.ndarray, sort: str, end: int):
    """The first ``end`` of ``docs`` in the SQL path's order (relevance: score, newer first,
    entry id; newest/oldest: publication time, unpublished last, then entry id)."""
    if end <= 0:
        return docs[:0]
    unpublished = coll.published[docs] == seg.NULL_TIME
    published = np.where(unpublished, 0, coll.published[docs])
    last = np.iinfo(np.int64).max  # unpublished sorts last either way
    ids = coll.ids[docs]
    if sort == "newest":
        return docs[np.lexsort((-ids, np.where(unpublished, last, -published)))][:end]
    if sort == "oldest":
        return docs[np.lexsort((ids, np.where(unpublished, last, published)))][:end]
    s = scores[docs]
    if end < len(docs):  # only what can reach the first ``end``: ties included
        keep = s >= np.partition(s, len(s) - end)[len(s) - end]
        docs, s, ids, published, unpublished = (
            a[keep] for a in (docs, s, ids, published, unpublished)
        )
    return docs[np.lexsort((ids, np.where(unpublished, last, -published), -s))][:end]
