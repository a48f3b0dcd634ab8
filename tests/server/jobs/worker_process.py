"""`mentoring worker --burst` in a process of its own, for the Redis tests. With
``stall`` it stops for good in the middle of its second issuance chunk (vouchers
written, not committed) and says so on stdout: the test then kills it."""
import sys
import threading

from server.cli import main
from server.vouchers import api as vouchers_api

if __name__ == "__main__":
    if sys.argv[1:] == ["stall"]:
        real, calls = vouchers_api.settle_direct, []

        def stalls_in_the_second_chunk(issuance, **kwargs):
            issued = real(issuance, **kwargs)
            calls.append(1)
            if len(calls) == 2:
                print("stalled", flush=True)
                threading.Event().wait()
            return issued

        vouchers_api.settle_direct = stalls_in_the_second_chunk
    sys.argv = ["mentoring", "worker", "--burst"]
    main()
