"""One module per API resource, each with the same parts:

- `SCOPE` (from app.api.scopes) and routes on `app.api.blueprint.bp`, declared with `@allow_token(SCOPE)`;
- `serialize(row) -> dict`, the only fields the resource gives out;
- `SCHEMAS` (OpenAPI components, closed objects) and `PATHS` (OpenAPI operations via app.api.openapi.operation),
  written by hand next to the serializer they describe.

Adding a resource = a module here + its name in RESOURCES + its scope in app.api.scopes.
"""

from app.api.resources import evaluations, exams, results, staff

RESOURCES = (staff, exams, results, evaluations)
