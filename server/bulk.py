"""Many rows into one table at once, for issuance at scale (100,000 vouchers in one go).

SQLAlchemy's multi-row INSERT is portable, but on PostgreSQL psycopg re-parses each
page of thousands of placeholders, which costs more than storing the rows. There,
ids are reserved from the table's sequence in one query and the rows go in by
``COPY``, PostgreSQL's bulk path. SQLite keeps the multi-row INSERT (one executemany:
it is in-process and fast), with ids given under its write lock.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from server.extensions import db

PAGE = 5_000
# SQL for a bigint[] from one text parameter made by ``packed_ids`` (``PACKED_IDS % ':ids'``).
PACKED_IDS = "CAST(string_to_array(%s, ',') AS bigint[])"


def insert(table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    if is_postgresql():
        rows = _with_defaults(table, rows)
        columns = list(rows[0])
        _copy(table, columns, [tuple(row[name] for name in columns) for row in rows])
        return
    for start in range(0, len(rows), PAGE):
        db.session.execute(table.insert(), rows[start:start + PAGE])


def insert_returning_ids(table: sa.Table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` and return their new primary keys, in the order of ``rows``."""
    if not rows:
        return []
    ids = fresh_ids(table, len(rows))
    insert_with_ids(table, ids, rows)
    return ids


def fresh_ids(table: sa.Table, count: int) -> list[int]:
    """``count`` new primary keys for ``table``, to insert (``insert_with_ids``) in this
    transaction. Taking them first lets work that needs only the ids (signing the
    credentials of new vouchers) start before the rows are written."""
    if is_postgresql():
        return reserve_ids(table, count)
    # SQLite: every transaction holds the database's write lock from its BEGIN IMMEDIATE
    # (server/sqlite.py), so the ids after the current largest are this transaction's
    # to give until it commits (the caller inserts them before asking for more). Rows
    # with their ids go in as one executemany; an INSERT … RETURNING in parameter order
    # would run one statement per row.
    db.session.flush()
    first = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) + 1
    return list(range(first, first + count))


def insert_with_ids(table: sa.Table, ids: list[int], rows: list[dict]) -> None:
    """Insert ``rows`` with the primary keys ``ids`` (from ``fresh_ids``), in order."""
    if not rows:
        return
    if is_postgresql():
        rows = _with_defaults(table, rows)
        columns = list(rows[0])
        _copy(table, ["id", *columns], [(new_id, *(row[name] for name in columns)) for new_id, row in zip(ids, rows)])
        return
    insert(table, [{"id": new_id, **row} for new_id, row in zip(ids, rows)])


def any_of(column: sa.ColumnElement, values: list) -> sa.ColumnElement:
    """``column IN values`` for thousands of values: on PostgreSQL one array parameter
    (``= ANY(:values)``), which the server parses once, instead of a placeholder each."""
    if is_postgresql():
        # An anonymous parameter: several of these can share one statement.
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type), unique=True))
    return column.in_(list(values))


def packed_ids(ids) -> str:
    """Integers as one text parameter for ``PACKED_IDS`` on PostgreSQL: 10,000 ids as an
    array parameter cost psycopg a Python call each; joined they cost one C call, and
    the server parses the text faster than it receives it."""
    return ",".join(map(str, ids))


def reserve_ids(table: sa.Table, count: int) -> list[int]:
    """``count`` fresh ids from the PostgreSQL sequence behind ``table.id``."""
    # One array in one row: 10,000 rows of one number each cost more to fetch than to make.
    return db.session.scalar(sa.text(
        "SELECT array_agg(nextval(sequence.id)) FROM generate_series(1, :count), "
        "(SELECT CAST(pg_get_serial_sequence(:table, 'id') AS regclass) AS id) AS sequence"),
        {"table": table.name, "count": count})


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _with_defaults(table: sa.Table, rows: list[dict]) -> list[dict]:
    """COPY bypasses SQLAlchemy, so the models' Python-side defaults (``created_at``
    and the like) are filled in here, once for the whole batch."""
    missing = {}
    for column in table.columns:
        if column.name in rows[0] or column.primary_key or column.default is None:
            continue
        default = column.default
        missing[column.name] = default.arg if default.is_scalar else default.arg(None)
    return [{**row, **missing} for row in rows] if missing else rows


def _copy(table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
    db.session.flush()  # COPY runs on the session's connection, after what is pending
    connection = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    with connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
