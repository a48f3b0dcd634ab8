"""`mentoring worker --burst` in a process of its own, for the Redis test of settlement
runs. With ``stall`` it stops for good in the middle of a run's second chunk (its
payouts and transfer written, not committed) and says so on stdout: the test then
kills it."""
import sys
import threading

from server.cli import main
from server.settlement import api as settlement_api

if __name__ == "__main__":
    if sys.argv[1:] == ["stall"]:
        real, calls = settlement_api.settle_next_venues, []

        def stalls_in_the_second_chunk(*args, **kwargs):
            settled = real(*args, **kwargs)
            calls.append(settled)
            if len(calls) == 2:
                print("stalled", flush=True)
                threading.Event().wait()
            return settled

        settlement_api.settle_next_venues = stalls_in_the_second_chunk
    sys.argv = ["mentoring", "worker", "--burst"]
    main()
