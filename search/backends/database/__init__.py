"""Full-text search in the relational database: the embedded default and the fallback.

Rows live in the ``search_entry`` table (search.models.SearchEntry) with the same
token streams Elasticsearch indexes; ranking is BM25 per field, summed over the
query's weighted clauses: FTS5's ``bm25()`` on SQLite, the same formula in SQL
over ``tsvector`` columns on PostgreSQL (search/backends/database/sql_*.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice
from typing import Any

import numpy as np
from django.db import connection, transaction

from search import analysis
from search.backends.base import (
    LIST_FACETS,
    Progress,
    Ranked,
    Ranking,
    SearchBackend,
    count_facets,
)
from search.backends.database import postings, schema, segment, sql_postgres, sql_sqlite
from search.documents import DOCUMENT_TYPES, iter_documents
from search.indexing import Streams, analysed_rows
from search.query import FIELDS, Query

COLUMNS = (
    "doc_type",
    "object_id",
    "title",
    "text",
    "url",
    "words",
    "title_words",
    "grams",
    "words_len",
    "title_words_len",
    "grams_len",
    "analysis",
    "tech_field",
    "tech_subfield",
    "industry",
    "organisation",
    "organisation_kind",
    "region",
    "cooperation_modes",
    "trl_band",
    "price_band",
    "published_at",
    "updated_at",
)
_FACET_COLUMNS = schema.FACET_COLUMNS
# Unpublished dates sort last everywhere, as in Elasticsearch ("missing": "_last").
_ORDER = {
    "relevance": "sc.score DESC, e.published_at DESC NULLS LAST, e.id",
    "newest": "e.published_at DESC NULLS LAST, e.id DESC",
    "oldest": "e.published_at ASC NULLS LAST, e.id ASC",
}
_BATCH = 500
_READ_BATCH = 2000  # ids in one IN (…), at most (the database's parameter limit caps it)


def _row_values(row: dict[str, Any]) -> list[Any]:
    values = {
        **row,
        "doc_type": row["type"],
        "object_id": row["id"],
        **{f: json.dumps(row.get(f) or [], ensure_ascii=False) for f in LIST_FACETS},
    }
    for f in FIELDS:
        values[f"{f}_len"] = len(row[f].split())
    dates = ("published_at", "updated_at")  # NULL when missing; the other columns ""
    return [values.get(c) if values.get(c) is not None or c in dates else "" for c in COLUMNS]


def _facet_row(values: tuple) -> dict[str, Any]:
    row = dict(zip(_FACET_COLUMNS, values, strict=True))
    for name in LIST_FACETS:
        listed = row[name] or []  # text on SQLite, jsonb (a list already) on PostgreSQL
        row[name] = json.loads(listed) if isinstance(listed, str) else listed
    return row


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self, *, table: str = schema.SITE_TABLE) -> None:
        self.table = table

    @property
    def _sql(self):
        return sql_postgres if connection.vendor == "postgresql" else sql_sqlite

    # --- writing -------------------------------------------------------------------
    def write(
        self,
        type_name: str,
        rows: Iterable[dict[str, Any]],
        *,
        remove: list[int],
        workers: int = 1,
    ) -> int:
        """Replace the entries of ``remove`` ids and insert ``rows`` (documents)."""
        sql = self._sql
        written = 0
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(remove), _BATCH):
                chunk = remove[start : start + _BATCH]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM {self.table} WHERE doc_type = %s AND object_id IN ({marks})",
                    [type_name, *chunk],
                )
            # The analysis and (PostgreSQL) the tsvectors are the CPU work: worker
            # processes do both when there are any (sql.extra_values is module-level).
            analysed = analysed_rows(rows, workers=workers, extra=sql.extra_values)
            made = {"analysis": analysis.fingerprint()}
            values = (
                _row_values({**doc, **streams, **made}) + extra for doc, streams, extra in analysed
            )
            # Whole batches: the documents are read on this same connection, which
            # cannot run a query while a COPY is open.
            while batch := list(islice(values, _BATCH)):
                if sql is sql_postgres:
                    sql_postgres.copy_rows(cursor, self.table, COLUMNS, batch)
                else:
                    cursor.executemany(sql.insert_sql(self.table, COLUMNS), batch)
                written += len(batch)
        return written

    def optimise(self) -> None:
        """After a bulk load: compact the FTS5 indexes (SQLite) or refresh statistics."""
        in_transaction = connection.in_atomic_block  # (PostgreSQL cannot VACUUM in one)
        with connection.cursor() as cursor:
            for statement in self._sql.optimise_statements(
                self.table, in_transaction=in_transaction
            ):
                cursor.execute(statement)

    def index(self, type_name: str, ids: list[int]) -> None:
        docs = list(iter_documents(DOCUMENT_TYPES[type_name], ids))
        self.write(type_name, docs, remove=list(ids))

    def rebuild(self, progress: Progress | None = None, *, workers: int = 1) -> int:
        total = sum(t.public_queryset().count() for t in DOCUMENT_TYPES.values())
        done = 0
        with transaction.atomic():  # readers keep the old rows until the commit
            with connection.cursor() as cursor:
                if self._segmented:  # so deleting every entry records no removals
                    segment.drop(cursor)
                cursor.execute(f"DELETE FROM {self.table}")
            for type_name, doc_type in DOCUMENT_TYPES.items():
                done += self.write(type_name, iter_documents(doc_type), remove=[], workers=workers)
                if progress:
                    progress(done, total)
            if self._segmented:  # committed with the rows: no moment without one
                self.optimise()  # statistics of the new rows first (ANALYZE, in here)
                segment.build()
        self.optimise()
        return done

    def stored_streams(self, type_name: str, ids: list[int]) -> dict[int, tuple[str, str, Streams]]:
        """``id → (title, text, token streams)`` of the entries of ``ids`` whose streams
        the current analysis wrote (search.analysis.fingerprint)."""
        fields = ", ".join(FIELDS)
        found: dict[int, tuple[str, str, Streams]] = {}
        current = analysis.fingerprint()  # reads the code and dictionary files: once a call
        batch = min(_READ_BATCH, (connection.features.max_query_params or _READ_BATCH) - 2)
        with connection.cursor() as cursor:
            for start in range(0, len(ids), batch):
                chunk = ids[start : start + batch]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT object_id, title, text, {fields} FROM {self.table} "
                    f"WHERE doc_type = %s AND analysis = %s AND object_id IN ({marks})",
                    [type_name, current, *chunk],
                )
                for object_id, title, text, *streams in cursor.fetchall():
                    found[object_id] = (title, text, dict(zip(FIELDS, streams, strict=True)))
        return found

    def versions(self, type_name: str) -> dict[int, Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT object_id, updated_at FROM {self.table} WHERE doc_type = %s", [type_name]
            )
            return dict(cursor.fetchall())

    # --- reading -------------------------------------------------------------------
    def _where(self, types: list[str], filters: dict[str, str] | None) -> tuple[str, list]:
        marks = ", ".join(["%s"] * len(types))
        clauses, params = [f"e.doc_type IN ({marks})"], list(types)
        for name, value in (filters or {}).items():
            if name in LIST_FACETS:
                # JSON list of names: match the quoted name inside it.
                clauses.append(f"CAST(e.{name} AS TEXT) LIKE %s")
                params.append("%" + json.dumps(value, ensure_ascii=False) + "%")
            elif name in _FACET_COLUMNS and name != "type":
                clauses.append(f"e.{_FACET_COLUMNS[name]} = %s")
                params.append(value)
        return " AND ".join(clauses), params

    def rank(
        self,
        query: Query,
        *,
        types: list[str],
        filters: dict[str, str] | None = None,
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 10,
        facets: bool = False,
        with_words: bool = False,
        count: bool = True,  # ignored: the window count below costs nothing extra
    ) -> Ranking:
        if query and self._segmented:
            with segment.consistent_reads(), connection.cursor() as cursor:
                coll = postings.collection(cursor)
                if coll is not None:
                    return self._rank_postings(
                        cursor, coll, query, types, filters, sort, offset, limit, facets, with_words
                    )
        scored, params = self._sql.scored_sql(self.table, query)
        where, where_params = self._where(types, filters)
        base = f"WITH sc AS ({scored}) SELECT @cols FROM sc JOIN {self.table} e ON e.id = sc.id"
        base += f" WHERE {where}"
        select = base.replace  # select("@cols", columns): the SQL holds braces, no str.format
        params = [*params, *where_params]
        words = ", e.words" if with_words else ""
        order = _ORDER.get(sort, _ORDER["relevance"])
        cols = f"e.doc_type, e.object_id, sc.score, e.title, e.url, e.text{words}"
        with connection.cursor() as cursor:
            # The window count saves running the scoring a second time for the total.
            cursor.execute(
                select("@cols", f"{cols}, count(*) OVER ()")
                + f" ORDER BY {order} LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            rows = cursor.fetchall()
            items = [Ranked(*row[:-1]) for row in rows]
            count = rows[0][-1] if rows else None
            facet_counts: dict[str, dict[str, int]] = {}
            if facets:
                facet_cols = ", ".join(f"e.{c}" for c in _FACET_COLUMNS.values())
                cursor.execute(select("@cols", facet_cols), params)
                facet_rows = [_facet_row(r) for r in cursor.fetchall()]
                count, facet_counts = len(facet_rows), count_facets(facet_rows)
            elif count is None:  # a page past the end
                cursor.execute(select("@cols", "count(*)"), params)
                count = cursor.fetchone()[0]
        return Ranking(count=count, items=items, facets=facet_counts)

    @property
    def _segmented(self) -> bool:
        """Whether a postings segment may answer (PostgreSQL, the site's own table)."""
        return connection.vendor == "postgresql" and self.table == schema.SITE_TABLE

    def _rank_postings(
        self, cursor, coll, query, types, filters, sort, offset, limit, facets, with_words
    ) -> Ranking:
        """``rank`` from the segment's postings (search/backends/database/postings.py)."""
        lists = postings.posting_lists(cursor, coll, {f: query.terms(f) for f in FIELDS})
        scores, matched = postings.score(query, coll, lists)
        wanted = [i for i, name in enumerate(coll.type_names) if name in types]
        matched &= np.isin(coll.types, wanted)
        if any(name in _FACET_COLUMNS and name != "type" for name in filters or {}):
            where, params = self._where(types, filters)
            cursor.execute(f"SELECT e.id FROM {self.table} e WHERE {where}", params)
            allowed = np.zeros(coll.size, bool)
            allowed[coll.ordinals([r[0] for r in cursor.fetchall()])[0]] = True
            matched &= allowed
        docs = np.flatnonzero(matched)
        page = postings.order(coll, docs, scores, sort, offset + limit)[offset:]
        words = ", words" if with_words else ""
        cursor.execute(
            f"SELECT id, doc_type, object_id, title, url, text{words} FROM {self.table} "
            "WHERE id = ANY(%s)",
            [coll.ids[page].tolist()],
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
        items = []
        for doc in page:
            if (row := rows.get(int(coll.ids[doc]))) is None:
                continue  # deleted since this search began (outside one snapshot)
            doc_type, object_id, *rest = row
            items.append(Ranked(doc_type, object_id, float(scores[doc]), *rest))
        facet_counts = postings.facet_counts(coll, docs) if facets else {}
        return Ranking(count=len(docs), items=items, facets=facet_counts)

    def doc_freqs(self, field_name: str, terms: list[str]) -> tuple[int, dict[str, int]]:
        if self._segmented:
            with segment.consistent_reads(), connection.cursor() as cursor:
                coll = postings.collection(cursor)
                if coll is not None:
                    found = segment.doc_freqs(
                        cursor, coll.segment, coll.max_entry, field_name, terms
                    )
                    return coll.documents, found
        with connection.cursor() as cursor:
            return self._sql.doc_freqs(cursor, self.table, field_name, terms)

    # --- a temporary index (search_eval) -----------------------------------------------
    def create_temporary(self) -> None:
        """This backend's table as a TEMP table shaped like the site's (search_eval)."""
        from search.models import SearchEntry

        ddl, _params = connection.schema_editor().table_sql(SearchEntry)
        site = schema.SITE_TABLE
        ddl = ddl.replace(f'CREATE TABLE "{site}"', f'CREATE TEMP TABLE "{self.table}"', 1)
        ddl = ddl.replace(f'"{site}_unique"', f'"{self.table}_unique"')
        ddl = ddl.replace(" AUTOINCREMENT", "")  # would create temp.sqlite_sequence
        statements = [ddl, *schema.temporary_statements(connection.vendor, self.table)]
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def drop_temporary(self) -> None:
        statements = schema.backward_statements(connection.vendor, self.table)
        with connection.cursor() as cursor:
            for statement in [*statements, f"DROP TABLE IF EXISTS {self.table}"]:
                cursor.execute(statement)

    def health(self) -> dict:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {self.table}")
                count = cursor.fetchone()[0]
                # PostgreSQL: the postings segment, and the changes read from the table.
                found = segment.staleness(cursor) if self._segmented else None
        except Exception as exc:  # noqa: BLE001 — report, never raise from a health check
            return {"backend": self.name, "status": "down", "error": type(exc).__name__}
        out = {"backend": self.name, "status": "ok", "documents": count}
        if found:
            documents, changes, threshold = found
            out["segment"] = {"documents": documents, "changes": changes, "refresh_at": threshold}
        return out
