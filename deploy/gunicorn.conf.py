"""Gunicorn settings for the Mentoring app (`gunicorn -c deploy/gunicorn.conf.py`).

Every value can be overridden from the environment (deploy/mentoring.env), so one file
serves the systemd unit, deploy/run-local.sh and the benchmarks.

Why threads: the app is I/O-bound (PostgreSQL, Redis), and a phone on a slow signal
keeps its request open for seconds; threads let a worker wait on several of them.
Caddy buffers nothing for us, so slow clients would otherwise pin whole processes.
"""
import multiprocessing
import os

# Behind Caddy on the same host: never reachable from outside directly.
bind = os.environ.get("MENTORING_BIND", "127.0.0.1:8000")

# (2 x cores) + 1 processes is gunicorn's rule of thumb for mixed CPU/I-O work; token
# signing (ECDSA) is the CPU part, so processes, not only threads, scale it.
workers = int(os.environ.get("MENTORING_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("MENTORING_THREADS", 4))

# A request longer than this is stuck (the slowest, a scanner's 3 MiB sync batch, takes
# well under a second of work): the worker is killed and restarted.
timeout = int(os.environ.get("MENTORING_TIMEOUT", 30))
# On restart (deploy, SIGTERM from systemd) requests in flight may finish: a scanner's
# sync cut half-way is retried by the phone, but a finished one saves it a round trip.
graceful_timeout = int(os.environ.get("MENTORING_GRACEFUL_TIMEOUT", 30))
# Caddy keeps connections to us open; a little longer than its idle timeout would be
# wasted, shorter makes it reconnect often.
keepalive = 5

# Recycle workers now and then, staggered, so a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200

# The app reads X-Forwarded-For/-Proto through its own ProxyFix (TRUSTED_PROXY_HOPS);
# gunicorn need not interpret them too.
forwarded_allow_ips = "127.0.0.1"

# Errors to stderr: journald (systemd) or the terminal keeps them. No gunicorn access log:
# it writes raw URLs, and paths carry ids and tokens; the app logs one JSON line per request
# with the route's template instead (server/observability/README.md).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("MENTORING_LOG_LEVEL", "info")

proc_name = "mentoring"
# Each worker builds its own app (and database pool): no connection shared across fork.
preload_app = False
# Gunicorn 27's control socket sits at one fixed path per user: a second stack on the
# same machine (tests, benchmarks) would take it over. Nothing here uses it.
control_socket_disable = True


def child_exit(server, worker):
    """A dead worker's gauges stop counting in /metrics (PROMETHEUS_MULTIPROC_DIR, set by the
    systemd unit and run-local.sh: every worker's counts add up in one scrape)."""
    from server.observability.metrics import mark_worker_dead

    mark_worker_dead(worker.pid)
