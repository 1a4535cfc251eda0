"""GET and DELETE /installation/{id}: the installation's own data, proven by its deletion token."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from collector.storage import Installation, Submission
from tests.collector.conftest import CLIENT_KEY, DELETION_TOKEN, OPERATOR_KEY, report_1_0_body, report_1_1

BEARER = {"Authorization": f"Bearer {DELETION_TOKEN}"}


def submit(server, body) -> int:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-API-Key": CLIENT_KEY}
    response = httpx.post(f"{server.url}/submit", content=content, headers=headers, timeout=10)
    assert response.status_code == 200
    return response.json()["submission_id"]


@pytest.fixture
def server_with_data(start_server):
    """A server holding two reports of one installation and one of another."""
    server = start_server()
    server.installation_id = str(uuid.uuid4())
    server.other_id = str(uuid.uuid4())
    submit(server, report_1_1(server.clock.now, installation_id=server.installation_id, days_ago=7))
    submit(server, report_1_1(server.clock.now, installation_id=server.installation_id))
    submit(server, report_1_1(server.clock.now, installation_id=server.other_id, token="other-installation-token-00"))
    return server


def test_read_with_token_returns_everything_stored(server_with_data):
    server = server_with_data

    response = httpx.get(f"{server.url}/installation/{server.installation_id}", headers=BEARER)

    assert response.status_code == 200
    data = response.json()
    assert data["installation"]["installation_id"] == server.installation_id
    assert data["installation"]["deletion_token_registered"] is True
    assert [row["id"] for row in data["submissions"]] == [1, 2]
    assert data["submissions"][0]["printer_type_counts"] == {"bambu_lab": 1, "prusa": 1}
    assert data["submissions"][1]["received_at"] == server.clock.now.isoformat() + "Z"
    assert DELETION_TOKEN not in response.text


def test_read_with_wrong_token_is_403(server_with_data):
    server = server_with_data
    headers = {"Authorization": "Bearer other-installation-token-00"}

    response = httpx.get(f"{server.url}/installation/{server.installation_id}", headers=headers)

    assert response.status_code == 403
    assert response.json()["title"] == "Invalid Deletion Token"


def test_read_unknown_installation_is_404(server_with_data):
    response = httpx.get(f"{server_with_data.url}/installation/{uuid.uuid4()}", headers=BEARER)

    assert response.status_code == 404


def test_read_with_operator_key_only_is_401(server_with_data):
    server = server_with_data

    response = httpx.get(f"{server.url}/installation/{server.installation_id}", headers={"X-API-Key": OPERATOR_KEY})

    assert response.status_code == 401


def test_delete_with_token_removes_only_that_installation(server_with_data):
    server = server_with_data

    response = httpx.delete(f"{server.url}/installation/{server.installation_id}", headers=BEARER)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "deleted": 2}
    assert Submission.select().where(Submission.installation_id == server.installation_id).count() == 0
    assert Installation.get_or_none(Installation.installation_id == server.installation_id) is None
    assert Submission.select().where(Submission.installation_id == server.other_id).count() == 1


def test_delete_twice_returns_zero(server_with_data):
    server = server_with_data
    httpx.delete(f"{server.url}/installation/{server.installation_id}", headers=BEARER)

    response = httpx.delete(f"{server.url}/installation/{server.installation_id}", headers=BEARER)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "deleted": 0}


def test_delete_with_wrong_token_is_403(server_with_data):
    server = server_with_data
    headers = {"Authorization": "Bearer other-installation-token-00"}

    response = httpx.delete(f"{server.url}/installation/{server.installation_id}", headers=headers)

    assert response.status_code == 403
    assert Submission.select().where(Submission.installation_id == server.installation_id).count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": CLIENT_KEY},
        {"X-API-Key": CLIENT_KEY, "Authorization": f"Basic {DELETION_TOKEN}"},
        {"Authorization": "Bearer"},
        {},
    ],
)
def test_delete_without_token_is_401(server_with_data, headers):
    server = server_with_data

    response = httpx.delete(f"{server.url}/installation/{server.installation_id}", headers=headers)

    assert response.status_code == 401
    assert response.json()["title"] == "Missing Deletion Token"
    assert Submission.select().where(Submission.installation_id == server.installation_id).count() == 2


def test_delete_with_operator_key(server_with_data):
    server = server_with_data

    response = httpx.delete(f"{server.url}/installation/{server.installation_id}", headers={"X-API-Key": OPERATOR_KEY})

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "deleted": 2}


def test_delete_1_0_installation_needs_operator(start_server):
    server = start_server()
    installation_id = str(uuid.uuid4())
    submit(server, report_1_0_body(server.clock.now, installation_id))

    by_token = httpx.delete(f"{server.url}/installation/{installation_id}", headers=BEARER)
    by_operator = httpx.delete(f"{server.url}/installation/{installation_id}", headers={"X-API-Key": OPERATOR_KEY})

    assert by_token.status_code == 403
    assert by_operator.json() == {"status": "ok", "deleted": 1}


def test_installation_path_needs_uuid(server_with_data):
    response = httpx.delete(f"{server_with_data.url}/installation/not-a-uuid", headers=BEARER)

    assert response.status_code == 404
    assert response.json() == {
        "title": "Not Found",
        "description": "'not-a-uuid' is not an installation id; use the UUID the app shows, such as 3fa85f64-5717-4562-b3fc-2c963f66afa6.",
    }


def test_installation_path_with_suffix_names_the_suffix(server_with_data):
    installation_id = server_with_data.installation_id

    response = httpx.get(f"{server_with_data.url}/installation/{installation_id}/export", headers=BEARER)

    assert response.status_code == 404
    assert response.json()["description"] == (
        f"/installation/{installation_id} takes nothing after the id, but the path goes on with '/export'; "
        f"send the request to /installation/{installation_id}."
    )


def test_wrong_method_names_allowed_methods(server_with_data):
    response = httpx.put(f"{server_with_data.url}/stats/summary", headers={"X-API-Key": OPERATOR_KEY})

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, OPTIONS"
    assert response.json() == {
        "title": "Method Not Allowed",
        "description": "/stats/summary does not take PUT; it takes GET, OPTIONS. GET /openapi.json describes every endpoint.",
    }


def test_unknown_path_points_to_openapi_document(server_with_data):
    response = httpx.get(f"{server_with_data.url}/stats/dashbord", headers={"X-API-Key": OPERATOR_KEY})

    assert response.status_code == 404
    assert response.json() == {
        "title": "Not Found",
        "description": "No endpoint has this path; GET /openapi.json lists the collector's endpoints.",
    }


def test_deleted_installation_can_register_new_token(server_with_data):
    server = server_with_data
    httpx.delete(f"{server.url}/installation/{server.installation_id}", headers=BEARER)
    fresh = report_1_1(server.clock.now, installation_id=server.installation_id, token="a-brand-new-token-000000")

    submit(server, fresh)

    assert Installation.get_by_id(server.installation_id).deletion_token_sha256 == fresh["installation"]["deletion_token_sha256"]


def test_delete_without_token_names_both_credentials(server_with_data):
    server = server_with_data

    response = httpx.delete(f"{server.url}/installation/{server.installation_id}", headers={"X-API-Key": CLIENT_KEY})

    assert response.status_code == 401
    assert response.json()["description"] == (
        "Send the installation's deletion token as Authorization: Bearer <token>, or an operator key in X-API-Key. "
        "The client key sent in X-API-Key only submits reports."
    )
    assert response.headers["WWW-Authenticate"] == "Bearer, ApiKey"


def test_delete_without_any_key_names_both_credentials(server_with_data):
    server = server_with_data

    response = httpx.delete(f"{server.url}/installation/{server.installation_id}")

    assert response.status_code == 401
    assert response.json()["description"] == (
        "Send the installation's deletion token as Authorization: Bearer <token>, or an operator key in X-API-Key."
    )


def test_read_without_token_names_only_token(server_with_data):
    server = server_with_data

    response = httpx.get(f"{server.url}/installation/{server.installation_id}", headers={"X-API-Key": OPERATOR_KEY})

    assert response.status_code == 401
    assert response.json()["description"] == "Send the installation's deletion token as Authorization: Bearer <token>."
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_1_0_installation_token_says_none_registered(start_server):
    server = start_server()
    installation_id = str(uuid.uuid4())
    submit(server, report_1_0_body(server.clock.now, installation_id))

    response = httpx.get(f"{server.url}/installation/{installation_id}", headers=BEARER)

    assert response.status_code == 403
    assert response.json()["title"] == "No Deletion Token Registered"
    assert "sent only schema 1.0 reports" in response.json()["description"]
    assert "operator" in response.json()["description"]
