"""PostgreSQL: the BM25 formula in SQL over tsvector columns (GIN finds the candidates).

``ts_rank_cd`` has no document-frequency term, which ranks noticeably worse
on the benchmarks; term frequencies come from the positions stored in the
tsvector (the backend writes each token's positions itself, so no text search
parser runs) and document frequencies are counted among the candidates.
Scores use Lucene's IDF and FTS5's (k1 + 1) factor, so they are comparable
with both other implementations.
"""

from __future__ import annotations

from typing import Any

from search.backends.database.schema import vector_column
from search.query import FIELDS, GRAMS, TIE_BREAKER, Query

K1, B = 1.2, 0.75
MAX_POSITION = 16383  # tsvector limits: positions 1..16383, 256 positions per lexeme
MAX_POSITIONS = 256


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(tokens: str) -> str:
    # Hot in a rebuild (every token of three fields of every listing): plain dict and
    # list operations, and positions clamped only in the rare documents that need it.
    positions: dict[str, list[int]] = {}
    get = positions.get
    for i, token in enumerate(tokens.split(), start=1):
        seen = get(token)
        if seen is None:
            positions[token] = [i]
        elif len(seen) < MAX_POSITIONS:
            seen.append(i)
    out = []
    for token, seen in positions.items():
        if seen[-1] > MAX_POSITION:
            seen = sorted({min(p, MAX_POSITION) for p in seen})
        quoted = _quote(token) if "'" in token or "\\" in token else f"'{token}'"
        out.append(f"{quoted}:{','.join(map(str, seen))}")
    return " ".join(out)


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    cols = [*columns, *(vector_column(f) for f in FIELDS)]
    marks = ["%s"] * len(columns) + ["%s::tsvector"] * len(FIELDS)
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(marks)})"


def extra_values(row: dict[str, Any]) -> list[Any]:
    return [tsvector_literal(row[f]) for f in FIELDS]


def scored_sql(table: str, query: Query) -> tuple[str, list[Any]]:
    """``SELECT id, score`` of the entries the query matches (all of them if it is empty)."""
    if not query:
        return f"SELECT id, 0.0::float8 AS score FROM {table}", []
    postings, params = [], []
    for f in FIELDS:
        terms = query.terms(f)
        if not terms:
            continue
        col = vector_column(f)
        postings.append(
            f"SELECT e.id, '{f}'::text AS fld, u.lexeme AS term, "
            f"coalesce(array_length(u.positions, 1), 1) AS tf, e.{f}_len AS len, "
            f"n.{f} AS avglen "
            f"FROM n, {table} e, "
            f"unnest(ts_filter(setweight(e.{col}, 'A', %s::text[]), '{{a}}')) u "
            f"WHERE e.{col} @@ %s::tsquery"
        )
        params += [terms, " | ".join(_quote(t) for t in terms)]
    # The collection's size and average field lengths in one pass over the table.
    averages = ", ".join(f"avg({f}_len) AS {f}" for f in FIELDS)
    stats = f"SELECT count(*)::float8 AS n, {averages} FROM {table}"
    fields = [c.field for c in query.clauses]
    terms = [c.term for c in query.clauses]
    weights = [c.weight for c in query.clauses]
    groups = query.groups()  # a group scores its stronger evidence (search/query.py)
    sql = f"""
        WITH n AS MATERIALIZED ({stats}),
        p AS ({" UNION ALL ".join(postings)}),
        q AS (SELECT * FROM unnest(%s::text[], %s::text[], %s::float8[], %s::int[])
              AS q(fld, term, w, grp)),
        df AS (SELECT fld, term, count(*)::float8 AS n FROM p GROUP BY fld, term),
        kinds AS (SELECT p.id, q.grp, (p.fld = '{GRAMS}') AS g, SUM(
            q.w * ln(1 + (n.n - df.n + 0.5) / (df.n + 0.5))
            * p.tf * {K1 + 1} / (p.tf + {K1} * ({1 - B} + {B} * p.len / greatest(p.avglen, 1)))
        ) AS s
        FROM p JOIN q USING (fld, term) JOIN df USING (fld, term) CROSS JOIN n
        GROUP BY p.id, q.grp, g),
        groups AS (SELECT id, max(s) + {TIE_BREAKER} * (sum(s) - max(s)) AS s
            FROM kinds GROUP BY id, grp),
        matched AS (SELECT id FROM p GROUP BY id
            HAVING count(*) FILTER (WHERE fld <> '{GRAMS}') > 0
                OR count(*) FILTER (WHERE fld = '{GRAMS}') >= %s)
        SELECT id, SUM(s) AS score FROM groups JOIN matched USING (id) GROUP BY id
    """
    return sql, [*params, fields, terms, weights, groups, query.min_grams]


def optimise_statements(table: str) -> list[str]:
    return [f"ANALYZE {table}"]  # fresh statistics after a bulk load (TEMP tables get none)


def doc_freqs(cursor, table: str, field: str, terms: list[str]) -> tuple[int, dict[str, int]]:
    col = vector_column(field)
    cursor.execute(f"SELECT count(*) FROM {table}")
    n = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT u.lexeme, count(*) FROM {table} e, "
        f"unnest(ts_filter(setweight(e.{col}, 'A', %s::text[]), '{{a}}')) u "
        f"WHERE e.{col} @@ %s::tsquery GROUP BY u.lexeme",
        [terms, " | ".join(_quote(t) for t in terms) or "''"],
    )
    found = dict(cursor.fetchall())
    return n, {t: found.get(t, 0) for t in terms}
