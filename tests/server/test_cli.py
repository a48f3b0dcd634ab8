"""The `mentoring` console script carries the token and key tools."""
import json

from click.testing import CliRunner

from server.cli import main


def test_mentoring_keys_and_token_commands_work_together(tmp_path, monkeypatch):
    monkeypatch.delenv("MENTORING_KEY_PASSPHRASE", raising=False)
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    init = runner.invoke(main, ["keys", "--instance", str(tmp_path / "instance"), "init"])
    assert init.exit_code == 0, init.output
    exported = runner.invoke(main, ["keys", "--instance", str(tmp_path / "instance"), "export"])
    assert json.loads(exported.output)["keys"][0]["crv"] == "Ed25519"
    inspected = runner.invoke(main, ["token", "inspect", "MV:0"])
    assert inspected.exit_code == 10 and json.loads(inspected.output)["code"] == "malformed"
