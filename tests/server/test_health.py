import pytest

from server import create_app

PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert PROBLEM_FIELDS <= body.keys()
    assert body["status"] == status
    assert body["code"] == code
    return body


def test_health_reports_ok_with_database(client):
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


def test_health_is_503_problem_when_database_is_unreachable(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(tmp_path / "instance"))
    unreachable = f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}"
    app = create_app({"TESTING": True, "DATABASE_URL": unreachable})

    response = app.test_client().get("/api/v1/health")

    assert_problem(response, 503, "database_unavailable")
    assert "no-such-dir" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_api_path_is_404_problem(client, method):
    response = client.open("/api/v1/no-such-thing", method=method)

    assert_problem(response, 404, "not_found")


def test_wrong_method_on_health_is_405_problem(client):
    response = client.post("/api/v1/health")

    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_unhandled_error_is_500_problem_without_traceback(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # behave as in production

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom")

    assert_problem(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert "secret internals" not in text
    assert "Traceback" not in text
