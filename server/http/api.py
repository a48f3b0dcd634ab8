"""The JSON API: flask-smorest generates the OpenAPI 3 document at /api/openapi.json
from the same marshmallow schemas that parse requests."""
import http

import marshmallow as ma
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.routing import IntegerConverter

from server.http import problems
from server.http.fields import MAX_ID, Int32


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation of every error response)."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = Int32(100, 599)
    detail = ma.fields.String()
    code = ma.fields.String(metadata={"description": "Stable machine-readable error code"})
    field = ma.fields.String()
    params = ma.fields.Dict(metadata={
        "description": "Values for the client's own text of this `code` (limits, counts; amounts end in `_cents`)"})
    errors = ma.fields.Dict()


class IdConverter(IntegerConverter):
    """`<int:...>` in every URL: ids that no row can have (past `MAX_ID`) don't match
    the route, so they are a 404 like any unknown id rather than a database error
    (SQLite cannot even bind an int past 2**63). The OpenAPI document gets the bounds
    as the parameter's `minimum` and `maximum`."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class MentoringApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app, **kwargs):
        # Before any blueprint: a rule takes its converters when it is added.
        app.url_map.converters["int"] = IdConverter
        super().init_app(app, **kwargs)

    def _register_responses(self):
        """flask-smorest's shared error responses — `DEFAULT_ERROR`, the `default`
        response of every operation, and one per HTTP status such as the 422 of every
        `@arguments` — declared as `application/problem+json`, the media type
        `server.http.problems` sends them with (flask-smorest would say
        `application/json`)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not 100 <= status < 200 and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def _register_error_handlers(self):
        # Every error leaves as problem+json, whatever raised it.
        self._app.register_error_handler(problems.HTTPException, problems.from_http_exception)


api = MentoringApi()

API_CONFIG = {
    "API_TITLE": "Mentoring API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}
