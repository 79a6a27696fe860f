"""Property-based API testing with schemathesis against the app's own OpenAPI schema.

Cases are generated from the schema and sent through the real app (TestClient, SQLite, no worker),
as the owner of an API token and as nobody. Every answer must be no 5xx, a documented status, the
documented content type and a body matching the documented schema (errors included).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from autocrea.web.app import create_app
from tests.platform import Account, Platform, running, settings_for

SCHEMA = schemathesis.openapi.from_dict(create_app().openapi())
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Left out: /metrics (Prometheus text, no schema) and the HTML docs pages, which are not API operations;
# the SSE stream, whose 200 body is an endless stream schemathesis cannot validate and whose JSON
# errors FastAPI documents as text/event-stream (its errors are covered by the authorization
# matrix). Sign-up and login hash a password per call (argon2, ~0.5 s), so they get fewer examples.
PASSWORDS = r"^/api/auth/(register|login)$"
schema = SCHEMA.exclude(path_regex=r"^/(metrics|docs|redoc)|/events$").exclude(path_regex=PASSWORDS)
passwords = SCHEMA.include(path_regex=PASSWORDS)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, Account]]:
    data = tmp_path_factory.mktemp("schemathesis") / "data"
    limits = {
        "rate_limit_api": "1000000/minute",
        "rate_limit_generate": "1000000/minute",
        "rate_limit_login": "1000000/minute",
    }
    with running(settings_for(data, **limits), run_worker=False) as platform:
        yield platform, platform.token_for(platform.register())


def send(platform: Platform, case: Any, headers: dict[str, str]) -> Any:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    platform.client.cookies.clear()
    return platform.client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        content=kwargs.get("data"),
        json=kwargs.get("json"),
    )


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_keeps_its_schema_for_a_token_owner(api: tuple[Platform, Account], case: Any) -> None:
    platform, account = api
    response = send(platform, case, account.bearer_headers())
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_keeps_its_schema_for_nobody(api: tuple[Platform, Account], case: Any) -> None:
    platform, _ = api
    response = send(platform, case, {})
    case.validate_response(response, checks=CHECKS)


@passwords.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_sign_up_and_login_keep_their_schema(api: tuple[Platform, Account], case: Any) -> None:
    platform, _ = api
    response = send(platform, case, {})
    case.validate_response(response, checks=CHECKS)
