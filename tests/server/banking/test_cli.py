from server.banking import cli as banking_cli
from tests.server.banking.builder import Camt


def test_the_operator_imports_a_statement_from_the_shell(desk, tmp_path):
    topup_id, reference = desk.topup(25_000)
    path = tmp_path / "BPM_20261127.xml"
    path.write_bytes(Camt().credit(25_000, reference=reference).credit(1_234, ustrd="boh").xml())
    email = desk.api.get("/api/v1/auth/me").get_json()["email"]
    runner = desk.app.test_cli_runner()

    dry = runner.invoke(banking_cli.bank, ["import", str(path), "--operator", email, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "matched" in dry.output and desk.status(topup_id) == "pending"

    done = runner.invoke(banking_cli.bank, ["import", str(path), "--operator", email])
    assert done.exit_code == 0, done.output
    assert "1 top-up(s) confirmed" in done.output and "1 waiting in the queue" in done.output
    assert desk.status(topup_id) == "confirmed"

    again = runner.invoke(banking_cli.bank, ["import", str(path), "--operator", email])
    assert again.exit_code == 0 and "Already imported" in again.output


def test_a_refused_file_or_operator_is_an_error_message(desk, tmp_path):
    path = tmp_path / "x.xml"
    path.write_bytes(b"not xml")
    email = desk.api.get("/api/v1/auth/me").get_json()["email"]
    runner = desk.app.test_cli_runner()
    refused = runner.invoke(banking_cli.bank, ["import", str(path), "--operator", email])
    assert refused.exit_code == 1 and "statement_unreadable" in refused.output
    path.write_bytes(Camt().credit(1_000).xml())
    nobody = runner.invoke(banking_cli.bank, ["import", str(path), "--operator", "nessuno@example.it"])
    assert nobody.exit_code == 1 and "not a platform operator" in nobody.output
