"""The test database's tables, emptied fast between tests (PostgreSQL) or between the
fuzzer's sequences (both databases)."""
import sqlalchemy as sa

from server.extensions import db


def empty_tables() -> None:
    """Every table emptied, ids starting from 1 again. DELETE, not TRUNCATE: the tests'
    data is a few hundred rows, and TRUNCATE makes every table's files anew (0.7 s on
    PostgreSQL). SQLite gives the next rowid after the largest one left: none, so 1."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        for sequence in db.session.scalars(sa.text(
                "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = current_schema()")).all():
            db.session.execute(sa.text(f"ALTER SEQUENCE {sequence} RESTART"))
    db.session.commit()


def fresh_postgresql_schema() -> None:
    """Every table of the models, empty, ids from 1. Making and dropping the schema cost
    about a second a test on PostgreSQL (a third of the suite's time there), so the
    tables stay between tests and are emptied here. When the tables are not exactly the
    models' (a migration test ran, a test dropped them, a model gained a column since the
    tables were made), the schema is made anew."""
    schema = db.session.scalar(sa.text("SELECT current_schema()")) or "public"  # none left: public
    columns = {(table, column) for table, column in db.session.execute(sa.text(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"))}
    if columns != {(table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns}:
        db.session.rollback()
        db.session.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        db.session.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        db.session.commit()
        db.create_all()
        return
    empty_tables()


def fresh_schema() -> None:
    """The models' tables, empty: on PostgreSQL the shared test database's (made or
    emptied), on SQLite a new file's. Every fixture that builds on the test database
    starts here: a test leaves its rows behind on PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        fresh_postgresql_schema()
    else:
        db.create_all()
