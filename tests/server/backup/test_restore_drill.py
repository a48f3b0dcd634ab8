"""The restore drill (deploy/backup/README.md), PostgreSQL only: money moves (top-up,
issuance, redemption, settlement), backup.sh dumps it, restore.sh brings it back into a
fresh database, and there the books balance, every row is back and a credential issued
before the backup still verifies with the issuer keys the backup kept."""
import os
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from server import create_app, keys
from server.accounts.models import Organisation, Wallet
from server.extensions import db
from server.ledger import api as ledger_api
from server.ledger.models import Account
from server.settlement import api as settlement_api
from server.vouchers import api as vouchers_api
from server.vouchers.models import Voucher
from signing import PublicKeyset, keystore, verify_credential
from tests.conftest import database_url_from_environment

pytestmark = pytest.mark.postgres

BACKUP = Path(__file__).resolve().parents[3] / "deploy" / "backup"
VENUE_IBAN = "IT02L1234512345123456789012"


def _script(name: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(BACKUP / name), *args], env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def fresh_database():
    """An empty database beside the suite's, dropped afterwards."""
    url = make_url(database_url_from_environment())
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _snapshot() -> dict:
    """Every table's row count and every account's balance."""
    counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    balances = {(a.kind, a.owner_id): a.balance_cents for a in db.session.scalars(sa.select(Account))}
    return {"rows": counts, "balances": balances}


def test_a_backup_restored_into_a_fresh_database_balances_and_its_credentials_verify(
        app, door, tmp_path, fresh_database, monkeypatch):
    now = datetime.now(timezone.utc)
    scanner_id = next(iter(door.scanners))
    (redeemed,) = door.sync(scanner_id, door.record(scanner_id, at=int(time.time()) - 600, amount=1_200))
    assert redeemed["outcome"] == "redeemed"
    with app.app_context():
        db.session.get(Organisation, door.venue_id).iban = VENUE_IBAN
        run = settlement_api.run_settlement(cut_off=now - timedelta(seconds=1), created_by=None, now=now)
        assert run.payouts, "the settlement paid the venue"
        voucher = db.session.get(Voucher, door.voucher_id)
        credential = vouchers_api.credential(voucher=voucher, wallet=db.session.get(Wallet, voucher.wallet_id),
                                             keyset=keys.issuer_keyset(), now=now)
        db.session.commit()
        assert ledger_api.check_books() == []
        before = _snapshot()
        db.session.rollback()
    assert before["balances"][("payout_in_transit", 0)] == 1_200

    # The backup, as the nightly timer runs it.
    env = {**os.environ, "MENTORING_DATABASE_URL": database_url_from_environment(),
           "MENTORING_INSTANCE_PATH": app.instance_path, "BACKUP_DIR": str(tmp_path / "backups")}
    made = _script("backup.sh", env=env)
    assert made.returncode == 0, made.stderr
    dump = made.stdout.strip().splitlines()[-1]
    assert dump.endswith(".dump") and Path(dump).stat().st_size > 0
    assert Path(dump[:-len(".dump")] + ".issuer_keys.json").exists()

    # Disaster: a new host. The passphrase comes from the secret store, not from the backup.
    passphrase = keystore.passphrase(Path(app.instance_path)).decode()
    restored_instance = tmp_path / "restored-instance"
    restored = _script("restore.sh", dump, fresh_database, str(restored_instance), env=dict(os.environ))
    assert restored.returncode == 0, restored.stderr
    assert not (restored_instance / keystore.PASSPHRASE_FILE_NAME).exists()

    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(restored_instance))
    monkeypatch.setenv(keystore.PASSPHRASE_ENV, passphrase)
    restored_app = create_app({"TESTING": True, "DATABASE_URL": fresh_database, "SECRET_KEY": app.secret_key})
    try:
        with restored_app.app_context():
            assert ledger_api.check_books() == []
            assert _snapshot() == before
            db.session.rollback()
        jwks = restored_app.test_client().get("/api/v1/issuer-keys").get_json()
        verified = verify_credential(credential, keys=PublicKeyset.from_jwks(jwks), now=int(time.time()))
        assert verified.voucher_id == door.voucher_id
        assert restored_app.test_client().get("/api/v1/health").status_code == 200
    finally:
        with restored_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path):
    env = {**os.environ, "MENTORING_DATABASE_URL": database_url_from_environment(),
           "BACKUP_DIR": str(tmp_path / "backups")}
    made = _script("backup.sh", env=env)
    assert made.returncode == 0, made.stderr

    refused = _script("restore.sh", made.stdout.strip(), database_url_from_environment(), env=env)

    assert refused.returncode == 3
    assert "empty" in refused.stderr


def test_restore_refuses_a_dump_whose_checksum_does_not_match(app, tmp_path, fresh_database):
    env = {**os.environ, "MENTORING_DATABASE_URL": database_url_from_environment(),
           "BACKUP_DIR": str(tmp_path / "backups")}
    dump = Path(_script("backup.sh", env=env).stdout.strip())
    with dump.open("ab") as damaged:
        damaged.write(b"\0")

    refused = _script("restore.sh", str(dump), fresh_database, env=env)

    assert refused.returncode != 0
    with sa.create_engine(make_url(fresh_database)).connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) == 0


def test_rotation_keeps_the_newest_days_and_the_first_of_each_recent_month(app, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    old = ["20260105T031500Z", "20260106T031500Z", "20260201T031500Z", "20260215T031500Z", "20260302T031500Z",
           "20260303T031500Z", "20260304T031500Z"]
    for stamp in old:
        for suffix in (".dump", ".issuer_keys.json", ".sha256"):
            (backups / f"mentoring-{stamp}{suffix}").write_text("old")
    env = {**os.environ, "MENTORING_DATABASE_URL": database_url_from_environment(), "BACKUP_DIR": str(backups),
           "BACKUP_KEEP_DAILY": "2", "BACKUP_KEEP_MONTHLY": "3"}

    made = _script("backup.sh", env=env)

    assert made.returncode == 0, made.stderr
    new = Path(made.stdout.strip()).name
    kept = sorted(path.name for path in backups.glob("*.dump"))
    # The two newest (today's and 4 March); the first of the three newest months (today's
    # month, March, February). January is gone, and so are February's and March's others.
    assert kept == sorted({new, "mentoring-20260304T031500Z.dump", "mentoring-20260302T031500Z.dump",
                           "mentoring-20260201T031500Z.dump"})
    assert not (backups / "mentoring-20260105T031500Z.issuer_keys.json").exists()
    assert not (backups / "mentoring-20260105T031500Z.sha256").exists()
