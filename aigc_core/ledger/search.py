"""Full-text search over results, one implementation per database, chosen by dialect name.

- SQLite: an FTS5 table over ``results.search_text`` kept in step by triggers; a query's words
  are each quoted, so punctuation in them is never FTS syntax, and all must occur.
- PostgreSQL: a stored ``tsvector`` column generated from ``search_text`` with the ``simple``
  configuration (no stemming: outputs are in many languages), a GIN index, and
  ``websearch_to_tsquery``, which accepts whatever a user types.

``DDL[dialect]`` is what the migration runs; ``matching(dialect, query)`` is the condition a
listing adds.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, bindparam, text

from ..errors import ConfigError

_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE results_fts USING fts5(search_text, content='results', "
    "content_rowid='rowid')",
    "CREATE TRIGGER results_fts_insert AFTER INSERT ON results BEGIN "
    "INSERT INTO results_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER results_fts_delete AFTER DELETE ON results BEGIN "
    "INSERT INTO results_fts(results_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); END",
]

_POSTGRES_DDL = [
    "ALTER TABLE results ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX ix_results_search ON results USING GIN (search_vector)",
]

#: What the first migration runs, by dialect name, to make results searchable.
DDL: dict[str, list[str]] = {"sqlite": _SQLITE_DDL, "postgresql": _POSTGRES_DDL}

#: What migration 0005 runs so that the planner knows rare words are rare. PostgreSQL keeps
#: the frequencies of the most common words only (1,000 at the default statistics target)
#: and guesses about 0.5% of results for any other; a search for a word in 77 of 200,000
#: results then walked jobs newest first to the end (2.4 s) where the index would have found
#: them at once. Ten times the words makes that guess small enough.
STATISTICS: dict[str, list[str]] = {
    "sqlite": [],
    "postgresql": ["ALTER TABLE results ALTER COLUMN search_vector SET STATISTICS 1000"],
}


def _fts5_phrase(query: str) -> str:
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


def _sqlite(query: str) -> ColumnElement[bool]:
    return text("results.rowid IN (SELECT rowid FROM results_fts WHERE results_fts MATCH "
                ":fts_query)").bindparams(bindparam("fts_query", _fts5_phrase(query)))


def _postgres(query: str) -> ColumnElement[bool]:
    return text("results.search_vector @@ websearch_to_tsquery('simple', :fts_query)"
                ).bindparams(bindparam("fts_query", query))


_MATCHING: dict[str, Callable[[str], ColumnElement[bool]]] = {
    "sqlite": _sqlite, "postgresql": _postgres}


def matching(dialect: str, query: str) -> ColumnElement[bool]:
    """The condition that a result's text or output holds every word of ``query``."""
    try:
        return _MATCHING[dialect](query)
    except KeyError:
        raise ConfigError(f"ledger.url: full-text search is not available on {dialect}; "
                          "use SQLite or PostgreSQL") from None
