"""Requests that arrive at the same moment, for the tests that race them (on PostgreSQL
row locks decide the order; on SQLite the write lock queues them)."""
import threading


def at_once(calls):
    """Run each call in its own thread, released together by a barrier; their results in
    order. A call that raises gives its exception as its result, for the test to report."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
