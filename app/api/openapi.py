"""The OpenAPI 3.1 document of /api/v1, written by hand.

This module holds what every resource shares (info, the bearer scheme, the error body and responses,
common query parameters); each module in `app.api.resources` adds its own PATHS and SCHEMAS next to its
routes and serializer. tests/api/test_openapi.py checks the document against app.url_map both ways, and
schemathesis checks the answers against it.
"""

from app.api.params import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT
from app.api.scopes import SCOPES
from app.api.serializers import obj

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status again"},
                "code": {"type": "string", "description": "Stable machine-readable code, e.g. invalid_parameter, "
                                                          "token_required, invalid_token, insufficient_scope"},
                "title": {"type": "string"},
                "message": {"type": "string", "description": "Translated (Accept-Language, else the app default)"},
                "parameter": {"type": "string", "description": "The query parameter at fault (400 only)"},
            },
            "required": ["status", "code", "title", "message"],
            "additionalProperties": False,
        }
    },
    "required": ["error"],
    "additionalProperties": False,
}

_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
RESPONSES = {
    "BadRequest": {"description": "A query parameter is invalid (named in error.parameter)", "content": _ERROR_CONTENT},
    "Unauthorized": {
        "description": "No token, or an unknown, garbled or revoked one",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="api"…'}},
        "content": _ERROR_CONTENT,
    },
    "Forbidden": {"description": "The token lacks the scope this resource needs", "content": _ERROR_CONTENT},
    "NotFound": {"description": "No such object", "content": _ERROR_CONTENT},
    "TooManyRequests": {"description": "Rate limit (API_RATE_LIMIT) reached for this client, or too many requests "
                                       "without a valid token from this address (API_AUTH_FAILURE_LIMIT)",
                        "content": _ERROR_CONTENT},
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_MOMENT = {"type": "string", "examples": ["2026-11-02", "2026-11-02T08:30:00+08:00"]}
_ID_FILTER = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
PARAMETERS = {
    "limit": _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                    "Items per page"),
    "cursor": _query("cursor", {"type": "string"}, "Opaque; copy it from the previous page's `next` link "
                                                   "(absent or empty: the first page)"),
    "batch": _query("batch", _ID_FILTER, "Training batch id: only its members"),
    "station": _query("station", _ID_FILTER, "Station id (stations have no code; GET /staff shows their ids)"),
    "team": _query("team", _ID_FILTER, "Team id"),
    "course": _query("course", {"type": "string", "minLength": 1, "maxLength": 32},
                     "Course code: law, integrity, etiquette or procedures"),
    "exam": _query("exam", _ID_FILTER, "Exam id"),
    "from": _query("from", _MOMENT, "Submitted at or after: a date (a whole day in the app's time zone, "
                                    "Asia/Shanghai by default) or an ISO 8601 date-time"),
    "to": _query("to", _MOMENT, "Submitted before the end of this date, or at or before this date-time"),
}


def param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def response(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def operation(*, summary: str, scope: str, ok_schema: str, parameters=(), not_found: bool = False,
              description: str = "") -> dict:
    """A GET that needs a token with `scope` and answers 200 with #/components/schemas/<ok_schema>."""
    responses = {
        "200": {"description": "OK", "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{ok_schema}"}}}},
        "400": response("BadRequest"),
        "401": response("Unauthorized"),
        "403": response("Forbidden"),
        "429": response("TooManyRequests"),
    }
    if not_found:
        responses["404"] = response("NotFound")
    operation = {"summary": summary, "security": [{"bearer": [scope]}], "parameters": list(parameters),
                 "responses": dict(sorted(responses.items()))}
    if description:
        operation["description"] = description
    return operation


def document() -> dict:
    from app.api.resources import RESOURCES

    paths = {
        "/openapi.json": {"get": {
            "summary": "This document (no token needed: it describes the API and holds no data)",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }},
    }
    schemas = {"Error": ERROR}
    for resource in RESOURCES:
        paths.update(resource.PATHS)
        schemas.update(resource.SCHEMAS)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Toll-station training and exams: HR API",
            "version": "1.0.0",
            "description": (
                "Read-only JSON for HR systems. An administrator creates a client with scopes on the "
                "API clients page; send its token as `Authorization: Bearer <token>`. Lists are paged by "
                "cursor: follow `next` until it is null. Times are ISO 8601 in UTC. Errors are "
                "`{\"error\": {\"status\", \"code\", \"title\", \"message\"}}`, translated per Accept-Language."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A client token (tt_…) made by an administrator; scopes: " + ", ".join(SCOPES),
            }},
            "schemas": schemas,
            "parameters": PARAMETERS,
            "responses": RESPONSES,
        },
    }


__all__ = ["document", "obj", "operation", "param", "response"]
