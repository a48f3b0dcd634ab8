"""The app factory: configuration layers and the database they select."""
import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.delenv("MENTORING_DATABASE_URL", raising=False)
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(instance))

    app = create_app()

    assert instance.is_dir()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'mentoring.db'}"


def test_environment_overrides_the_database_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("MENTORING_DATABASE_URL", url)

    app = create_app()

    assert app.config["SQLALCHEMY_DATABASE_URI"] == url


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("GREETING = 'ciao'\n")
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(instance))

    assert create_app().config["GREETING"] == "ciao"


@pytest.mark.postgres
def test_suite_really_runs_on_postgresql_when_configured(app):
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        server_version = db.session.execute(sa.text("SELECT version()")).scalar_one()
    assert server_version.startswith("PostgreSQL")
