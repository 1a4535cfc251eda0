"""Property tests: no request body or header combination makes POST /submit return a 5xx status.

Together the three properties run 2,300 generated requests.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime

import falcon.testing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.app import create_app
from collector.config import CollectorConfig
from collector.storage import Store
from tests.collector.conftest import CLIENT_KEY, MutableClock, base_environ, report_1_1
from tests.collector.test_validation import report_1_0

NOW = datetime(2026, 6, 15, 12, 0, 0)
EXPECTED_STATUSES = {200, 400, 403, 409, 413, 415, 422, 429}
FUZZ_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}

json_scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=16), children, max_size=4),
    max_leaves=8,
)


def leaf_paths(value, prefix=()) -> list[tuple]:
    paths = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(leaf_paths(item, (*prefix, key)))
    return paths


BASES = {"1.0": report_1_0(), "1.1": report_1_1(NOW)}
PATHS = {version: leaf_paths(body) for version, body in BASES.items()}


@st.composite
def mutated_reports(draw) -> dict:
    """A valid report with one to three fields replaced, removed or added."""
    version = draw(st.sampled_from(sorted(BASES)))
    body = copy.deepcopy(BASES[version])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS[version]))
        parent = body
        for key in path[:-1]:
            if not isinstance(parent, dict) or key not in parent:
                break
            parent = parent[key]
        else:
            if not isinstance(parent, dict):
                continue
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(json_values)
            elif action == "delete":
                parent.pop(path[-1], None)
            else:
                parent[draw(st.text(max_size=20))] = draw(json_values)
    return body


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> falcon.testing.TestClient:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'collector.db'}"
    store = Store.open(url)
    store.migrate()
    config = CollectorConfig.from_environ(base_environ(url, folder, COLLECTOR_MAX_BODY_BYTES="4096"))
    return falcon.testing.TestClient(create_app(config, store, clock=MutableClock(NOW)))


def submit(client, body: bytes, content_type: str = "application/json") -> falcon.testing.Result:
    headers = {"X-API-Key": CLIENT_KEY, "Content-Type": content_type}
    result = client.simulate_post("/submit", body=body, headers=headers)
    assert result.status_code in EXPECTED_STATUSES, result.text
    assert isinstance(result.json, dict)
    return result


@settings(max_examples=1500, **FUZZ_SETTINGS)
@given(body=mutated_reports())
def test_fuzz_mutated_reports_never_fail(client, body):
    submit(client, json.dumps(body).encode())


@settings(max_examples=500, **FUZZ_SETTINGS)
@given(body=json_values)
def test_fuzz_arbitrary_json_never_fails(client, body):
    result = submit(client, json.dumps(body).encode())

    assert result.status_code in {400, 422}


@settings(max_examples=300, **FUZZ_SETTINGS)
@given(body=st.binary(max_size=5000), content_type=st.sampled_from(["application/json", "text/plain", "", "application/JSON; x=y"]))
def test_fuzz_arbitrary_bytes_never_fail(client, body, content_type):
    submit(client, body, content_type)
