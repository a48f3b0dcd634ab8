import pytest

from server.jobs import transport


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs are recorded but not sent: the test runs them by hand (a worker's view)."""
    held = []
    monkeypatch.setattr(transport, "send", lambda pending: held.extend(job_id for job_id, _, _ in pending))
    return held
