"""The private PostgreSQL server of the test suite (``postgres_server``, ``postgres_url``)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.timeout(60)


def test_data_survives_a_clean_stop_and_a_crash(postgres_server: PostgresServer,
                                                postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE entries (id int PRIMARY KEY, body text NOT NULL)"))
            conn.execute(text("INSERT INTO entries VALUES (1, 'before the clean stop')"))
        engine.dispose()

        postgres_server.stop()  # clean: a checkpoint is written
        postgres_server.start()
        postgres_server.kill()  # a crash: no checkpoint
        postgres_server.start()  # crash recovery from the WAL

        with engine.begin() as conn:
            rows = conn.execute(text("SELECT id, body FROM entries ORDER BY id")).all()
            assert [tuple(row) for row in rows] == [(1, "before the clean stop")]
            conn.execute(text("INSERT INTO entries VALUES (2, 'after recovery')"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM entries")).scalar_one() == 2
    finally:
        engine.dispose()


def test_connecting_while_stopped_is_an_operational_error(postgres_server: PostgresServer,
                                                          postgres_url: str) -> None:
    engine = create_engine(postgres_url, connect_args={"connect_timeout": 2})
    try:
        postgres_server.stop()
        with pytest.raises(OperationalError), engine.connect():
            pass
        postgres_server.start()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
