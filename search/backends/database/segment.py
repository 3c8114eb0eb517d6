"""PostgreSQL: the database index's postings as of one moment (a *segment*).

Scoring BM25 in SQL over ``tsvector`` columns reads every candidate's whole
vector, and a query's common words and characters make most of the table
candidates (docs/benchmarks.md: seconds at 100,000 listings). A segment stores,
for each field and term, its documents' ordinals and term frequencies as one
array (``search_posting``), plus each document's entry id, field lengths, type
and publication time (``search_segment``); a search reads its terms' arrays and
scores them with numpy (search/backends/database/postings.py), the same formula
as the SQL.

Entries written since (ids above ``max_entry``) and entries deleted or changed
since (``search_removed``, kept by a trigger on ``search_entry``) are read from
the table itself, so results are exact at every moment; ``refresh_if_stale``
(the reconcile task) takes a new segment once they grow, and a rebuild takes
one in its own transaction. No segment (a new site, SQLite, search_eval's
temporary tables): the SQL path answers.
"""

from __future__ import annotations

import io
import json
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from search.backends.base import LIST_FACETS
from search.backends.database.schema import (
    FACET_COLUMNS,
    POSTING_TABLE,
    REMOVED_TABLE,
    SEGMENT_TABLE,
    SITE_TABLE,
    vector_column,
)
from search.backends.database.sql_postgres import TF, term_lexemes
from search.query import FIELDS

# A new segment once this many changes came after it (entries written or removed
# since; an edit is one of each): at least STALE_MIN, else this share of the documents.
STALE_MIN = 500
STALE_SHARE = 0.01
NULL_TIME = np.iinfo(np.int64).min  # an unpublished entry's time in ``published``
# An entry's publication time as the segment stores it (µs since the epoch, NULL if none).
PUBLISHED_US = "(extract(epoch FROM published_at) * 1000000)::int8"
# Building a segment groups tens of millions of postings by term.
BUILD_WORK_MEM = "256MB"


@dataclass
class Documents:
    """A segment's per-document arrays (index: the document's ordinal)."""

    segment: int
    max_entry: int
    ids: np.ndarray  # entry ids, ascending
    types: np.ndarray  # index into doc_types
    doc_types: list[str]
    lengths: dict[str, np.ndarray]
    published: np.ndarray  # µs since the epoch, NULL_TIME when unpublished
    facets: dict[str, Facet]


@dataclass
class Facet:
    """One facet's values of every document: ``codes[i]`` (index into ``values``) belongs
    to document ``owners[i]``; a list facet has several or none per document."""

    values: list[str]
    codes: np.ndarray
    owners: np.ndarray


def facet_values(column: str, value) -> list[str]:
    """A row's values of a facet column as count_facets counts them ("" counts not)."""
    if column in LIST_FACETS:
        listed = json.loads(value) if isinstance(value, str) else value or []
        return [v for v in listed if v]
    return [value] if value else []


def _facets_of(rows) -> dict[str, Facet]:
    """The facet arrays of ``rows`` (each the FACET_COLUMNS' values, in document order)."""
    out = {}
    for i, (name, column) in enumerate(FACET_COLUMNS.items()):
        values: dict[str, int] = {}
        codes, owners = [], []
        for doc, row in enumerate(rows):
            for value in facet_values(column, row[i]):
                codes.append(values.setdefault(value, len(values)))
                owners.append(doc)
        out[name] = Facet(list(values), np.array(codes, np.int32), np.array(owners, np.int32))
    return out


def _facets_to_bytes(facets: dict[str, Facet]) -> bytes:
    arrays = {}
    for name, f in facets.items():
        arrays[f"{name}.codes"], arrays[f"{name}.owners"] = f.codes, f.owners
    values = json.dumps({name: f.values for name, f in facets.items()}, ensure_ascii=False)
    buffer = io.BytesIO()
    np.savez(buffer, values=np.frombuffer(values.encode(), np.uint8), **arrays)
    return buffer.getvalue()


def _facets_from_bytes(data) -> dict[str, Facet]:
    stored = np.load(io.BytesIO(bytes(data)))
    values = json.loads(stored["values"].tobytes().decode())
    return {
        name: Facet(values[name], stored[f"{name}.codes"], stored[f"{name}.owners"])
        for name in FACET_COLUMNS
    }


_documents: Documents | None = None  # this process's copy of the newest segment's


def _array(data, dtype: str) -> np.ndarray:
    """A stored big-endian array (PostgreSQL's ``int*send``) in native byte order."""
    return np.frombuffer(bytes(data or b""), dtype=dtype).astype(dtype.lstrip(">"))


def current(cursor) -> Documents | None:
    """The newest segment's document arrays (read once per process and segment)."""
    cursor.execute(f"SELECT id, max_entry FROM {SEGMENT_TABLE} ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    if row is None:
        return None
    segment, max_entry = row
    global _documents
    if _documents is not None and _documents.segment == segment:
        return _documents
    lengths = ", ".join(f"{f}_len" for f in FIELDS)
    cursor.execute(
        f"SELECT doc_types, ids, type_codes, published, facets, {lengths} FROM {SEGMENT_TABLE} "
        "WHERE id = %s",
        [segment],
    )
    found = cursor.fetchone()
    if found is None:  # replaced in between (outside a repeatable-read transaction)
        return None
    doc_types, ids, codes, published, facets, *lens = found
    docs = Documents(
        segment=segment,
        max_entry=max_entry,
        ids=_array(ids, ">i8"),
        types=_array(codes, ">i2"),
        # jsonb comes back as text through Django's connection (JSONField parses it).
        doc_types=json.loads(doc_types) if isinstance(doc_types, str) else list(doc_types),
        lengths={f: _array(v, ">i4") for f, v in zip(FIELDS, lens, strict=True)},
        published=_array(published, ">i8"),
        facets=_facets_from_bytes(facets),
    )
    _documents = docs  # one assignment: a thread sees the old copy or the new one
    return docs


@contextmanager
def consistent_reads():
    """One snapshot for every read of a search: a segment replaced meanwhile must not
    mix with the old one's arrays. Inside a caller's transaction, that transaction's."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def removed_ids(cursor) -> np.ndarray:
    cursor.execute(f"SELECT entry_id FROM {REMOVED_TABLE}")
    return np.array([r[0] for r in cursor.fetchall()], dtype=np.int64)


def _recent(max_entry: int) -> tuple[str, list]:
    """Entries the segment lacks or holds stale: written after it, or removed since and
    (for an entry changed in place) still there under the same id."""
    # ANY(ARRAY(…)), not IN (…): two index conditions, where IN makes a filter on every row.
    return f"id > %s OR id = ANY(ARRAY(SELECT entry_id FROM {REMOVED_TABLE}))", [max_entry]


def recent_entries(cursor, docs: Documents) -> list[tuple]:
    """``(id, doc_type, published µs or None, *lengths, *facet columns)`` of the recent
    entries, by id."""
    where, params = _recent(docs.max_entry)
    columns = ", ".join([*(f"{f}_len" for f in FIELDS), *FACET_COLUMNS.values()])
    cursor.execute(
        f"SELECT id, doc_type, {PUBLISHED_US}, {columns} "
        f"FROM {SITE_TABLE} WHERE {where} ORDER BY id",
        params,
    )
    return cursor.fetchall()


def postings(cursor, segment: int, wanted: dict[str, list[str]]) -> dict[tuple[str, str], tuple]:
    """``(field, term) → (ordinals, term frequencies)`` in the segment."""
    terms = sorted({t for ts in wanted.values() for t in ts})
    if not terms:
        return {}
    cursor.execute(
        f"SELECT field, term, ords, tfs FROM {POSTING_TABLE} WHERE segment = %s AND term = ANY(%s)",
        [segment, terms],
    )
    out = {}
    for field_name, term, ords, tfs in cursor.fetchall():
        if term in wanted.get(field_name, ()):
            out[(field_name, term)] = (_array(ords, ">i4"), _array(tfs, ">i2"))
    return out


def recent_postings(
    cursor, max_entry: int, wanted: dict[str, list[str]]
) -> list[tuple[str, int, str, int]]:
    """``(field, entry id, term, tf)`` of the query's terms in the recent entries, from
    their ``tsvector``s (tf as the SQL path counts it: positions, at least one)."""
    where, params = _recent(max_entry)
    parts = []
    for field_name, terms in wanted.items():
        if not terms:
            continue
        lexemes, matches, found = term_lexemes("r", field_name, terms)
        parts.append(f"SELECT %s::text, r.id, u.lexeme, {TF} FROM r, {lexemes} WHERE {matches}")
        params += [field_name, *found]
    if not parts:
        return []
    vectors = ", ".join(vector_column(f) for f in FIELDS)
    cursor.execute(
        f"WITH r AS MATERIALIZED (SELECT id, {vectors} FROM {SITE_TABLE} WHERE {where}) "
        + " UNION ALL ".join(parts),
        params,
    )
    return cursor.fetchall()


def doc_freqs(
    cursor, segment: int, max_entry: int, field_name: str, terms: list[str]
) -> dict[str, int]:
    """Live document frequencies without reading posting arrays: the segment's (an
    array's length), less its stale documents' (the vectors kept on their removal), plus
    the recent entries'."""
    if not terms:
        return {}
    where, recent = _recent(max_entry)
    lexemes, matches, found = term_lexemes("r", field_name, terms)

    def counted(rows: str, sign: str, condition: str = "TRUE") -> str:
        return (
            f"SELECT u.lexeme AS term, {sign}count(*) AS n FROM {rows} r, {lexemes} "
            f"WHERE {matches} AND {condition} GROUP BY u.lexeme"
        )

    cursor.execute(
        f"WITH recent AS MATERIALIZED (SELECT {vector_column(field_name)} FROM {SITE_TABLE} "
        f"WHERE {where}) SELECT term, sum(n)::int8 FROM ("
        f"SELECT term, octet_length(tfs) / 2 AS n FROM {POSTING_TABLE} "
        "WHERE segment = %s AND field = %s AND term = ANY(%s) "
        f"UNION ALL {counted(REMOVED_TABLE, '-', 'r.entry_id <= %s')} "
        f"UNION ALL {counted('recent', '')}) x GROUP BY term",
        [*recent, segment, field_name, terms, *found, max_entry, *found],
    )
    found = dict(cursor.fetchall())
    return {t: int(found.get(t, 0)) for t in terms}


# --- taking a segment ----------------------------------------------------------------------
def drop(cursor) -> None:
    """No segment (searches read the table) and no removals to record until the next."""
    for table in (POSTING_TABLE, SEGMENT_TABLE, REMOVED_TABLE):
        cursor.execute(f"DELETE FROM {table}")


def build() -> int | None:
    """Take a new segment of ``search_entry`` (replacing the old one); returns its id.

    Writers wait meanwhile (a SHARE lock: the snapshot must hold every committed entry
    and no entry may commit under an id below the new ``max_entry`` afterwards);
    readers go on with the old segment until the commit. Inside a rebuild's
    transaction, the rebuild's own rows are the snapshot."""
    if connection.vendor != "postgresql":
        return None
    lengths = [f"{f}_len" for f in FIELDS]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {SITE_TABLE} IN SHARE MODE")
        cursor.execute(f"SET LOCAL work_mem = '{BUILD_WORK_MEM}'")
        # Every removal so far is in the snapshot (the lock keeps new ones out).
        drop(cursor)
        cursor.execute(f"SELECT DISTINCT doc_type FROM {SITE_TABLE} ORDER BY 1")
        doc_types = [r[0] for r in cursor.fetchall()]
        arrays = ", ".join(
            f"coalesce(string_agg(int4send({c}::int4), '' ORDER BY id), '')" for c in lengths
        )
        cursor.execute(
            f"INSERT INTO {SEGMENT_TABLE} (created_at, documents, max_entry, doc_types, ids, "
            f"facets, type_codes, published, {', '.join(lengths)}) "
            "SELECT now(), count(*), coalesce(max(id), 0), %s::jsonb, "
            "coalesce(string_agg(int8send(id), '' ORDER BY id), ''), "
            "''::bytea, "  # the facets: below
            "coalesce(string_agg(int2send((array_position(%s::text[], doc_type) - 1)::int2), "
            "'' ORDER BY id), ''), "
            f"coalesce(string_agg(int8send(coalesce({PUBLISHED_US}, {NULL_TIME})), "
            f"'' ORDER BY id), ''), {arrays} "
            f"FROM {SITE_TABLE} RETURNING id",
            [_json(doc_types), doc_types],
        )
        segment = cursor.fetchone()[0]
        cursor.execute(f"SELECT {', '.join(FACET_COLUMNS.values())} FROM {SITE_TABLE} ORDER BY id")
        facets = _facets_to_bytes(_facets_of(cursor.fetchall()))
        cursor.execute(f"UPDATE {SEGMENT_TABLE} SET facets = %s WHERE id = %s", [facets, segment])
        for f in FIELDS:
            # Ordinals: the entries' places in id order. Within a term, any order.
            cursor.execute(
                f"INSERT INTO {POSTING_TABLE} (segment, field, term, ords, tfs) "
                "SELECT %s, %s, u.lexeme, string_agg(int4send(d.ord), ''), "
                f"string_agg(int2send(least({TF}, 32767)::int2), '') "
                f"FROM (SELECT (row_number() OVER (ORDER BY id) - 1)::int4 AS ord, "
                f"{vector_column(f)} AS v FROM {SITE_TABLE}) d, unnest(d.v) u "
                "GROUP BY u.lexeme",
                [segment, f],
            )
    return segment


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def staleness(cursor) -> tuple[int | None, int, int]:
    """``(segment documents or None, changes since it, threshold)``: entries written
    since plus entries removed since (an edit is one of each)."""
    cursor.execute(f"SELECT documents, max_entry FROM {SEGMENT_TABLE} ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    if row is None:
        cursor.execute(f"SELECT count(*) FROM {SITE_TABLE}")
        return None, cursor.fetchone()[0], 0
    documents, max_entry = row
    cursor.execute(
        f"SELECT (SELECT count(*) FROM {SITE_TABLE} WHERE id > %s) "
        f"+ (SELECT count(*) FROM {REMOVED_TABLE})",
        [max_entry],
    )
    return documents, cursor.fetchone()[0], max(STALE_MIN, int(STALE_SHARE * documents))


def refresh_if_stale() -> bool:
    """Take a new segment when none exists (and there are entries) or when too many
    entries are read from the table instead; True when one was taken."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        documents, recent, threshold = staleness(cursor)
    if (documents is None and recent == 0) or (documents is not None and recent < threshold):
        return False
    build()
    return True
