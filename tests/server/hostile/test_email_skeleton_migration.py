"""The migration that adds `user_account.email_skeleton` gives every existing login its
skeleton, so that the look-alike check covers addresses registered before it."""
import flask_migrate
import sqlalchemy as sa

from server.accounts import emails
from server.extensions import db
from tests.server.test_migrations import empty_app, empty_database_url  # noqa: F401  (fixtures)

BEFORE = "11ac59c75efb"


def test_existing_logins_get_their_skeleton(empty_app):  # noqa: F811
    flask_migrate.upgrade(revision=BEFORE)
    addresses = ["operatore@mentoring.example", "оperatore@mentoring.example", "vecchio@xn--bcher-kva.example"]
    with db.engine.begin() as connection:
        for address in addresses:
            connection.execute(sa.text("INSERT INTO user_account (email, is_platform_admin, created_at) "
                                       "VALUES (:email, false, CURRENT_TIMESTAMP)"), {"email": address})

    flask_migrate.upgrade()

    with db.engine.connect() as connection:
        rows = dict(connection.execute(sa.text("SELECT email, email_skeleton FROM user_account")).all())
    assert {email: bytes(skeleton) for email, skeleton in rows.items()} == {
        address: emails.skeleton_digest(address) for address in addresses}
    assert rows[addresses[0]] == rows[addresses[1]]
