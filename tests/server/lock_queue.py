"""Requests queued in a known order behind one lock, for the races whose outcome depends
on who is served first (PostgreSQL only: on SQLite the write lock queues them anyway).

The test holds a row lock in a transaction of its own; each call starts in its own
thread once the previous one waits on a lock, so they queue in the order given; then
the lock is let go and they go on in that order."""
import threading

import sqlalchemy as sa

from server.extensions import db
from tests.server.waiting import until, waiting_on_a_lock


def behind_a_lock(app, lock_sql: str, params: dict, calls):
    """Run ``calls`` queued, in order, behind the rows ``lock_sql`` (a SELECT ... FOR
    UPDATE) locks; their results in order (an exception is its call's result)."""
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[index] = error

    with app.app_context():
        connection = db.engine.connect()
        holding = connection.begin()
        assert connection.execute(sa.text(lock_sql), params).all(), "nothing to lock"
        threads = []
        try:
            for index, call in enumerate(calls):
                thread = threading.Thread(target=run, args=(index, call))
                thread.start()
                threads.append(thread)
                # Each waits before the next starts: they queue in the order given.
                until(lambda: waiting_on_a_lock(app) >= index + 1
                      or not thread.is_alive())
        finally:
            holding.rollback()
            connection.close()
        for thread in threads:
            thread.join()
    return results


def account_lock(kind: str, owner_id: int = 0) -> tuple[str, dict]:
    """The SQL and parameters that lock one ledger account."""
    return ("SELECT id FROM ledger_account WHERE kind = :kind AND owner_id = :owner FOR UPDATE",
            {"kind": kind, "owner": owner_id})
