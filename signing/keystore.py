"""Where the issuer keys live on disk: an instance folder holding the encrypted key
file and, for the demo only, a generated passphrase file (0600).

Production sets ``MENTORING_KEY_PASSPHRASE`` instead and keeps no passphrase on disk.
"""
import os
import secrets
from pathlib import Path

from signing.errors import KeyStoreError
from signing.keys import IssuerKeyset

KEY_FILE_NAME = "issuer_keys.json"
PASSPHRASE_FILE_NAME = "key_passphrase"
PASSPHRASE_ENV = "MENTORING_KEY_PASSPHRASE"


def passphrase(instance_dir: Path, *, environ=os.environ) -> bytes | None:
    if environ.get(PASSPHRASE_ENV):
        return environ[PASSPHRASE_ENV].encode("utf-8")
    path = Path(instance_dir) / PASSPHRASE_FILE_NAME
    if path.exists():
        return path.read_text().strip().encode("utf-8")
    return None


def load(instance_dir: Path, *, environ=os.environ) -> IssuerKeyset:
    secret = passphrase(instance_dir, environ=environ)
    path = Path(instance_dir) / KEY_FILE_NAME
    if secret is None:
        raise KeyStoreError(f"no passphrase: set {PASSPHRASE_ENV}")
    if not path.exists():
        raise KeyStoreError(f"no issuer keys at {path}: run 'mentoring keys init'")
    return IssuerKeyset.load(path, secret)


def save(instance_dir: Path, keyset: IssuerKeyset, *, environ=os.environ) -> Path:
    secret = passphrase(instance_dir, environ=environ)
    if secret is None:
        raise KeyStoreError(f"no passphrase: set {PASSPHRASE_ENV}")
    path = Path(instance_dir) / KEY_FILE_NAME
    keyset.save(path, secret)
    return path


def init(instance_dir: Path, *, now: int, environ=os.environ) -> list[str]:
    """Create the key file (and, without a configured passphrase, a demo passphrase
    file) unless they exist. Returns what it did, in words, for the operator."""
    instance_dir = Path(instance_dir)
    instance_dir.mkdir(parents=True, exist_ok=True)
    key_path = instance_dir / KEY_FILE_NAME
    if key_path.exists():
        load(instance_dir, environ=environ)  # fail now, not at the first request
        return [f"Issuer keys already present in {key_path}."]
    said = []
    if passphrase(instance_dir, environ=environ) is None:
        secret_path = instance_dir / PASSPHRASE_FILE_NAME
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
        said.append(f"Generated a demo key passphrase into {secret_path} (mode 0600). "
                    f"In production set {PASSPHRASE_ENV} instead.")
    keyset = IssuerKeyset()
    # The first key starts an hour back: a request already under way when it is made
    # (its clock read a moment earlier) can still sign with it. No token predates it.
    key = keyset.rotate(now=now - 3600)
    save(instance_dir, keyset, environ=environ)
    said.append(f"Created issuer key {key.key_id} in {key_path} (encrypted with the passphrase).")
    return said
