"""The OpenAPI document matches the routes both ways, states each route's scope, and closes its objects."""

import re

from app.api.resources import RESOURCES
from app.core.permissions import access_of

PREFIX = "/api/v1"


def _api_routes(app) -> dict[str, object]:
    """OpenAPI-style path → Flask rule, for every route under /api/v1."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            routes[path] = rule
    return routes


def test_every_api_route_is_documented_and_every_documented_path_exists(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = _api_routes(app)
    assert set(document["paths"]) == set(routes)
    for path, rule in routes.items():
        documented = {method.upper() for method in document["paths"][path]}
        assert documented == rule.methods - {"HEAD", "OPTIONS"}, path


def test_each_operation_states_the_scope_its_route_requires(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, rule in _api_routes(app).items():
        access = access_of(app.view_functions[rule.endpoint])
        security = document["paths"][path]["get"]["security"]
        if access.public:
            assert security == []
        else:
            assert security == [{"bearer": [access.scope]}], path
            responses = document["paths"][path]["get"]["responses"]
            assert {"200", "400", "401", "403", "429"} <= set(responses)
    assert document["components"]["securitySchemes"]["bearer"] == {
        **document["components"]["securitySchemes"]["bearer"], "type": "http", "scheme": "bearer"}


def test_every_object_schema_is_closed_and_requires_its_properties(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]

    def walk(schema, where):
        if isinstance(schema, dict):
            if schema.get("type") == "object" and "properties" in schema:
                assert schema.get("additionalProperties") is False, where
            for key, value in schema.items():
                walk(value, f"{where}.{key}")
        elif isinstance(schema, list):
            for n, value in enumerate(schema):
                walk(value, f"{where}[{n}]")

    walk(schemas, "schemas")
    for name in ("Staff", "Exam", "Result", "Evaluation", "EvaluationCourse"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"])


def test_every_resource_module_has_the_parts_of_the_pattern():
    for resource in RESOURCES:
        assert resource.SCOPE and resource.PATHS and resource.SCHEMAS and callable(resource.serialize)
