"""Alembic environment: migrates the mirror at the URL the caller configured."""

from alembic import context
from sqlalchemy import create_engine

from loaders.schema import metadata

url = context.config.get_main_option("sqlalchemy.url")
connection = context.config.attributes.get("connection")


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    with create_engine(url).connect() as conn:
        run(conn)
