"""The server's time on every API answer, for phones whose clocks are wrong.

Wallets and scanners work offline on their own clocks, which can be minutes (or hours)
off. Each answer from /api/ carries ``Server-Time``: Unix milliseconds when the answer
left. A phone records ``offset = server_time - (sent + received) / 2`` (the round trip
taken into account) and works offline on its clock corrected by it (pwa/src/clock.js;
docs/scanner-protocol.md, "Time"). Milliseconds rather than the ``Date`` header's
whole seconds, and stamped as late as Flask allows.
"""
import time

from flask import Response, request

HEADER = "Server-Time"


def stamp(response: Response) -> Response:
    if request.path.startswith("/api/"):
        response.headers[HEADER] = str(time.time_ns() // 1_000_000)
    return response
