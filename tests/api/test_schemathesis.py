"""A bounded property-based run over the OpenAPI schema: no input may cause a 5xx, and every
response conforms to the schema."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.conftest import LiveApi, bearer


def test_no_server_errors(api: LiveApi) -> None:
    schema = (
        schemathesis.openapi.from_url(f"{api.url}/openapi.json")
        .include(path_regex="^/v1/(screen|entities|lists|jobs)")
        .exclude(method="POST", path="/v1/jobs")  # uploads are covered by test_jobs
    )
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 9
    headers = bearer(api.keys["admin"])
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            # 501 is the documented answer for record kinds not built yet.
            assert response.status_code < 500 or response.status_code == 501, response.text
            # And every answer is what the schema documents (status, content type, body).
            case.validate_response(response)

        check()
