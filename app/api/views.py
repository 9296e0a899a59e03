"""The /api/v1 blueprint: the OpenAPI document, and every resource's routes (app.api.resources)."""

from flask import jsonify

from app.api import openapi
from app.api.blueprint import bp
from app.api.resources import RESOURCES  # noqa: F401  (registers the resources' routes on bp)
from app.core.permissions import PUBLIC, allow

__all__ = ["bp"]


@bp.get("/openapi.json")
@allow(PUBLIC)  # describes the API and holds no data; tools (code generators, schemathesis) fetch it as is
def openapi_document():
    return jsonify(openapi.document())
