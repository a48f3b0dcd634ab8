"""First load on a slow signal: how long until the wallet (/w) and the scanner (/s) are
usable on a phone's first visit, through the production stack and through the plain
Werkzeug server the README used to run.

    .venv/bin/python bench/first_load.py [--runs 3] [--no-build]

Network: Chrome DevTools' "Slow 3G" profile through CDP Network.emulateNetworkConditions:
latency 2000 ms (CDP's latency is the minimum from a request sent to its response headers,
that is the round trip) and 400 kbit/s (50,000 bytes/s) down and up. Cold cache: a new
browser context (empty HTTP cache, no cookies, no storage) for every load, service workers
blocked (their fetches run outside the page's emulated network, and a first visit is before
any worker anyway).

Usable, as measured (performance.now(), from the navigation's start, in the page):
  /w  the wallet's claim form is drawn and working: the "Codice del buono" field (a new
      student has no voucher yet; it is the first thing they do) is visible;
  /s  the scanner's first screen has the server's answer: the "Accedi" link of a door phone
      not yet logged in (its next step) is visible.
The app draws them once its JavaScript has run, the stylesheet is applied (it comes before
the script) and, for /s, /api/v1/auth/me has answered. Also printed: the first paint (the
shell's loading state) and the bytes transferred.

Servers, in the same run, on the same build and a fresh SQLite database:
  stack     deploy/run-local.sh: Caddy (HTTPS, tls internal, HTTP/2, precompressed br files)
            in front of gunicorn;
  werkzeug  `mentoring run`'s server (plain HTTP/1.1), which now sends the build's .br
            files too (server/http/pwa.py);
  werkzeug-identity  the same, asked for no compression (Accept-Encoding: identity), as
            the README's server sent everything before issue 14.
Targets (issue 14): /w < 5 s, /s < 7 s, through the stack. The median of --runs loads is
printed (after one load per server and path not counted: a warm server, a cold browser);
the last line is one JSON object. Figures, not assertions: nothing here fails.
"""
import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DIST = REPO_ROOT / "pwa" / "dist"
sys.path.insert(0, str(REPO_ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 400_000 // 8, "uploadThroughput": 400_000 // 8}
TARGETS_MS = {"/w": 5000, "/s": 7000}
USABLE = {
    "/w": "form.claim-form input[name='code']",
    "/s": "a[href='/login?next=/s']",
}


def build() -> None:
    subprocess.run(["make", "--no-print-directory", "-C", str(REPO_ROOT), "pwa"], check=True, stdout=sys.stderr)


def prepared_instance(base: Path) -> tuple[Path, str]:
    """An instance folder with keys and a database with the schema (nobody needs more on a first visit)."""
    from server import create_app
    from server.extensions import db
    from signing import keystore

    instance = base / "instance"
    database_url = f"sqlite:///{base / 'first-load.db'}"
    os.environ["MENTORING_INSTANCE_PATH"] = str(instance)
    app = create_app({"DATABASE_URL": database_url})
    keystore.init(Path(app.instance_path), now=int(time.time()) - 86_400)
    with app.app_context():
        db.create_all()
    return instance, database_url


def werkzeug_server(database_url: str):
    """The app on Werkzeug's threaded server, as `mentoring run` serves it."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from server import create_app

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    app = create_app({"DATABASE_URL": database_url, "DEVELOPMENT": True, "PWA_DIST_DIR": str(DIST)})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, name="werkzeug", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def first_load(browser, base_url: str, path: str, *, identity: bool = False) -> dict:
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="it-IT", timezone_id="Europe/Rome",
                                  service_workers="block", ignore_https_errors=True,
                                  extra_http_headers={"Accept-Encoding": "identity"} if identity else None)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        received = []
        cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
        page.goto(base_url + path, wait_until="commit", timeout=120_000)
        usable = page.wait_for_function(
            """(selector) => { const found = document.querySelector(selector);
                 return found && found.checkVisibility() ? performance.now() : false; }""",
            arg=USABLE[path], polling="raf", timeout=120_000).json_value()
        paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
        return {"usable_ms": round(usable), "first_paint_ms": round(paint) if paint else None,
                "bytes": sum(received), "requests": len(received)}
    finally:
        context.close()


def median_of(loads: list[dict]) -> dict:
    return {key: round(statistics.median(load[key] for load in loads)) if loads[0][key] is not None else None
            for key in loads[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="loads per server and path (the median is printed)")
    parser.add_argument("--no-build", action="store_true", help="measure pwa/dist as it is")
    args = parser.parse_args()
    if not args.no_build:
        build()
    logging.disable(logging.INFO)  # the in-process app's request logs would bury the figures

    from playwright.sync_api import sync_playwright

    from deploy.local_stack import LocalStack

    results = {}
    with tempfile.TemporaryDirectory() as temporary:
        instance, database_url = prepared_instance(Path(temporary))
        werkzeug, werkzeug_url = werkzeug_server(database_url)
        try:
            with LocalStack(instance, database_url, dist=DIST) as stack, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                servers = {"stack": (stack.url, False), "werkzeug": (werkzeug_url, False),
                           "werkzeug-identity": (werkzeug_url, True)}
                for name, (url, identity) in servers.items():
                    for path in USABLE:
                        # One load not counted: the server's first answers (a gunicorn worker's
                        # first request, Caddy's first TLS session) are not what a phone meets.
                        first_load(browser, url, path, identity=identity)
                        loads = [first_load(browser, url, path, identity=identity) for _ in range(args.runs)]
                        results[f"{name} {path}"] = median_of(loads)
                browser.close()
        finally:
            werkzeug.shutdown()

    print(f"First load on Slow 3G (latency {SLOW_3G['latency']} ms, 400 kbit/s), cold cache, "
          f"median of {args.runs}:")
    for key, figures in results.items():
        name, path = key.split(" ")
        target = f"  target < {TARGETS_MS[path] / 1000:.0f} s: " + (
            "met" if figures["usable_ms"] < TARGETS_MS[path] else "MISSED") if name == "stack" else ""
        print(f"  {name:<18} {path}  usable {figures['usable_ms'] / 1000:5.2f} s  first paint "
              f"{(figures['first_paint_ms'] or 0) / 1000:5.2f} s  {figures['bytes'] / 1024:6.1f} KB in "
              f"{figures['requests']} requests{target}")
    print(json.dumps({"benchmark": "first_load", "network": SLOW_3G, "runs": args.runs, "targets_ms": TARGETS_MS,
                      "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
