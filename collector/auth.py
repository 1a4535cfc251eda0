"""Access rules: API keys are checked in middleware, deletion tokens in a hook.

- ``/submit`` needs a client key or an operator key in ``X-API-Key``.
- Everything under ``/stats/`` and ``/metrics`` needs an operator key.
- ``/installation/{id}`` needs ``Authorization: Bearer <deletion token>`` whose SHA-256
  matches the registered hash; an operator key may delete as well. A client key,
  which every bundle carries, is never enough there.
- Every other route (``/health``, ``/openapi.json``) is public.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import Any

import falcon

CLIENT = "client"
OPERATOR = "operator"
API_KEY_HEADER = "X-API-Key"


def _matches_any(candidate: str, keys: Sequence[bytes]) -> bool:
    """Compare against every key in constant time, without stopping at the first match."""
    encoded = candidate.encode("utf-8", "surrogateescape")
    found = False
    for key in keys:
        found |= hmac.compare_digest(encoded, key)
    return found


def required_role(path: str) -> str | None:
    """Return the role a path needs before routing, or None when the key is not checked there."""
    family = checked_route(path)
    if family is None:
        return None
    return CLIENT if family == "/submit" else OPERATOR


def checked_route(path: str) -> str | None:
    """Return the group of routes whose key rule covers ``path``: "/submit", "/stats/*", "/metrics" or None.

    The key is checked before routing, so a rejected request has no route template.
    Logs and metrics name it by this group, which, unlike the path, has a fixed set of values.
    """
    # Falcon's router ignores leading slashes, so "//stats/summary" reaches /stats/summary.
    path = "/" + path.lstrip("/")
    if path == "/submit":
        return "/submit"
    if path == "/stats" or path.startswith("/stats/"):
        return "/stats/*"
    if path == "/metrics" or path.startswith("/metrics/"):
        return "/metrics"
    return None


# A field converter in a route template, as in "{installation_id:uuid}".
_CONVERTER = re.compile(r"\{(\w+):[^}]*\}")


def route_label(req: falcon.Request) -> str | None:
    """Return the request's route as the OpenAPI document writes it, or its checked group when unrouted.

    "/installation/{installation_id:uuid}" becomes "/installation/{installation_id}". A
    request rejected by the key check before routing gets its group (see checked_route).
    """
    template = req.uri_template
    if template:
        return _openapi_path(template)
    return req.context.get("checked_route")


@functools.lru_cache(maxsize=64)
def _openapi_path(template: str) -> str:
    # The log and metrics middlewares both request the label of every request, and an app has few templates.
    return _CONVERTER.sub(r"{\1}", template)


class ApiKeyMiddleware:
    """Set ``req.context.role`` from X-API-Key and reject requests whose role is too low."""

    def __init__(self, client_keys: Sequence[str], operator_keys: Sequence[str]) -> None:
        self._client_keys = [key.encode("utf-8") for key in client_keys]
        self._operator_keys = [key.encode("utf-8") for key in operator_keys]

    def role_of(self, api_key: str | None) -> str | None:
        if not api_key:
            return None
        if _matches_any(api_key, self._operator_keys):
            return OPERATOR
        if _matches_any(api_key, self._client_keys):
            return CLIENT
        return None

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        api_key = req.get_header(API_KEY_HEADER)
        req.context.role = self.role_of(api_key)
        needed = required_role(req.path)
        if needed is None:
            return

        req.context.checked_route = checked_route(req.path)
        if req.context.role is None:
            req.context.outcome = "unauthorized"
            title = "Missing API Key" if not api_key else "Invalid API Key"
            description = f"Send a valid key in the {API_KEY_HEADER} header."
            raise falcon.HTTPUnauthorized(title=title, description=description, challenges=["ApiKey"])
        if needed == OPERATOR and req.context.role != OPERATOR:
            req.context.outcome = "forbidden"
            raise falcon.HTTPForbidden(title="Operator Key Required", description="This route needs an operator key.")


def authorize_installation(req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]) -> None:
    """Falcon hook: allow an installation route for the installation's deletion token.

    An operator key is accepted for DELETE. The resource needs a ``store`` attribute.
    """
    if req.method == "DELETE" and req.context.get("role") == OPERATOR:
        return

    token = _bearer_token(req.get_header("Authorization"))
    if token is None:
        description = "Send the installation's deletion token as Authorization: Bearer <token>."
        challenges = ["Bearer"]
        if req.method == "DELETE":
            description = (
                f"Send the installation's deletion token as Authorization: Bearer <token>, "
                f"or an operator key in {API_KEY_HEADER}."
            )
            challenges.append("ApiKey")
        if req.context.get("role") == CLIENT:
            description += f" The client key sent in {API_KEY_HEADER} only submits reports."
        raise falcon.HTTPUnauthorized(title="Missing Deletion Token", description=description, challenges=challenges)

    installation_id = str(params["installation_id"])
    known, registered = resource.store.registered_token_hash(installation_id)
    if not known:
        return  # Nothing is stored: a read finds nothing and a delete removes nothing.
    if registered is None:
        raise falcon.HTTPForbidden(
            title="No Deletion Token Registered",
            description=(
                "This installation sent only schema 1.0 reports, which carry no deletion token hash, so no token "
                "proves it. Ask the collector's operator to delete its data with an operator key."
            ),
        )
    presented = hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
    if not hmac.compare_digest(presented, registered):
        raise falcon.HTTPForbidden(
            title="Invalid Deletion Token",
            description="The token does not match the one this installation registered with its reports.",
        )


def _bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
