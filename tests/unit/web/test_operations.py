"""Operations endpoints and request plumbing: readiness, Prometheus metrics, JSON logs, request ids."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import structlog

from autocrea.web.observe import configure_logging
from tests.platform import PASSWORD, running, settings_for


def test_ready_answers_when_the_database_does(tmp_path: Path) -> None:
    with running(settings_for(tmp_path), run_worker=False) as platform:
        response = platform.request("GET", "/ready")
        assert response.status_code == 200 and response.json()["status"] == "ready"
        sandbox = response.json()["details"]["sandbox"]
        assert sandbox["kind"] == platform.services.sandbox.sandbox.kind  # which isolation is in force
        assert sandbox["isolated"] == (sandbox["kind"] == "bubblewrap")
        assert (sandbox["warning"] is None) == sandbox["isolated"]


def test_ready_is_503_in_the_error_shape_when_the_database_is_gone(tmp_path: Path) -> None:
    # Nothing listens on port 1: the server starts (PostgreSQL is not touched at start) but is not ready.
    settings = settings_for(tmp_path, database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    with running(settings, run_worker=False) as platform:
        response = platform.request("GET", "/ready")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "not_ready"
        assert platform.request("GET", "/health").status_code == 200


def test_without_the_database_pages_say_one_moment_and_the_api_says_503(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    with running(settings, run_worker=False) as platform:
        cookie = {"Cookie": "autocrea_session=" + "a" * 43}  # looking the session up needs the database
        page = platform.request("GET", "/projects", headers={**cookie, "Accept": "text/html"})
        assert page.status_code == 503 and "text/html" in page.headers["content-type"]
        assert "La base de datos no responde ahora mismo" in page.text
        api = platform.request("GET", "/api/projects", headers=cookie)
        assert api.status_code == 503 and api.headers["retry-after"] == "5"
        assert api.json()["error"]["code"] == "database_error"


def test_metrics_count_requests_by_route_and_report_runs_and_credits(tmp_path: Path) -> None:
    with running(settings_for(tmp_path), run_worker=False) as platform:
        ana = platform.register()
        for _ in range(3):
            platform.request("GET", f"/api/projects/{'0' * 32}", ana)
        platform.generate(ana)
        text = platform.request("GET", "/metrics").text
    line = next(
        row
        for row in text.splitlines()
        if row.startswith("autocrea_http_requests_total{")
        and 'route="/api/projects/{project_id}"' in row
        and 'status="404"' in row
    )
    assert line.endswith(" 3.0")  # the route template, not the raw id: bounded label values
    assert 'autocrea_runs{status="queued"} 1.0' in text
    assert "autocrea_credits_spent 0.0" in text
    assert "autocrea_http_request_seconds_bucket" in text


def test_with_a_metrics_token_only_the_scraper_reads_metrics(tmp_path: Path) -> None:
    token = "scrape-0123456789abcdef"
    with running(settings_for(tmp_path, metrics_token=token), run_worker=False) as platform:
        ana = platform.register()
        anonymous = platform.request("GET", "/metrics")
        as_a_user = platform.request("GET", "/metrics", ana)
        wrong = platform.request("GET", "/metrics", headers={"Authorization": "Bearer scrape-wrong"})
        scraper = platform.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    for refused in (anonymous, as_a_user, wrong):
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["error"]["code"] == "unauthorized"
        assert "autocrea_" not in refused.text and token not in refused.text
    assert scraper.status_code == 200 and "autocrea_credits_spent" in scraper.text


def test_each_response_carries_a_request_id_and_a_good_one_is_kept(tmp_path: Path) -> None:
    with running(settings_for(tmp_path), run_worker=False) as platform:
        fresh = platform.request("GET", "/health").headers["x-request-id"]
        kept = platform.request("GET", "/health", headers={"X-Request-ID": "trace-abc-123"})
        hostile = platform.request("GET", "/health", headers={"X-Request-ID": "<script>\r\nx"})
    assert len(fresh) == 16
    assert kept.headers["x-request-id"] == "trace-abc-123"
    assert hostile.headers["x-request-id"] != "<script>\r\nx"


def test_logs_are_json_lines_with_request_and_user_ids_and_no_secrets(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("info")
    try:
        with running(settings_for(tmp_path), run_worker=False) as platform:
            ana = platform.register()
            platform.request("GET", "/api/auth/me", ana)
            platform.request("POST", "/api/auth/login", json={"email": ana.email, "password": PASSWORD})
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    output = capfd.readouterr()
    lines = [json.loads(row) for row in (output.out + output.err).splitlines() if row.startswith("{")]
    requests = [row for row in lines if row.get("event") == "request"]
    me = next(row for row in requests if row["route"] == "/api/auth/me")
    assert me["user_id"] == ana.user_id and me["status"] == 200 and len(me["request_id"]) == 16
    everything = output.out + output.err
    assert PASSWORD not in everything
    assert ana.session not in everything and ana.csrf not in everything
