"""One suppression path for every figure about students, on every endpoint.

The OpenAPI document is walked: every response property whose name says it counts
students (claimed, used, students, reached...) must be a protected cell (a schema with
`suppressed`, built from reports.schemas.ProtectedCell) or a figure inside one, and
every endpoint that answers with one must be a report the suppression path serves.
Adding a raw student count anywhere fails here."""
import pytest

from server.extensions import db
from server.reports import schemas as report_schemas
from tests.server import factories

# Property names that are figures about students wherever they appear.
STUDENT_FIGURES = frozenset({
    "students", "students_reached", "reached", "new_audience", "claimed", "used", "not_used", "not_claimed",
    "unused", "visitors", "attendees", "wallets", "young_people", "beneficiaries", "raters", "thanked",
})


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node or "allOf" in node:  # apispec wraps a described $ref in allOf
        node = (document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node
                else node["allOf"][0])
    return node


def _is_cell(document: dict, node: dict) -> bool:
    node = _resolve(document, node)
    if node.get("type") == "array" or "items" in node:
        return _is_cell(document, node.get("items", {}))
    return "suppressed" in node.get("properties", {})


def _student_figures(schema: dict) -> dict:
    """The properties of ``schema`` that are figures about students: numbers, or objects
    and lists (cells); a flag such as "this voucher was used" is no figure."""
    return {prop: node for prop, node in schema.get("properties", {}).items() if prop in STUDENT_FIGURES
            and ({"$ref", "allOf", "items"} & set(node) or node.get("type") in ("integer", "number"))}


def raw_student_figures(document: dict) -> list[str]:
    """schema.property of every student figure that is not a protected cell."""
    found = []
    for name, schema in document["components"]["schemas"].items():
        for prop, node in _student_figures(schema).items():
            inside_a_cell = "suppressed" in schema.get("properties", {})
            if not (_is_cell(document, node) if {"$ref", "allOf", "items"} & set(node) else inside_a_cell):
                found.append(f"{name}.{prop}")
    return found


def _reachable(document: dict, node, seen: set) -> set:
    """Names of the component schemas reachable from ``node``."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in seen and name in document["components"]["schemas"]:
                seen.add(name)
                _reachable(document, document["components"]["schemas"][name], seen)
        for value in node.values():
            _reachable(document, value, seen)
    elif isinstance(node, list):
        for value in node:
            _reachable(document, value, seen)
    return seen


def endpoints_with_student_figures(document: dict) -> set[str]:
    with_figures = {name for name, schema in document["components"]["schemas"].items() if _student_figures(schema)}
    found = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and _reachable(document, operation.get("responses", {}), set()) & with_figures:
                found.add(f"{method.upper()} {path}")
    return found


@pytest.fixture
def document(app):
    return app.test_client().get("/api/openapi.json").get_json()


def test_every_student_figure_in_every_response_is_a_protected_cell(document):
    assert raw_student_figures(document) == []


def test_every_endpoint_with_student_figures_is_served_by_the_reports(document):
    found = endpoints_with_student_figures(document)
    assert "GET /api/v1/campaigns/{campaign_id}/impact" in found  # the walk does see them
    assert found <= report_schemas.STUDENT_FIGURE_ENDPOINTS


def test_a_raw_count_would_be_caught():
    """The walker itself: the allocation list as it was (claimed and used as bare numbers)."""
    document = {"components": {"schemas": {
        "Allocation": {"properties": {"id": {"type": "integer"}, "claimed": {"type": "integer"},
                                      "used": {"type": "integer"}}},
        "Cell": {"properties": {"count": {"type": "integer"}, "suppressed": {"type": "boolean"}}},
        "Report": {"properties": {"claimed": {"$ref": "#/components/schemas/Cell"},
                                  "students": {"type": "array", "items": {"type": "integer"}}}}}},
        "paths": {"/allocations": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Allocation"}}}}}}}}}
    assert raw_student_figures(document) == ["Allocation.claimed", "Allocation.used", "Report.students"]
    assert endpoints_with_student_figures(document) == {"GET /allocations"}


def test_the_school_allocation_list_shows_nothing_about_three_students(town):
    """Three claimed, one used: the allocation list has no such figures, and the school
    report, the one place they are, hides them (under min_cell)."""
    with town.app.app_context():
        school = factories.organisation("school")
        db.session.commit()
        school_id, email = school.id, school.memberships[0].user.email
    students = town.students_from(3, school_id=school_id)
    town.redeem(students[0], "rho", amount_cents=700, event_id=town.event("rho", category="musei", price_cents=700))
    people = town.api(email)

    listed = people.get(f"/api/v1/schools/{school_id}/allocations").get_json()
    assert len(listed) == 1 and listed[0]["codes_issued"] == 3 and not STUDENT_FIGURES & set(listed[0])
    report = people.get(f"/api/v1/schools/{school_id}/report").get_json()
    hidden = {"count": None, "suppressed": True}
    assert report["total"]["claimed"] == hidden and report["allocations"][0]["claimed"] == hidden
    assert report["total"]["used"] == {**hidden, "amount_spent_cents": None}
    assert report["allocations"][0]["not_used"] == hidden
