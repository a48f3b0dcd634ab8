"""The migrations in server/migrations build exactly the schema the models describe.

The `app` fixture builds its tables with `create_all`, so these tests use a database
of their own that starts empty: a temporary SQLite file, or, when the suite runs on
PostgreSQL, a scratch database created beside the suite's one and dropped afterwards.
"""
import pprint
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.pool import NullPool

from server import create_app
from server.extensions import db
from tests.conftest import database_url_from_environment

HOW_TO_FIX = (
    'Run `mentoring db migrate -m "what changed"`, read the new file in '
    "server/migrations/versions/ (autogenerate misses some changes) and commit it."
)


@pytest.fixture
def empty_database_url(tmp_path):
    url = database_url_from_environment()
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    suite_url = sa.make_url(url)
    # A name of its own per run, so two suites on one server don't drop each other's.
    name = f"{suite_url.database}_migrations_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(suite_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield suite_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def empty_app(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences():
    """What `mentoring db migrate` would write now: the models compared with the
    database, with the same options the migration environment uses."""
    options = dict(current_app.extensions["migrate"].configure_args)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        return compare_metadata(context, db.metadata)


def test_migrations_have_a_single_head(empty_app):
    heads = ScriptDirectory.from_config(
        current_app.extensions["migrate"].migrate.get_config()
    ).get_heads()
    assert len(heads) == 1, (
        f"The migrations have {len(heads)} heads {heads}: two branches each added one. "
        'Run `mentoring db merge heads -m "merge"` and commit the result.'
    )


def test_upgrade_builds_the_schema_of_the_models(empty_app):
    flask_migrate.upgrade()

    differences = schema_differences()
    if differences:
        pytest.fail(
            "The models differ from the schema the migrations build:\n"
            f"{pprint.pformat(differences)}\n{HOW_TO_FIX}",
            pytrace=False,
        )


def test_downgrade_to_base_and_upgrade_again(empty_app):
    flask_migrate.upgrade()

    flask_migrate.downgrade(revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}

    flask_migrate.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) == set(db.metadata.tables) | {"alembic_version"}


def test_upgrade_leaves_sqlite_foreign_keys_enforced(empty_app):
    # env.py switches enforcement off for batch migrations on SQLite, on a pooled
    # connection the app goes on using.
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    flask_migrate.upgrade()

    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
