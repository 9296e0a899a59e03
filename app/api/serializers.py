"""Shared pieces of the API's JSON: times in ISO 8601 UTC, decimals as numbers, {id, name} references,
and the matching OpenAPI schema fragments, so a resource's serializer and its schema sit side by side."""

from datetime import UTC, datetime
from decimal import Decimal


def utc(value: datetime | None) -> str | None:
    """`2026-11-02T00:30:00Z`: ISO 8601, UTC, whole seconds."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def number(value: Decimal | None) -> float | int | None:
    """Scores and marks (NUMERIC(8, 2)) as JSON numbers: 80 stays 80, 7.5 stays 7.5."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def ref(row) -> dict | None:
    return None if row is None else {"id": row.id, "name": row.name}


# --- Schema fragments ------------------------------------------------------------------------------

def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


UTC_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 in UTC, e.g. 2026-11-02T00:30:00Z"}
ID = {"type": "integer", "minimum": 1}
REF = {
    "type": "object",
    "properties": {"id": ID, "name": {"type": "string"}},
    "required": ["id", "name"],
    "additionalProperties": False,
}


def obj(properties: dict, description: str = "") -> dict:
    """A closed object: every listed property required, nothing else allowed."""
    schema = {"type": "object", "properties": properties, "required": list(properties),
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def page_of(item_ref: str) -> dict:
    return obj({
        "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{item_ref}"}},
        "next": nullable({"type": "string", "format": "uri", "description": "The next page; null on the last"}),
    })
