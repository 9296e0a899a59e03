"""Schemathesis drives every operation of the OpenAPI document through the WSGI app (no server) with a valid
token: no answer may be a 5xx or differ from the documented schema. Bounded and derandomized, so it is fast
and gives the same cases on every run (SQLite and PostgreSQL alike).

schemathesis.pytest.from_fixture does not work with pytest 9 (it reads a removed private attribute), so the
test loads the schema itself and runs each operation's Hypothesis strategy.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.api.conftest import bearer, isolated

MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.mark.app_config(API_RATE_LIMIT="100000 per minute")
def test_the_api_keeps_to_its_document(app, world, evaluated, token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/staff", "/staff/{staff_no}", "/exams", "/exams/{exam_id}",
                                               "/results", "/evaluations", "/evaluations/{evaluation_id}"}
    calls = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call_and_validate(headers=bearer(token), checks=CHECKS)
            calls.append((case.operation.path, response.status_code))

        run()
    statuses = {status for _path, status in calls}
    assert 200 in statuses and 400 in statuses  # valid and invalid filters were both tried
    assert ("/evaluations", 200) in calls  # the signed-off evaluations were read, not only refused
    assert len(calls) >= len(operations) * 5
