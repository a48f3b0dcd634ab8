"""SQLite, the embedded default, made safe for several app processes.

pysqlite opens transactions lazily and only for writes, so two processes can both
read a balance and then both write it; SQLite also ignores ``SELECT ... FOR UPDATE``.
So every transaction here starts with ``BEGIN IMMEDIATE``: it takes the database's
write lock up front and the books cannot be raced (PostgreSQL uses row locks
instead). WAL lets readers proceed meanwhile; busy_timeout makes writers queue
rather than fail. This is also SQLAlchemy's documented recipe for working
SAVEPOINTs on pysqlite.
"""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _configure(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_immediate(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
