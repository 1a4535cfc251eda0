"""Dashboards over HTTP on a live collector: reports in through /submit, groups out, parameters checked."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.collector.conftest import CLIENT_KEY, DELETION_TOKEN, OPERATOR_KEY, report_1_1

OPERATOR = {"X-API-Key": OPERATOR_KEY}


def submit_reports(client: httpx.Client, reports: list[dict]) -> list[int]:
    headers = {"X-API-Key": CLIENT_KEY, "Content-Type": "application/json"}
    return [client.post("/submit", content=json.dumps(report), headers=headers).status_code for report in reports]


def platform_report(now, platform: str) -> dict:
    report = report_1_1(now, installation_id=str(uuid.uuid4()))
    report["installation"]["platform"] = platform
    return report


def test_dashboard_counts_submitted_reports(start_server, database_url):
    server = start_server(database_url=database_url)
    reports = [platform_report(server.clock(), "linux") for _ in range(6)]
    reports += [platform_report(server.clock(), "darwin") for _ in range(3)]

    with httpx.Client(base_url=server.url, timeout=10) as client:
        statuses = submit_reports(client, reports)
        platforms = client.get("/stats/dashboard/platforms", headers=OPERATOR).json()
        overview = client.get("/stats/dashboard/overview", headers=OPERATOR).json()

    assert statuses == [200] * 9
    assert [(g["value"], g["installations"]) for g in platforms["groups"]] == [("linux", 6)]
    assert platforms["other"] is None
    assert platforms["suppressed_groups"] == 1
    assert platforms["min_group_size"] == 5
    assert overview["active_installations_7_days"] == 9
    assert overview["submissions_30_days"] == 9


def test_dashboard_forgets_deleted_installation(start_server, database_url):
    server = start_server(database_url=database_url)
    reports = [platform_report(server.clock(), "windows") for _ in range(5)]

    with httpx.Client(base_url=server.url, timeout=10) as client:
        submit_reports(client, reports)
        before = client.get("/stats/dashboard/platforms", headers=OPERATOR).json()
        installation = reports[0]["installation"]["installation_id"]
        deleted = client.delete(f"/installation/{installation}", headers={"Authorization": f"Bearer {DELETION_TOKEN}"})
        after = client.get("/stats/dashboard/platforms", headers=OPERATOR).json()

    assert [(g["value"], g["installations"]) for g in before["groups"]] == [("windows", 5)]
    assert deleted.json()["deleted"] == 1
    assert after["groups"] == []
    assert after["suppressed_groups"] == 1
    assert after["active_installations"] == 4


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/stats/dashboard/versions?days=0", "'days' must be a whole number from 1 to 365; got '0'"),
        ("/stats/dashboard/versions?days=366", "'days' must be a whole number from 1 to 365; got '366'"),
        ("/stats/dashboard/versions?days=ten", "'days' must be a whole number from 1 to 365; got 'ten'"),
        ("/stats/dashboard/version-migration?days=6", "'days' must be a whole number from 7 to 365; got '6'"),
        ("/stats/dashboard/versions?window=30", "Query parameter 'window' is not accepted here; this dashboard takes: days"),
        ("/stats/dashboard/overview?days=7", "Query parameter 'days' is not accepted here; this dashboard takes no parameters."),
        ("/stats/summary?days=7", "Query parameter 'days' is not accepted here; this endpoint takes no parameters."),
        ("/stats/dashboard/versions?days=5&days=10", "Query parameter 'days' is given 2 times; send it once"),
    ],
)
def test_dashboard_rejects_bad_parameter(start_server, path, detail):
    server = start_server()

    response = httpx.get(f"{server.url}{path}", headers=OPERATOR, timeout=10)

    assert response.status_code == 400
    assert detail in response.json()["description"]


def test_dashboard_unknown_name_not_found(start_server):
    server = start_server()

    response = httpx.get(f"{server.url}/stats/dashboard/revenue", headers=OPERATOR, timeout=10)

    assert response.status_code == 404
    assert response.json()["title"] == "Unknown Dashboard"


def test_dashboard_needs_operator_key(start_server):
    server = start_server()

    with_client_key = httpx.get(f"{server.url}/stats/dashboard/overview", headers={"X-API-Key": CLIENT_KEY}, timeout=10)
    without_key = httpx.get(f"{server.url}/stats/dashboard/overview", timeout=10)

    assert with_client_key.status_code == 403
    assert without_key.status_code == 401
