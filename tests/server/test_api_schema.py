"""The JSON API fuzzed from its own OpenAPI document (schemathesis), logged in.

Each request carries the session of a person who is a platform admin and owns an
approved sponsor, school and venue, and the bearer token of a student's phone
(tests/server/fuzz_world.py), and two ids in three are aimed at rows that exist, so the
fuzzed requests get past the login and membership checks into the rules and the
database. Positive and negative data, both: no answer may be a 5xx, and every answer,
errors included, must have a status, media type and body that /api/openapi.json
documents.

- `test_each_operation`: every operation on its own, `EXAMPLES_PER_OPERATION` fuzzed
  requests plus schemathesis's deterministic examples and coverage phases (boundary
  values, such as a path id past 2**31), against a fresh pilot per operation.
- `test_sequences`: the stateful phase. Schemathesis infers links between operations
  from the document (a response's `id` feeds the next path's `…_id`) and runs
  `SCENARIOS` sequences of up to `STEPS` calls on one pilot, so what one call creates
  the next one reads, changes or deletes.

Seeded and derandomised: the same verdict on every run. CI runs this module on SQLite
and on PostgreSQL; together the two phases make about 6,500 requests a database (5,000
single, 1,500 in sequences), in two and a half minutes on PostgreSQL on two cores.

The document is read once at collection, from a throwaway app. schemathesis's
`from_fixture` loader would spare it, but in 4.32 it sets `Node._nodeid`, which pytest
9.2 no longer has; for the same reason every item shows the same test id, so read the
operation off the failure's curl line.
"""
import os
import tempfile
from unittest import mock

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from server import create_app
from server.extensions import limiter
from tests.server import fuzz_world

SEED = 20_251_125
# Fuzzed requests per operation (the examples and coverage phases come on top).
EXAMPLES_PER_OPERATION = 60
SCENARIOS = 150
STEPS = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
# Logging out or changing the password would end the session every later call uses; each
# is fuzzed on its own in `test_each_operation`, never in the middle of a sequence.
SESSION_ENDERS = ("/api/v1/auth/logout", "/api/v1/auth/password")
FUZZ_SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        # One app and database serve all the examples of an operation, on purpose.
        HealthCheck.function_scoped_fixture,
        # Generating large request bodies can be slow on a busy CI machine.
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


def openapi_document() -> dict:
    with tempfile.TemporaryDirectory() as instance, \
            mock.patch.dict(os.environ, {"MENTORING_INSTANCE_PATH": instance}):
        app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
        return app.test_client().get("/api/openapi.json").get_json()


# Unknown query parameters and headers are ignored, not refused (browsers, proxies and
# caches add their own), so requests that add some are not negative ones.
CONFIG = {"seed": SEED, "generation": {"allow-extra-parameters": False}}
schema = schemathesis.openapi.from_dict(openapi_document(), config=schemathesis.Config.from_dict(CONFIG))


@schema.hook
def map_path_parameters(context, path_parameters):
    return fuzz_world.aim_ids(path_parameters)


@schema.hook
def map_query(context, query):
    return fuzz_world.aim_ids(query)


@schema.hook
def map_body(context, body):
    return fuzz_world.aim_ids(body)


@schema.hook
def map_case(context, case):
    return fuzz_world.with_idempotency_key(case)


@pytest.fixture
def unlimited():
    # Rate limits would answer 429 after the tenth login or claim of an operation: they
    # have tests of their own, and the fuzzer is here for what lies behind them.
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.fixture
def world(app, unlimited):
    return fuzz_world.build(app)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, **FUZZ_SETTINGS)
def test_each_operation(case, app, world):
    case.call_and_validate(app=app, headers=world.headers, cookies=world.cookies, checks=CHECKS)


def test_sequences(app, unlimited):
    machine = schema.exclude(path=list(SESSION_ENDERS)).as_state_machine()

    class Sequences(machine):
        def setup(self):
            # Each sequence starts from the same pilot: Hypothesis needs a sequence to
            # behave alike whenever it is run.
            fuzz_world.reset(app)
            self.world = fuzz_world.build(app)

        def get_call_kwargs(self, case):
            return {"app": app, "headers": self.world.headers, "cookies": self.world.cookies}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Sequences.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS, **FUZZ_SETTINGS))
