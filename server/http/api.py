"""The JSON API: flask-smorest generates the OpenAPI 3 document at /api/openapi.json
from the same marshmallow schemas that parse requests."""
import marshmallow as ma
from flask_smorest import Api

from server.http import problems


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation of every error response)."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    code = ma.fields.String(metadata={"description": "Stable machine-readable error code"})
    field = ma.fields.String()
    errors = ma.fields.Dict()


class MentoringApi(Api):
    ERROR_SCHEMA = ProblemSchema

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
