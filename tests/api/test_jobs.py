"""Jobs over real HTTP: upload, background screening, paging, scopes, limits, resuming."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.api.conftest import LiveApi, bearer, start_api
from whomade.api.app import ApiSettings
from whomade.api.store import ApiJob, ApiJobFinding
from whomade.db import connect
from whomade.screen.pipeline import Screener

CSV = (
    "id,title,brand\n"
    "p1,Stainless steel cheese grater,Kitchenly\n"
    "h1,Hikvision DS-2CD2143G2-I 4MP dome camera,Hikvision\n"
    "p2,Cotton beach towel,Sunny\n"
    "e1,EZVIZ C6N 1080p Wi-Fi pan/tilt indoor camera,EZVIZ\n"
)


def wait_done(http: httpx.Client, job_id: str, key: str, seconds: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        status = http.get(f"/v1/jobs/{job_id}", headers=bearer(key)).json()
        if status["status"] in ("done", "failed") or time.monotonic() > deadline:
            return dict(status)
        time.sleep(0.05)


def upload(
    http: httpx.Client, key: str, content: bytes | str, name: str = "catalog.csv", **form: str
) -> httpx.Response:
    data = {"kind": "catalog", "context": "marketplace", **form}
    return http.post("/v1/jobs", files={"file": (name, content)}, data=data, headers=bearer(key))


def test_job_screens_a_csv_and_pages_its_findings(client: httpx.Client, api: LiveApi) -> None:
    created = upload(client, api.keys["screen"], CSV)
    assert created.status_code == 202, created.text
    job = created.json()
    assert job["status"] in ("queued", "running", "done") and job["file"] == "catalog.csv"
    status = wait_done(client, job["id"], api.keys["screen"])
    assert status["status"] == "done", status
    assert status["records_done"] == 4 and status["errors"] == 0
    assert status["verdicts"] == {"clear": 2, "restricted": 1, "linked": 1}
    assert status["started_at"] and status["finished_at"]

    key = bearer(api.keys["screen"])
    first = client.get(f"/v1/jobs/{job['id']}/findings?limit=3", headers=key).json()
    assert first["total"] == 4 and first["next_offset"] == 3
    second = client.get(f"/v1/jobs/{job['id']}/findings?offset=3&limit=3", headers=key).json()
    assert second["next_offset"] is None
    findings = first["findings"] + second["findings"]
    assert [f["id"] for f in findings] == ["p1", "h1", "p2", "e1"]
    assert [f["line"] for f in findings] == [2, 3, 4, 5]
    assert findings[1]["verdict"] == "restricted" and findings[1]["families"] == ["hikvision"]
    assert findings[3]["verdict"] == "linked"
    only = client.get(f"/v1/jobs/{job['id']}/findings?verdict=restricted", headers=key).json()
    assert [f["id"] for f in only["findings"]] == ["h1"]
    too_big = client.get(f"/v1/jobs/{job['id']}/findings?limit=1001", headers=key)
    assert too_big.status_code == 422


def test_jobs_are_private_to_their_key(client: httpx.Client, api: LiveApi) -> None:
    job = upload(client, api.keys["screen"], CSV).json()
    other = client.get(f"/v1/jobs/{job['id']}", headers=bearer(api.keys["read"]))
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    findings = client.get(f"/v1/jobs/{job['id']}/findings", headers=bearer(api.keys["read"]))
    assert findings.status_code == 404
    admin = client.get(f"/v1/jobs/{job['id']}", headers=bearer(api.keys["admin"]))
    assert admin.status_code == 200
    assert upload(client, api.keys["read"], CSV).status_code == 403


def test_unreadable_file_fails_naming_file(client: httpx.Client, api: LiveApi) -> None:
    key = api.keys["screen"]
    job = upload(client, key, b"", name="empty.csv").json()
    status = wait_done(client, job["id"], key)
    assert status["status"] == "failed"
    assert "empty.csv" in str(status["error"]) and "whomade-jobs" not in str(status["error"])
    missing = upload(client, key, CSV, mapping=json.dumps({"title": "Product Name"})).json()
    status = wait_done(client, missing["id"], key)
    assert status["status"] == "failed" and "Product Name" in str(status["error"])
    bad_map = upload(client, key, CSV, mapping="{not json")
    assert bad_map.status_code == 422 and bad_map.json()["field"] == "mapping"


def test_bad_rows_are_counted_with_their_line(client: httpx.Client, api: LiveApi) -> None:
    lines = ['{"id": "h1", "title": "Hikvision DS-2CD2143G2-I camera"}', "{broken", '{"id": "p1"}']
    key = api.keys["screen"]
    job = upload(client, key, "\n".join(lines) + "\n", name="items.jsonl").json()
    status = wait_done(client, job["id"], key)
    assert status["status"] == "done", status
    assert status["errors"] >= 1
    row_errors = status["row_errors"]
    assert isinstance(row_errors, list)
    assert row_errors[0]["file"] == "items.jsonl" and row_errors[0]["line"] == 2


@pytest.fixture(scope="module")
def tiny_upload_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    db = tmp_path_factory.mktemp("api-tiny") / "api.sqlite"
    yield from start_api(db, ApiSettings(rate_per_second=1000, burst=1000, max_upload_bytes=2_000))


def test_upload_over_limit_is_413(tiny_upload_api: LiveApi) -> None:
    with httpx.Client(base_url=tiny_upload_api.url, timeout=30) as http:
        response = upload(http, tiny_upload_api.keys["screen"], CSV * 20)
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith("application/problem+json")

        def chunks() -> Iterator[bytes]:  # no Content-Length: the streamed count must catch it
            boundary = b"--xyz\r\n"
            yield (
                boundary + b'Content-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
            )
            for _ in range(50):
                yield CSV.encode()
            yield b"\r\n--xyz--\r\n"

        streamed = http.post(
            "/v1/jobs",
            content=chunks(),
            headers={
                **bearer(tiny_upload_api.keys["screen"]),
                "content-type": "multipart/form-data; boundary=xyz",
            },
        )
        assert streamed.status_code == 413, streamed.text
        assert upload(http, tiny_upload_api.keys["screen"], CSV).status_code == 202


def test_restarted_server_resumes_a_running_job(tmp_path: Path) -> None:
    db = tmp_path / "restart.sqlite"
    engine = connect(str(db))
    rows = [f"r{i},Plain item number {i},Acme" for i in range(50)]
    rows[30] = "h30,Hikvision DS-2CD2143G2-I 4MP dome camera,Hikvision"
    upload_path = tmp_path / "input.csv"
    upload_path.write_text("id,title,brand\n" + "\n".join(rows) + "\n")
    screener = Screener("catalog", "marketplace")
    stored = {i: json.dumps(screener.clear(f"r{i}", i + 2)) for i in range(20)}
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        session.add(
            ApiJob(
                id="left-running",
                key_name="test-screen",
                kind="catalog",
                context="marketplace",
                file_name="catalog.csv",
                upload_path=str(upload_path),
                status="running",
                records_done=20,
                errors=0,
                verdicts={"clear": 20},
                row_errors=[],
                owner="gone-host:1:0:dead",  # another host's worker, silent for an hour
                created_at=now - dt.timedelta(hours=1),
                updated_at=now - dt.timedelta(hours=1),
                started_at=now - dt.timedelta(hours=1),
            )
        )
        session.add_all(
            ApiJobFinding(
                job_id="left-running", seq=i, record_id=f"r{i}", verdict="clear", finding=text
            )
            for i, text in stored.items()
        )
    settings = ApiSettings(rate_per_second=1000, burst=1000, job_batch_rows=7)
    for api in start_api(db, settings):
        with httpx.Client(base_url=api.url, timeout=30) as http:
            status = wait_done(http, "left-running", api.keys["screen"])
            assert status["status"] == "done", status
            assert status["records_done"] == 50
            assert status["verdicts"] == {"clear": 49, "restricted": 1}
    with Session(engine) as session:
        kept = session.execute(
            select(ApiJobFinding.seq, ApiJobFinding.finding)
            .where(ApiJobFinding.job_id == "left-running")
            .order_by(ApiJobFinding.seq)
        ).all()
    assert [seq for seq, _ in kept] == list(range(50))
    assert all(kept[i][1] == stored[i] for i in range(20))  # not screened twice
    assert json.loads(kept[30][1])["verdict"] == "restricted"


def test_openapi_documents_jobs_and_lists(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/findings"} <= schema["paths"].keys()
    assert {"/v1/lists", "/v1/lists/{list_id}/versions", "/v1/lists/{list_id}/diff"} <= schema[
        "paths"
    ].keys()
    assert {"Job", "JobFindings", "Lists", "ListDiff"} <= schema["components"]["schemas"].keys()
    assert schema["components"]["schemas"]["Job"].get("examples")
