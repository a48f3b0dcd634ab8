"""`mentoring worker --burst` in a process of its own, for the Redis tests. With
``stall <module>:<function>`` it stops for good in the middle of the job's second chunk,
inside the second call of that function (its rows written, not committed), and says so
on stdout: the test then kills it. E.g. ``stall server.vouchers.api:settle_direct``
(issuance), ``stall server.settlement.api:settle_next_venues`` (a settlement run)."""
import importlib
import sys
import threading

from server.cli import main

if __name__ == "__main__":
    if sys.argv[1:2] == ["stall"]:
        module_name, name = sys.argv[2].split(":")
        module = importlib.import_module(module_name)
        real, calls = getattr(module, name), []

        def stalls_in_the_second_chunk(*args, **kwargs):
            done = real(*args, **kwargs)
            calls.append(1)
            if len(calls) == 2:
                print("stalled", flush=True)
                threading.Event().wait()
            return done

        setattr(module, name, stalls_in_the_second_chunk)
    sys.argv = ["mentoring", "worker", "--burst"]
    main()
