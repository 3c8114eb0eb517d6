"""DDL for the database backend's full-text indexes, per database engine.

The entry table itself is the ``SearchEntry`` model (migration 0001). On SQLite
each index field gets an FTS5 table over it (external content, kept in step by
triggers; a whitespace-like tokenizer, since the columns hold pre-segmented
tokens). On PostgreSQL each field gets a ``tsvector`` column the backend fills
with the same tokens and positions, and a GIN index.

``search_eval`` builds the same structure as TEMP tables under another name, so
a benchmark never touches the site's own index.
"""

from __future__ import annotations

from search.backends.base import FACETS
from search.query import FIELDS

SITE_TABLE = "search_entry"
# Facet name → entry column.
FACET_COLUMNS = {"type": "doc_type"} | {f: f for f in FACETS if f != "type"}
# unicode61 splits on anything but letters and digits; keep the few symbols that
# occur inside our tokens (3.5mm, c++, c#, e-mail) so a token stays one token.
FTS_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '.+#-_'"


def fts_table(table: str, field: str) -> str:
    return f"{table}_fts_{field}"


def vector_column(field: str) -> str:
    return f"{field}_tsv"


def sqlite_statements(table: str, *, temporary: bool = False) -> list[str]:
    temp = "TEMP " if temporary else ""
    schema = "temp." if temporary else ""
    out: list[str] = []
    for f in FIELDS:
        fts = fts_table(table, f)
        out += [
            f"CREATE VIRTUAL TABLE {schema}{fts} USING fts5({f}, content='{table}', "
            f"content_rowid='id', tokenize=\"{FTS_TOKENIZER}\")",
            f"CREATE {temp}TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {f}) VALUES (new.id, new.{f}); END",
            f"CREATE {temp}TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {f}) VALUES ('delete', old.id, old.{f}); END",
            f"CREATE {temp}TRIGGER {fts}_au AFTER UPDATE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {f}) VALUES ('delete', old.id, old.{f}); "
            f"INSERT INTO {fts}(rowid, {f}) VALUES (new.id, new.{f}); END",
        ]
    return out


def sqlite_drop_statements(table: str) -> list[str]:
    out: list[str] = []
    for f in FIELDS:
        fts = fts_table(table, f)
        out += [f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in ("ai", "ad", "au")]
        out.append(f"DROP TABLE IF EXISTS {fts}")
    return out


def sqlite_refill_statements(table: str) -> list[str]:
    """Index the rows already in ``table`` (new FTS5 tables over an existing table)."""
    return [
        f"INSERT INTO {fts_table(table, f)}({fts_table(table, f)}) VALUES('rebuild')"
        for f in FIELDS
    ]


def postgres_statements(table: str) -> list[str]:
    out: list[str] = []
    for f in FIELDS:
        col = vector_column(f)
        out += [
            f"ALTER TABLE {table} ADD COLUMN {col} tsvector NOT NULL DEFAULT ''",
            f"CREATE INDEX {table}_{col}_gin ON {table} USING gin ({col})",
        ]
    return out


def postgres_drop_statements(table: str) -> list[str]:
    return [f"ALTER TABLE {table} DROP COLUMN IF EXISTS {vector_column(f)}" for f in FIELDS]


def lengths_index(table: str) -> str:
    """Every query reads the collection's size and average field lengths (BM25): from
    this index alone (index-only scan) rather than from the whole wide table."""
    columns = ", ".join(f"{f}_len" for f in FIELDS)
    return f"CREATE INDEX IF NOT EXISTS {table}_lengths ON {table} ({columns})"


def drop_lengths_index(table: str) -> str:
    return f"DROP INDEX IF EXISTS {table}_lengths"


def temporary_statements(vendor: str, table: str) -> list[str]:
    """Full-text structure for a TEMP copy of the entry table (search_eval)."""
    if vendor == "sqlite":
        return sqlite_statements(table, temporary=True)
    if vendor == "postgresql":
        return [*postgres_statements(table), lengths_index(table)]
    return []


def forward_statements(vendor: str, table: str = SITE_TABLE) -> list[str]:
    if vendor == "sqlite":
        return sqlite_statements(table)
    if vendor == "postgresql":
        return postgres_statements(table)
    return []


def backward_statements(vendor: str, table: str = SITE_TABLE) -> list[str]:
    if vendor == "sqlite":
        return sqlite_drop_statements(table)
    if vendor == "postgresql":
        return postgres_drop_statements(table)
    return []


# --- migrations that add a column to the entry table ---------------------------------------
def drop_sqlite_fulltext(apps, schema_editor) -> None:
    """SQLite adds a NOT NULL column by remaking the table, which drops the triggers that
    keep the FTS5 tables in step: a migration takes them down first (RunPython) and
    builds them again afterwards (``create_sqlite_fulltext``)."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in sqlite_drop_statements(SITE_TABLE):
            schema_editor.execute(statement)


def create_sqlite_fulltext(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in sqlite_statements(SITE_TABLE) + sqlite_refill_statements(SITE_TABLE):
            schema_editor.execute(statement)


# --- PostgreSQL: the postings segment (search/backends/database/segment.py) ----------------
SEGMENT_TABLE = "search_segment"
REMOVED_TABLE = "search_removed"
POSTING_TABLE = "search_posting"


def removal_trigger_statements(table: str = SITE_TABLE) -> list[str]:
    """Every entry deleted or changed, by whatever statement, is recorded as removed (per
    statement, not per row): the segment's postings of it are stale from then on. The
    first removal keeps the vectors the segment holds, so document frequencies can be
    corrected without reading the segment's postings."""
    function = f"{table}_removed"
    vectors = ", ".join(vector_column(f) for f in FIELDS)
    # Without a segment there is nothing to mask (a rebuild drops it before deleting).
    body = (
        f"IF EXISTS (SELECT 1 FROM {SEGMENT_TABLE}) THEN "
        f"INSERT INTO {REMOVED_TABLE} (entry_id, {vectors}) SELECT id, {vectors} FROM old_rows "
        "ON CONFLICT DO NOTHING; END IF; RETURN NULL;"
    )
    out = [
        *(f"ALTER TABLE {REMOVED_TABLE} ADD COLUMN {vector_column(f)} tsvector" for f in FIELDS),
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN {body} END $$",
        # Postings are read whole; compressing them would cost every query a decompression.
        f"ALTER TABLE {POSTING_TABLE} ALTER COLUMN ords SET STORAGE EXTERNAL, "
        "ALTER COLUMN tfs SET STORAGE EXTERNAL",
    ]
    for event in ("DELETE", "UPDATE"):
        out.append(
            f"CREATE TRIGGER {function}_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    return out


def drop_removal_trigger_statements(table: str = SITE_TABLE) -> list[str]:
    function = f"{table}_removed"
    return [
        *(f"DROP TRIGGER IF EXISTS {function}_{e} ON {table}" for e in ("delete", "update")),
        f"DROP FUNCTION IF EXISTS {function}()",
    ]
