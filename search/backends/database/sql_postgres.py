"""PostgreSQL: the BM25 formula in SQL over tsvector columns (GIN finds the candidates).

``ts_rank_cd`` has no document-frequency term, which ranks noticeably worse
on the benchmarks; term frequencies come from the positions stored in the
tsvector (the backend writes each token's positions itself, so no text search
parser runs) and document frequencies are counted among the candidates.
Scores use Lucene's IDF and FTS5's (k1 + 1) factor, so they are comparable
with both other implementations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from search.backends.database.schema import vector_column
from search.query import FIELDS, GRAMS, TIE_BREAKER, Query

K1, B = 1.2, 0.75
MAX_POSITION = 16383  # tsvector limits: positions 1..16383, 256 positions per lexeme
MAX_POSITIONS = 256


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


# A lexeme's term frequency: its positions (the backend writes each token's positions).
TF = "coalesce(array_length(u.positions, 1), 1)"


def term_lexemes(alias: str, field: str, terms: list[str]) -> tuple[str, str, list]:
    """The lexemes ``u`` of ``terms`` in the ``field`` vector of ``alias``: a FROM item, the
    WHERE condition that finds the rows holding any of them (GIN), and their parameters."""
    col = vector_column(field)
    return (
        f"unnest(ts_filter(setweight({alias}.{col}, 'A', %s::text[]), '{{a}}')) u",
        f"{alias}.{col} @@ %s::tsquery",
        [terms, " | ".join(_quote(t) for t in terms) or "''"],
    )


# Positions as the literal writes them: _FROM_ONE[i] is str(i + 1). In the rare stream
# longer than a tsvector's positions, every later position is written as the last one.
_FROM_ONE = [str(i) for i in range(1, MAX_POSITION + 1)]
_LAST = _FROM_ONE[-1]


def tsvector_literal(tokens: str) -> str:
    """``'token':1,5 'other':2 …``: each token (in order of first occurrence) with its
    first MAX_POSITIONS positions, positions past MAX_POSITION written once as it."""
    # Hot in a rebuild (every token of three fields of every listing): one dict
    # operation per token, and the literal built by one join, not a format per token.
    if "'" in tokens or "\\" in tokens:  # quoting the whole stream quotes each token
        tokens = tokens.replace("\\", "\\\\").replace("'", "''")
    split = tokens.split()
    past_last = len(split) - MAX_POSITION
    at = _FROM_ONE if past_last <= 0 else _FROM_ONE + [_LAST] * past_last
    positions: dict[str, list[str]] = {}
    add = positions.setdefault
    for token, i in zip(split, at, strict=False):  # at: every position there is
        add(token, []).append(i)
    if len(split) > MAX_POSITIONS and max(map(len, positions.values())) > MAX_POSITIONS:
        for seen in positions.values():
            del seen[MAX_POSITIONS:]
    if past_last > 0:
        for seen in positions.values():
            while len(seen) > 1 and seen[-1] is _LAST and seen[-2] is _LAST:
                seen.pop()
    parts: list[str] = [" '", "", "':", ""] * len(positions)
    parts[1::4] = positions
    parts[3::4] = map(",".join, positions.values())
    return "".join(parts)[1:]


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    cols = [*columns, *(vector_column(f) for f in FIELDS)]
    marks = ["%s"] * len(columns) + ["%s::tsvector"] * len(FIELDS)
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(marks)})"


def copy_rows(cursor, table: str, columns: tuple[str, ...], rows: Iterable[list[Any]]) -> int:
    """Insert ``rows`` (``insert_sql``'s parameters) with one ``COPY``: no statement per
    row to parse and plan. The tsvector columns read the same literals (text input)
    as ``%s::tsvector``, so the stored rows are the same."""
    cols = ", ".join([*columns, *(vector_column(f) for f in FIELDS)])
    written = 0
    with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


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
        lexemes, matches, found = term_lexemes("e", f, terms)
        postings.append(
            f"SELECT e.id, '{f}'::text AS fld, u.lexeme AS term, {TF} AS tf, "
            f"e.{f}_len AS len, n.{f} AS avglen FROM n, {table} e, {lexemes} WHERE {matches}"
        )
        params += found
    # The collection's size and average field lengths in one pass over the table.
    averages = ", ".join(f"avg({f}_len) AS {f}" for f in FIELDS)
    stats = f"SELECT count(*)::float8 AS n, {averages} FROM {table}"
    fields = [c.field for c in query.clauses]
    terms = [c.term for c in query.clauses]
    weights = [c.weight for c in query.clauses]
    groups = query.groups()  # a group scores its stronger evidence (search/query.py)
    # The match condition counts distinct grams: a gram in two groups is counted once,
    # at its first clause.
    counted, seen = [], set()
    for c in query.clauses:
        counted.append(c.field == GRAMS and c.term not in seen)
        if c.field == GRAMS:
            seen.add(c.term)
    # The condition is checked in the same aggregation as the scores (HAVING): a join of
    # the scores with a separately grouped list of matching ids was planned as a nested
    # loop (both sides estimated at one row), quadratic in the number of candidates.
    sql = f"""
        WITH n AS MATERIALIZED ({stats}),
        p AS ({" UNION ALL ".join(postings)}),
        q AS (SELECT * FROM unnest(%s::text[], %s::text[], %s::float8[], %s::int[], %s::bool[])
              AS q(fld, term, w, grp, counted)),
        df AS (SELECT fld, term, count(*)::float8 AS n FROM p GROUP BY fld, term),
        kinds AS (SELECT p.id, q.grp, (p.fld = '{GRAMS}') AS g, SUM(
            q.w * ln(1 + (n.n - df.n + 0.5) / (df.n + 0.5))
            * p.tf * {K1 + 1} / (p.tf + {K1} * ({1 - B} + {B} * p.len / greatest(p.avglen, 1)))
        ) AS s, count(*) FILTER (WHERE q.counted) AS grams
        FROM p JOIN q USING (fld, term) JOIN df USING (fld, term) CROSS JOIN n
        GROUP BY p.id, q.grp, g),
        groups AS (SELECT id, max(s) + {TIE_BREAKER} * (sum(s) - max(s)) AS s,
            bool_or(NOT g) AS word, sum(grams) AS grams
            FROM kinds GROUP BY id, grp)
        SELECT id, SUM(s) AS score FROM groups GROUP BY id
        HAVING bool_or(word) OR sum(grams) >= %s
    """
    return sql, [*params, fields, terms, weights, groups, counted, query.min_grams]


def optimise_statements(table: str, *, in_transaction: bool = False) -> list[str]:
    """Fresh planner statistics after a bulk load (TEMP tables get none); outside a
    transaction also a VACUUM: it marks the pages all-visible, so the collection
    statistics come from the lengths index alone, and empties the GIN pending lists."""
    return [f"ANALYZE {table}" if in_transaction else f"VACUUM (ANALYZE) {table}"]


def doc_freqs(cursor, table: str, field: str, terms: list[str]) -> tuple[int, dict[str, int]]:
    cursor.execute(f"SELECT count(*) FROM {table}")
    n = cursor.fetchone()[0]
    lexemes, matches, params = term_lexemes("e", field, terms)
    cursor.execute(
        f"SELECT u.lexeme, count(*) FROM {table} e, {lexemes} WHERE {matches} GROUP BY u.lexeme",
        params,
    )
    found = dict(cursor.fetchall())
    return n, {t: found.get(t, 0) for t in terms}
