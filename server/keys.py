"""The issuer keyset of this app, read from the instance folder and read again when
the key file changes.

``mentoring keys init`` creates it (make demo does); tests and a fresh instance get one
created on first use, so the demo never fails for want of keys.

``mentoring keys rotate`` rewrites the file while gunicorn workers run. Each worker keeps
the keyset in memory and, at most every ``KEYS_RELOAD_INTERVAL_SECONDS``, compares the
file's stat (inode, size, times) with what it loaded: one ``stat`` call, no decryption,
so it costs nothing per request. A changed file is decrypted again, so a rotated key
reaches the JWK Set and the scanners' bundles and, once active, signs, without a
restart. (``kill -HUP`` on the gunicorn master, which restarts the workers gracefully,
does the same at once.)
"""
import logging
import os
import time
from dataclasses import dataclass

from flask import current_app

from signing import IssuerKeyset, PublicKeyset, keystore
from signing.errors import KeyStoreError

log = logging.getLogger(__name__)

_EXTENSION = "mentoring.issuer_keyset"
DEFAULT_RELOAD_INTERVAL_SECONDS = 2


@dataclass
class _Loaded:
    keyset: IssuerKeyset
    public: PublicKeyset
    stamp: tuple  # what os.stat said of the file that was read
    checked_at: float  # time.monotonic() of the last stat


def _stamp(path) -> tuple | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    # The file is replaced atomically (a new inode); size and nanosecond times also
    # tell apart a rewrite that happens to reuse a freed inode number.
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _current() -> _Loaded:
    app = current_app
    loaded = app.extensions.get(_EXTENSION)
    now = time.monotonic()
    interval = app.config.get("KEYS_RELOAD_INTERVAL_SECONDS", DEFAULT_RELOAD_INTERVAL_SECONDS)
    if loaded is not None and now - loaded.checked_at < interval:
        return loaded
    path = os.path.join(app.instance_path, keystore.KEY_FILE_NAME)
    if loaded is None:
        keystore.init(app.instance_path, now=int(time.time()))
    stamp = _stamp(path)
    if loaded is not None and stamp == loaded.stamp:
        loaded.checked_at = now
        return loaded
    try:
        keyset = keystore.load(app.instance_path)
    except KeyStoreError as error:
        if loaded is None:
            raise
        # A damaged or missing file, or a passphrase that no longer opens it: keep
        # signing with the keys already in memory rather than fail every credential,
        # and say so loudly. The next change of the file is tried again.
        log.error("issuer keys not reloaded, keeping the %d in memory: %s", len(loaded.keyset.keys), error)
        loaded.stamp, loaded.checked_at = stamp, now
        return loaded
    if loaded is not None:
        log.info("issuer keys reloaded from %s: key ids %s", path, [key.key_id for key in keyset.keys])
    loaded = _Loaded(keyset, keyset.public(), stamp, now)
    app.extensions[_EXTENSION] = loaded
    return loaded


def issuer_keyset() -> IssuerKeyset:
    return _current().keyset


def public_keyset() -> PublicKeyset:
    return _current().public
