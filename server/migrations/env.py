import logging
from contextlib import contextmanager
from logging.config import fileConfig

import sqlalchemy as sa
from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Logging from alembic.ini for the `mentoring db` commands. Not under tests: it would
# reset the root logger's level and the loggers pytest captures.
if not current_app.testing:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')


# The app's database and models (server/models.py imports them all).
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db


def render_item(type_, obj, autogen_context):
    """Column types of our own (server/db_types.py) are written into migrations as the
    SQLAlchemy type they store as: a migration must not import application code,
    which keeps changing after the migration is written."""
    if type_ == "type" and isinstance(obj, sa.types.TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives
    conf_args.setdefault("render_item", render_item)

    connectable = get_engine()

    with connectable.connect() as connection, sqlite_foreign_keys_off(connection):
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            # On SQLite too, all the migrations of a run are one transaction, DDL
            # included: server/sqlite.py has SQLAlchemy emit BEGIN itself, so a
            # migration that fails leaves nothing half done.
            transactional_ddl=True,
            **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()
            check_sqlite_foreign_keys(connection)


@contextmanager
def sqlite_foreign_keys_off(connection):
    """Batch mode changes a SQLite table by copying it and dropping the original;
    with foreign keys enforced (server/sqlite.py) the drop fails as soon as another
    table's rows point at it. The pragma only works outside a transaction, so it is
    set on the driver's connection before SQLAlchemy begins one, and set back after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver_connection = connection.connection.driver_connection
    driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver_connection.execute("PRAGMA foreign_keys=ON")


def check_sqlite_foreign_keys(connection):
    """What enforcement would have refused while it was off. Raising here rolls
    the migrations back."""
    if connection.dialect.name != "sqlite":
        return
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise RuntimeError(f"foreign keys broken by the migration (table, rowid, parent, fk): {violations}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
