"""The API over real HTTP: keys, scopes, limits, screening, the graph, OpenAPI."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import KEY_CACHE_SECONDS, LiveApi, bearer
from whomade.api.app import MAX_BATCH_RECORDS, MAX_FIELD_CHARS
from whomade.api.store import create_key, revoke_key
from whomade.db import connect

HIKVISION = {"id": "h1", "title": "Hikvision DS-2CD2143G2-I 4MP dome camera", "brand": "Hikvision"}
PLAIN = {"id": "p1", "title": "Stainless steel cheese grater", "brand": "Kitchenly"}


def _is_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return dict(body)


def test_health_and_version_need_no_key_for_health(client: httpx.Client, api: LiveApi) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    version = client.get("/v1/version", headers=bearer(api.keys["read"])).json()
    assert version["code"] and version["graph"]


def test_missing_and_wrong_key_are_401(client: httpx.Client) -> None:
    _is_problem(client.post("/v1/screen", json={"record": HIKVISION}), 401)
    body = _is_problem(
        client.post("/v1/screen", json={"record": HIKVISION}, headers=bearer("wm_nope")), 401
    )
    assert body["field"] == "Authorization"


def test_read_key_cannot_screen(client: httpx.Client, api: LiveApi) -> None:
    response = client.post(
        "/v1/screen", json={"record": HIKVISION}, headers=bearer(api.keys["read"])
    )
    _is_problem(response, 403)


def test_hikvision_record_is_restricted(client: httpx.Client, api: LiveApi) -> None:
    body = {"kind": "catalog", "context": "marketplace", "record": HIKVISION}
    finding = client.post("/v1/screen", json=body, headers=bearer(api.keys["screen"])).json()
    assert finding["verdict"] == "restricted"
    assert finding["families"] == ["hikvision"]
    assert finding["risk"]["context"] == "marketplace"
    assert finding["citations"]


def test_batch_keeps_order(client: httpx.Client, api: LiveApi) -> None:
    records = [PLAIN, HIKVISION, {**PLAIN, "id": "p2"}, {**HIKVISION, "id": "h2"}]
    response = client.post(
        "/v1/screen/batch", json={"records": records}, headers=bearer(api.keys["admin"])
    )
    findings = response.json()["findings"]
    assert [f["id"] for f in findings] == ["p1", "h1", "p2", "h2"]
    assert [f["verdict"] for f in findings] == ["clear", "restricted", "clear", "restricted"]


def test_unimplemented_kind_is_a_problem(client: httpx.Client, api: LiveApi) -> None:
    response = client.post(
        "/v1/screen", json={"kind": "vendors", "record": PLAIN}, headers=bearer(api.keys["screen"])
    )
    assert response.status_code in (200, 501)
    if response.status_code == 501:
        _is_problem(response, 501)


def test_long_field_is_422_naming_the_field(client: httpx.Client, api: LiveApi) -> None:
    record = {**PLAIN, "description": "x" * (MAX_FIELD_CHARS + 1)}
    response = client.post(
        "/v1/screen", json={"record": record}, headers=bearer(api.keys["screen"])
    )
    body = _is_problem(response, 422)
    assert "description" in str(body["field"])


def test_bad_context_and_too_big_batch_are_422(client: httpx.Client, api: LiveApi) -> None:
    key = bearer(api.keys["screen"])
    body = _is_problem(
        client.post("/v1/screen", json={"context": "moon", "record": PLAIN}, headers=key), 422
    )
    assert body["field"] == "context"
    records = [PLAIN] * (MAX_BATCH_RECORDS + 1)
    body = _is_problem(client.post("/v1/screen/batch", json={"records": records}, headers=key), 422)
    assert body["field"] == "records"


def test_body_over_limit_is_413(client: httpx.Client, api: LiveApi) -> None:
    record = {f"f{i}": "x" * 9_000 for i in range(99)}  # ~0.9 MB of valid fields, plus padding
    record["pad"] = "y" * 9_999
    payload = json.dumps({"record": record, "pad": " " * 200_000}).encode()
    response = client.post(
        "/v1/screen",
        content=payload,
        headers={**bearer(api.keys["screen"]), "content-type": "application/json"},
    )
    _is_problem(response, 413)


def test_broken_json_is_422_not_500(client: httpx.Client, api: LiveApi) -> None:
    response = client.post(
        "/v1/screen",
        content=b"{not json",
        headers={**bearer(api.keys["screen"]), "content-type": "application/json"},
    )
    _is_problem(response, 422)


def test_rate_limit_is_429_with_retry_after(slow_api: LiveApi) -> None:
    with httpx.Client(base_url=slow_api.url) as http:
        statuses = [
            http.get("/v1/version", headers=bearer(slow_api.keys["read"])).status_code
            for _ in range(5)
        ]
        assert statuses[:3] == [200, 200, 200], statuses
        assert statuses[3] == 429, statuses
        response = http.get("/v1/version", headers=bearer(slow_api.keys["read"]))
        _is_problem(response, 429)
        assert int(response.headers["Retry-After"]) >= 1


def test_revoked_key_stops_working_within_the_key_cache_window(
    short_cache_api: LiveApi,
) -> None:
    key = bearer(short_cache_api.keys["admin"])
    with httpx.Client(base_url=short_cache_api.url) as http:
        assert http.get("/v1/version", headers=key).status_code == 200  # now remembered
        revoke_key(connect(short_cache_api.db), "test-admin")
        revoked_at = time.monotonic()
        while http.get("/v1/version", headers=key).status_code == 200:
            assert time.monotonic() - revoked_at < KEY_CACHE_SECONDS + 0.5, "still accepted"
            time.sleep(0.05)
        _is_problem(http.get("/v1/version", headers=key), 401)


def test_new_key_works_at_once_and_unknown_keys_are_not_remembered(
    short_cache_api: LiveApi,
) -> None:
    with httpx.Client(base_url=short_cache_api.url) as http:
        fresh = create_key(connect(short_cache_api.db), "fresh", "read")
        assert http.get("/v1/version", headers=bearer(fresh)).status_code == 200
        for _ in range(2):
            _is_problem(http.get("/v1/version", headers=bearer(fresh + "x")), 401)


def test_entity_search_and_detail(client: httpx.Client, api: LiveApi) -> None:
    key = bearer(api.keys["read"])
    hits = client.get("/v1/entities", params={"q": "Hikvision"}, headers=key).json()["results"]
    assert "hikvision" in [hit["id"] for hit in hits]
    fuzzy = client.get("/v1/entities", params={"q": "Hikvison"}, headers=key).json()["results"]
    assert "hikvision" in [hit["id"] for hit in fuzzy]
    detail = client.get("/v1/entities/hikvision", headers=key).json()
    assert detail["entity"]["id"] == "hikvision"
    assert detail["listings"]
    cited = {s for item in detail["listings"] for s in item["sources"]}
    assert cited <= detail["sources"].keys()
    _is_problem(client.get("/v1/entities/no-such-entity", headers=key), 404)


def test_openapi_is_served(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/v1/screen", "/v1/screen/batch", "/v1/entities", "/healthz"} <= schema["paths"].keys()
    assert "Finding" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def test_access_log_names_the_key_not_the_key(
    client: httpx.Client, api: LiveApi, caplog: pytest.LogCaptureFixture
) -> None:
    def logged() -> list[dict[str, object]]:
        return [
            json.loads(r.getMessage()) for r in caplog.records if r.name == "whomade.api.access"
        ]

    with caplog.at_level(logging.INFO, logger="whomade.api.access"):
        client.get("/v1/version", headers=bearer(api.keys["read"]))
        # The line is written after the response is sent, in the server's thread: wait for it.
        deadline = time.monotonic() + 5
        while not any(line["key"] == "test-read" for line in logged()):
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
    lines = logged()
    assert any(line["key"] == "test-read" and line["status"] == 200 for line in lines)
    assert api.keys["read"] not in caplog.text


def test_chunked_body_over_limit_is_413_while_read(client: httpx.Client, api: LiveApi) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts bytes as it reads them
        yield b'{"record": {"pad": "'
        for _ in range(120):
            yield b"x" * 10_000
        yield b'"}}'

    response = client.post(
        "/v1/screen",
        content=chunks(),
        headers={**bearer(api.keys["screen"]), "content-type": "application/json"},
    )
    _is_problem(response, 413)
