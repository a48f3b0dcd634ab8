"""The build's precompressed files (pwa/build.mjs writes .br and .gz beside each text and
wasm file) and Flask serving them to a browser that accepts them (server/http/pwa.py), as
Caddy's `precompressed br gzip` does in production."""
import gzip
import json
import os
import shutil
import subprocess

import pytest

from tests.pwa.conftest import DIST_DIR

SCRIPT = b"export const hello = 'ciao';\n" * 50


@pytest.fixture
def dist(app, tmp_path):
    """A small build of our own: one script with both copies, one with none, the shell with brotli only."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "main-ABC.js").write_bytes(SCRIPT)
    (tmp_path / "assets" / "main-ABC.js.br").write_bytes(b"brotli bytes")
    (tmp_path / "assets" / "main-ABC.js.gz").write_bytes(gzip.compress(SCRIPT))
    (tmp_path / "assets" / "tiny-DEF.js").write_bytes(b"1")
    (tmp_path / "index.html").write_bytes(b"<!doctype html><title>shell</title>")
    (tmp_path / "index.html.br").write_bytes(b"brotli shell")
    (tmp_path / "service-worker.js").write_bytes(b"self;")
    app.config["PWA_DIST_DIR"] = str(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("accepted", "encoding"), [
    ("gzip, deflate, br, zstd", "br"),
    ("gzip", "gzip"),
    ("br;q=0, gzip", "gzip"),
    ("identity", None),
    (None, None),
])
def test_a_script_comes_in_the_best_encoding_the_browser_accepts(client, dist, accepted, encoding):
    answer = client.get("/assets/main-ABC.js", headers={"Accept-Encoding": accepted} if accepted else {})

    assert answer.status_code == 200
    assert answer.headers.get("Content-Encoding") == encoding
    assert answer.mimetype == "text/javascript"
    assert "Accept-Encoding" in answer.headers["Vary"]
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    expected = {"br": b"brotli bytes", "gzip": (dist / "assets" / "main-ABC.js.gz").read_bytes(), None: SCRIPT}
    assert answer.get_data() == expected[encoding]
    assert int(answer.headers["Content-Length"]) == len(expected[encoding])


def test_a_file_without_copies_comes_as_it_is(client, dist):
    answer = client.get("/assets/tiny-DEF.js", headers={"Accept-Encoding": "br, gzip"})

    assert answer.headers.get("Content-Encoding") is None
    assert answer.get_data() == b"1"


def test_the_shell_of_an_in_app_route_comes_compressed_and_revalidated(client, dist):
    answer = client.get("/w/claim/ABCD-EFGH-JKLM", headers={"Accept-Encoding": "br"})

    assert (answer.status_code, answer.headers.get("Content-Encoding")) == (200, "br")
    assert answer.mimetype == "text/html"
    assert answer.headers["Cache-Control"] == "no-cache"
    assert answer.get_data() == b"brotli shell"


def test_a_copy_older_than_its_file_is_stale_and_the_file_comes_instead(client, dist):
    script = dist / "assets" / "main-ABC.js"
    copy = dist / "assets" / "main-ABC.js.br"
    os.utime(copy, (script.stat().st_mtime - 10, script.stat().st_mtime - 10))

    answer = client.get("/assets/main-ABC.js", headers={"Accept-Encoding": "br"})

    assert answer.headers.get("Content-Encoding") is None
    assert answer.get_data() == SCRIPT


def test_a_compressed_copy_is_not_an_asset_of_its_own(client, dist):
    """Only ever sent under its asset's name and type: asked for by its own name, it would
    come labelled as the script it holds, without the encoding that makes it one."""
    answer = client.get("/assets/main-ABC.js.br", headers={"Accept-Encoding": "br"})

    assert answer.status_code == 404


def test_the_build_wrote_both_copies_of_every_shell_file_and_they_decode_to_it():
    if not (DIST_DIR / "asset-manifest.json").is_file():
        pytest.skip("pwa/dist is not built: run `make pwa`")
    manifest = json.loads((DIST_DIR / "asset-manifest.json").read_text())
    files = ["/index.html", *[url for url in manifest["shell"] if url.endswith((".js", ".css"))], *manifest["wasm"]]
    node = shutil.which("node")
    for url in files:
        original = (DIST_DIR / url.lstrip("/")).read_bytes()
        assert gzip.decompress((DIST_DIR / (url.lstrip("/") + ".gz")).read_bytes()) == original, url
        if node:  # Python has no brotli here; node's zlib does
            decoded = subprocess.run(
                [node, "-e", "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(process.argv[1])))",
                 str(DIST_DIR / (url.lstrip("/") + ".br"))], capture_output=True, check=True).stdout
            assert decoded == original, url
