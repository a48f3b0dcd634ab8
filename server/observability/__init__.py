"""Request ids, JSON logs and Prometheus metrics for the app (README.md beside this file).

``init_app(app)`` is called by the app factory. The request hooks hang on Flask's
``request_started`` and ``request_finished`` signals rather than before/after_request:
signals fire around every hook, so a request's time includes the commit
(server/http/transactions.py) and a refusal by the CSRF check still gets an id and a
line, whatever order the factory registers its hooks in.
"""
import time

from flask import Flask, g, request, request_finished, request_started
from flask.logging import default_handler

from server.observability import logs, metrics


def init_app(app: Flask) -> None:
    app.config.setdefault("LOG_JSON", True)
    app.config.setdefault("METRICS_TOKEN", None)
    app.config.setdefault("METRICS_LEDGER_MAX_AGE_SECONDS", 60)
    # Tests keep pytest's log capture; a served app (gunicorn, flask run, CLI) logs JSON.
    if app.config["LOG_JSON"] and not app.testing:
        logs.install()
        app.logger.removeHandler(default_handler)  # its lines reach the root's JSON handler
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)
    app.register_blueprint(metrics.bp)


def _started(sender, **extra):
    logs.start_request()


def _finished(sender, response, **extra):
    if "request_started" not in g:  # a response made without a request started (none today)
        return
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.observe_request(route=route, method=request.method, status=response.status_code,
                            seconds=time.perf_counter() - g.request_started)
    logs.finish_request(response, route)

