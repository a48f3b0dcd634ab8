"""Every operation of the JSON API, fuzzed from its own OpenAPI document (schemathesis).

Requests carry no session or wallet token, so most end in 401/403/404/422 problems;
what matters is that none is a 5xx and that every response, errors included, has a
status, media type and body that /api/openapi.json documents. Bounded and seeded so
that CI stays fast and gives the same verdict on every run.

The document is read once at collection, from a throwaway app; each operation is then
a test item of its own against the `app` fixture (a fresh database per operation).
schemathesis's `from_fixture` loader would spare the throwaway app, but in 4.32 it
sets `Node._nodeid`, which pytest 9.2 no longer has; for the same reason every item
shows the same test id, so read the operation off the failure's curl line.
"""
import os
import tempfile
from unittest import mock

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from server import create_app

SEED = 20_251_125
# Fuzzing examples per operation. The examples and coverage phases (boundary values,
# such as a path id past 2**63) run as well; they are deterministic and not counted.
EXAMPLES_PER_OPERATION = 25


def openapi_document() -> dict:
    with tempfile.TemporaryDirectory() as instance, \
            mock.patch.dict(os.environ, {"MENTORING_INSTANCE_PATH": instance}):
        app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
        return app.test_client().get("/api/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(openapi_document(), config=schemathesis.Config.from_dict({"seed": SEED}))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        # One app and database serve all the examples of an operation, on purpose.
        HealthCheck.function_scoped_fixture,
        # Generating large request bodies can be slow on a busy CI machine.
        HealthCheck.too_slow,
    ],
)
def test_api_conforms_to_its_openapi_document(case, app):
    case.call_and_validate(
        app=app,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
