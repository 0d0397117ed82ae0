"""Full-text search over results, one implementation per database, chosen by dialect name.

- SQLite: an FTS5 table over ``results.search_text`` kept in step by triggers; a query's words
  are each quoted, so punctuation in them is never FTS syntax, and all must occur.
- PostgreSQL: a stored ``tsvector`` column generated from ``search_text`` with the ``simple``
  configuration (no stemming: outputs are in many languages), a GIN index, and
  ``websearch_to_tsquery``, which accepts whatever a user types. A listing is newest first
  and the planner can only guess how many results hold a word outside its statistics, so
  unless it expects the words to be common, the matches are fetched first, up to ``FEW``: a
  search with that many or fewer is listed from its matches (found by the index), one with
  more by walking jobs newest first, which fills a page at once when words are that common.

``DDL[dialect]`` is what the migration runs; ``matching(connection, query)`` is the condition
a listing adds.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ARRAY, ColumnElement, Connection, String, any_, bindparam, select, text

from ..errors import ConfigError
from . import schema

_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE results_fts USING fts5(search_text, content='results', "
    "content_rowid='rowid')",
    "CREATE TRIGGER results_fts_insert AFTER INSERT ON results BEGIN "
    "INSERT INTO results_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER results_fts_delete AFTER DELETE ON results BEGIN "
    "INSERT INTO results_fts(results_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); END",
]

#: PostgreSQL's full-text index, by name: a bulk load may drop it and build it again after,
#: in one pass, much faster than it is kept up to date row by row.
POSTGRES_INDEX = {"ix_results_search":
                  "CREATE INDEX ix_results_search ON results USING GIN (search_vector)"}

_POSTGRES_DDL = [
    "ALTER TABLE results ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', search_text)) STORED",
    *POSTGRES_INDEX.values(),
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


#: PostgreSQL: a search that matches at most this many results is listed from its matches.
#: The planner guesses the matches of a word outside its statistics (1,357 for a word that 397
#: of 1,000,000 results hold) and, guessing many, walks jobs newest first testing each
#: result for the words, about 50 µs a job: 2.7 s when the matches are few. Fetching them
#: first (the index finds them in milliseconds) and listing the jobs that hold them gives the
#: planner their true number. Words in more results than this (1% of a million) fill a page
#: within a few thousand jobs of the walk.
FEW = 10_000
#: Words the planner expects in more results than this are common, and its statistics know
#: common words well (502,497 expected for 502,409): no count, the walk fills the page at once.
COMMON = 4 * FEW

_POSTGRES_MATCH = "search_vector @@ websearch_to_tsquery('simple', :fts_query)"
_ESTIMATE = text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM results WHERE {_POSTGRES_MATCH}")


def _sqlite(_connection: Connection, query: str) -> ColumnElement[bool]:
    return text("results.rowid IN (SELECT rowid FROM results_fts WHERE results_fts MATCH "
                ":fts_query)").bindparams(bindparam("fts_query", _fts5_phrase(query)))


def _postgres(connection: Connection, query: str) -> ColumnElement[bool]:
    matches = text(f"results.{_POSTGRES_MATCH}").bindparams(bindparam("fts_query", query))
    [plan] = connection.execute(_ESTIMATE, {"fts_query": query}).scalar_one()
    if plan["Plan"]["Plan Rows"] > COMMON:
        return matches
    probe = select(schema.results.c.job_id).where(matches).limit(FEW + 1)
    found = connection.execute(probe).scalars().all()
    if len(found) > FEW:
        return matches
    return schema.jobs.c.job_id == any_(bindparam("fts_jobs", list(found),
                                                  type_=ARRAY(String)))


_MATCHING: dict[str, Callable[[Connection, str], ColumnElement[bool]]] = {
    "sqlite": _sqlite, "postgresql": _postgres}


def matching(connection: Connection, query: str) -> ColumnElement[bool]:
    """The condition that a result's text or output holds every word of ``query`` (on
    PostgreSQL, found out by a first query on ``connection``)."""
    dialect = connection.dialect.name
    try:
        search = _MATCHING[dialect]
    except KeyError:
        raise ConfigError(f"ledger.url: full-text search is not available on {dialect}; "
                          "use SQLite or PostgreSQL") from None
    return search(connection, query)
