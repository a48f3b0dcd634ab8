"""The issuer keyset of this app: loaded once per process from the instance folder.

``mentoring keys init`` creates it (make demo does); tests and a fresh instance
get one created on first use, so the demo never fails for want of keys.
"""
import time

from flask import current_app

from signing import IssuerKeyset, PublicKeyset, keystore


def issuer_keyset() -> IssuerKeyset:
    cached = current_app.extensions.get("mentoring.issuer_keyset")
    if cached is None:
        keystore.init(current_app.instance_path, now=int(time.time()))
        cached = keystore.load(current_app.instance_path)
        current_app.extensions["mentoring.issuer_keyset"] = cached
    return cached


def public_keyset() -> PublicKeyset:
    return issuer_keyset().public()
