"""How a route answers when it hands its work to a job (server/jobs/README.md): 202
Accepted with the job and where to follow it. One answer for every such route
(direct issuance, settlement runs, statement imports), so a client follows any of them
the same way.
"""
import json

from flask import Response, request, url_for


def prefers_async() -> bool:
    """The request says ``Prefer: respond-async`` (RFC 7240): a job even for small work."""
    preferences = request.headers.get("Prefer", "")
    return any(part.split(";", 1)[0].split("=", 1)[0].strip().lower() == "respond-async"
               for part in preferences.split(","))


def accepted(body: dict, job_id: int) -> Response:
    """202 Accepted with the job (``body``, already dumped by the route's schema) and
    ``Location`` naming it. Built by hand: the routes' documented answer is the 201 of
    the work done at once. A retry with the same Idempotency-Key gets this answer
    again, ``Location`` included (server/http/idempotency.py keeps it)."""
    response = Response(json.dumps(body), status=202, mimetype="application/json")
    response.headers["Location"] = url_for("jobs.job", job_id=job_id)
    if prefers_async():
        response.headers["Preference-Applied"] = "respond-async"
    return response
