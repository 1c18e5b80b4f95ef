"""A request that takes too long gets a 503 problem, never an endless wait."""

from __future__ import annotations

import httpx

from tests.api.conftest import LiveApi, bearer


def test_slow_request_is_a_503_problem(hasty_api: LiveApi) -> None:
    records = [{"id": str(i), "title": f"Hikvision DS-2CD2143G2-I camera {i}"} for i in range(1000)]
    with httpx.Client(base_url=hasty_api.url, timeout=30) as http:
        response = http.post(
            "/v1/screen/batch",
            json={"kind": "catalog", "context": "marketplace", "records": records},
            headers=bearer(hasty_api.keys["screen"]),
        )
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"] == "Timed out"
