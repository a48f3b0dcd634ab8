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


def test_health_names_each_part_it_checked(client):
    body = client.get("/api/v1/health").get_json()

    assert body["checks"] == {"database": "ok"}  # no REDIS_URL: Redis is not a part of this app


@pytest.mark.redis
def test_health_pings_redis_when_configured(app, redis_url):
    app.config["REDIS_URL"] = redis_url

    response = app.test_client().get("/api/v1/health")

    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_health_is_503_naming_redis_when_redis_is_unreachable(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"

    response = app.test_client().get("/api/v1/health")

    body = assert_problem(response, 503, "service_unavailable")
    assert body["checks"] == {"database": "ok", "redis": "unavailable"}
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_naming_the_database_when_both_fail(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}",
                      "REDIS_URL": "redis://127.0.0.1:1/0"})

    response = app.test_client().get("/api/v1/health")

    body = assert_problem(response, 503, "database_unavailable")
    assert body["checks"] == {"database": "unavailable", "redis": "unavailable"}


def test_health_checks_the_job_queues_redis_when_it_is_another(app):
    app.config.update(JOBS_REDIS_URL="redis://127.0.0.1:1/3")

    response = app.test_client().get("/api/v1/health")

    body = assert_problem(response, 503, "service_unavailable")
    assert body["checks"] == {"database": "ok", "job_queue": "unavailable"}
