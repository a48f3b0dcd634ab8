"""PWA shell size: the JavaScript and CSS a phone downloads to open `/`, gzipped.

    .venv/bin/python bench/pwa_shell.py [--level 6] [--browser]

The shell is what `/` loads before any lazy import: the entry bundle, the chunks it
imports statically, and the stylesheet (pwa/dist/asset-manifest.json lists them;
build.mjs derives the list from esbuild's metafile). The scanner's chunk, the
organisations' area, the member pages (login, invitation, a sponsor's public page) and
the zxing WebAssembly are loaded on demand and excluded.
Target (DESIGN.md section 7): under 100 KB gzipped.

Builds first if needed (`make pwa`, which does nothing when the build is current).
`--browser` also opens `/` in headless Chromium and checks that the JS and CSS it
actually fetched are exactly the listed shell. The last line is one JSON object.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DIST = REPO_ROOT / "pwa" / "dist"
TARGET_BYTES = 100 * 1024

sys.path.insert(0, str(REPO_ROOT))


def build() -> None:
    subprocess.run(["make", "--no-print-directory", "-C", str(REPO_ROOT), "pwa"], check=True,
                   stdout=sys.stderr)


def gzipped(path: Path, level: int) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=level, mtime=0))


def sizes(urls, level: int) -> dict:
    return {url: {"raw": (DIST / url.lstrip("/")).stat().st_size, "gzip": gzipped(DIST / url.lstrip("/"), level)}
            for url in urls}


def fetched_by_browser() -> list[str]:
    """The JS and CSS paths Chromium requests when it opens `/` (served by the real app)."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import WSGIRequestHandler, make_server

    from server import create_app

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    with tempfile.TemporaryDirectory() as instance:
        os.environ["MENTORING_INSTANCE_PATH"] = instance  # a throwaway secret key, not the demo's
        app = create_app({"DATABASE_URL": f"sqlite:///{instance}/bench.db", "PWA_DIST_DIR": str(DIST)})
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run"])
                # No service worker: it would precache the lazy areas too, which the page itself never asked for.
                page = browser.new_page(service_workers="block")
                seen = []
                page.on("request", lambda request: seen.append(request.url))
                page.goto(f"http://127.0.0.1:{server.server_port}/", wait_until="networkidle")
                browser.close()
        finally:
            server.shutdown()
    paths = ["/" + url.split("/", 3)[3] for url in seen]
    return sorted({path for path in paths if path.endswith((".js", ".css"))})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--level", type=int, default=6, help="gzip level (6: what web servers use by default)")
    parser.add_argument("--browser", action="store_true", help="check the shell list against a real page load")
    parser.add_argument("--no-build", action="store_true", help="measure pwa/dist as it is")
    args = parser.parse_args()

    if not args.no_build:
        build()
    manifest = json.loads((DIST / "asset-manifest.json").read_text())
    # "shell" is the service worker's required precache list; the wallet's on-demand chunks
    # are in it (offline use) but `/` does not load them (build.mjs: walletChunks).
    on_demand = set(manifest.get("wallet_lazy", []))
    shell = [url for url in manifest["shell"] if url.endswith((".js", ".css")) and url not in on_demand]
    lazy = {area: [url for url in urls if url.endswith(".js")] for area, urls in manifest["lazy"].items()}
    shell_sizes = sizes(shell, args.level)
    lazy_sizes = {area: sum(size["gzip"] for size in sizes(urls, args.level).values()) for area, urls in lazy.items()}
    total = sum(size["gzip"] for size in shell_sizes.values())
    js = sum(size["gzip"] for url, size in shell_sizes.items() if url.endswith(".js"))
    css = total - js

    print(f"PWA shell, gzip level {args.level} (build {manifest['version']}):")
    for url, size in shell_sizes.items():
        print(f"  {url:<40} {size['raw'] / 1024:8.1f} KB raw {size['gzip'] / 1024:8.1f} KB gzipped")
    print(f"  {'total':<40} {'':>8}           {total / 1024:8.1f} KB gzipped "
          f"(JS {js / 1024:.1f} KB, CSS {css / 1024:.1f} KB)")
    print(f"  target < {TARGET_BYTES // 1024} KB: {'met' if total < TARGET_BYTES else 'MISSED'}")
    for area, size in lazy_sizes.items():
        print(f"  on demand, not in the shell: {area} {size / 1024:.1f} KB gzipped")
    wasm = sum((DIST / url.lstrip("/")).stat().st_size for url in manifest["wasm"])
    print(f"  on demand, not in the shell: zxing wasm {wasm / 1024:.0f} KB")

    result = {"benchmark": "pwa_shell", "gzip_level": args.level, "shell_gzip_bytes": total, "js_gzip_bytes": js,
              "css_gzip_bytes": css, "target_bytes": TARGET_BYTES, "target_met": total < TARGET_BYTES,
              "lazy_gzip_bytes": lazy_sizes, "files": len(shell)}
    if args.browser:
        fetched = fetched_by_browser()
        result["browser_fetched_matches_shell"] = fetched == sorted(shell)
        print(f"  Chromium fetched {len(fetched)} JS/CSS files at /: "
              f"{'exactly the shell' if fetched == sorted(shell) else fetched}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
