"""SQLite: BM25 from FTS5, one MATCH per clause, summed per document."""

from __future__ import annotations

from typing import Any

from search.backends.database.schema import fts_table
from search.query import FIELDS, GRAMS, TIE_BREAKER, Query


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def extra_values(row: dict[str, Any]) -> list[Any]:
    return []  # the FTS5 tables are filled by triggers


# SQLite refuses a compound SELECT of more than 500 terms (SQLITE_MAX_COMPOUND_SELECT);
# a long query has more clauses than that, so they are unioned in nested batches.
COMPOUND_LIMIT = 400


def _union_all(parts: list[str]) -> str:
    while len(parts) > COMPOUND_LIMIT:
        parts = [
            f"SELECT * FROM ({' UNION ALL '.join(parts[i : i + COMPOUND_LIMIT])})"
            for i in range(0, len(parts), COMPOUND_LIMIT)
        ]
    return " UNION ALL ".join(parts)


def scored_sql(table: str, query: Query) -> tuple[str, list[Any]]:
    """``SELECT id, score`` of the entries the query matches (all of them if it is empty)."""
    if not query:
        return f"SELECT id, 0.0 AS score FROM {table}", []
    parts, params = [], []
    terms: dict[tuple[str, str], int] = {}  # a term may stand in several groups: count it once
    for clause, group in zip(query.clauses, query.groups(), strict=True):
        fts = fts_table(table, clause.field)
        is_gram = int(clause.field == GRAMS)
        term = terms.setdefault((clause.field, clause.term), len(terms))
        # bm25() is negative (smaller is better) and already includes the (k1 + 1) factor.
        parts.append(
            f"SELECT rowid AS id, {group} AS grp, {is_gram} AS g, {term} AS t, "
            f"-bm25({fts}) * %s AS s FROM {fts} WHERE {fts} MATCH %s"
        )
        params += [clause.weight, _phrase(clause.term)]
    # MATERIALIZED: a lone clause must not be flattened into the outer query,
    # where bm25() has no FTS5 cursor to read. A group scores its stronger kind of
    # evidence (words or grams) plus TIE_BREAKER times the other (search/query.py).
    sql = (
        f"WITH hits AS MATERIALIZED ({_union_all(parts)}), "
        "kinds AS (SELECT id, grp, g, SUM(s) AS s FROM hits GROUP BY id, grp, g), "
        f"groups AS (SELECT id, MAX(s) + {TIE_BREAKER} * (SUM(s) - MAX(s)) AS s "
        "FROM kinds GROUP BY id, grp), "
        "matched AS (SELECT id FROM hits GROUP BY id "
        "HAVING SUM(g = 0) > 0 OR COUNT(DISTINCT CASE WHEN g = 1 THEN t END) >= %s) "
        "SELECT id, SUM(s) AS score FROM groups WHERE id IN (SELECT id FROM matched) GROUP BY id"
    )
    return sql, [*params, query.min_grams]


def optimise_statements(table: str, *, in_transaction: bool = False) -> list[str]:
    # Merge each FTS5 index into one b-tree after a bulk load: fewer segments to read.
    return [
        f"INSERT INTO {fts}({fts}) VALUES ('optimize')"
        for fts in map(lambda f: fts_table(table, f), FIELDS)
    ]


def doc_freqs(cursor, table: str, field: str, terms: list[str]) -> tuple[int, dict[str, int]]:
    cursor.execute(f"SELECT count(*) FROM {table}")
    n = cursor.fetchone()[0]
    fts = fts_table(table, field)
    out: dict[str, int] = {}
    for term in dict.fromkeys(terms):
        cursor.execute(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH %s", [_phrase(term)])
        out[term] = cursor.fetchone()[0]
    return n, out
