"""Alembic's environment for the ledger: always given a connection by ``database.upgrade``
(``config.attributes["connection"]``), never a URL from an ini file."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
