"""Page routes over HTTP (no browser): session guard, HTML errors beside the API's JSON ones,
security headers, the language switch, and fragments that never leak another user's project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.platform import Platform, running, settings_for

HTML = {"Accept": "text/html"}


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Platform]:
    with running(settings_for(tmp_path / "data"), run_worker=False) as platform:
        yield platform


def test_app_pages_send_visitors_to_log_in_and_back(web: Platform) -> None:
    for path in ("/chat", "/projects", "/settings", "/projects/abc", "/chat?run=abc"):
        response = web.request("GET", path, headers=HTML, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2F")
    assert web.request("GET", "/login?next=//evil.example", headers=HTML).text.count('data-next="/chat"') == 1


def test_pages_carry_a_strict_content_security_policy(web: Platform) -> None:
    response = web.request("GET", "/", headers=HTML)
    assert response.status_code == 200 and "De idea a aplicación en minutos" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "frame-src http://*.preview.localhost:8000" in csp
    assert "<script>" not in response.text  # no inline script: the policy would block it


def test_browsers_get_an_error_page_and_the_api_keeps_json(web: Platform) -> None:
    page = web.request("GET", "/no/such/page", headers=HTML)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "No encontrado" in page.text
    api = web.request("GET", "/api/no/such", headers=HTML)
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_another_users_project_is_not_found_on_every_page_and_fragment(web: Platform) -> None:
    owner, other = web.register(), web.register()
    created = web.request(
        "POST", "/api/projects", owner, json={"prompt": "Create a simple todo app", "name": "Zanzibar list"}
    )
    assert created.status_code == 202, created.text
    project_id = created.json()["project"]["id"]
    for path in (
        f"/projects/{project_id}",
        f"/projects/{project_id}/part/history",
        f"/projects/{project_id}/part/evidence",
    ):
        response = web.request("GET", path, other, headers=HTML)
        assert response.status_code == 404, path
        assert "Zanzibar" not in response.text  # nothing of the project, only its address
    mine = web.request("GET", f"/projects/{project_id}", owner, headers=HTML)
    assert mine.status_code == 200 and "Zanzibar list" in mine.text


def test_a_fragment_for_an_ended_session_asks_htmx_to_go_to_log_in(web: Platform) -> None:
    response = web.request("GET", "/projects/abc/part/history", headers={**HTML, "HX-Request": "true"})
    assert response.status_code == 204 and response.headers["hx-redirect"] == "/login"


def test_the_language_switch_is_remembered(web: Platform) -> None:
    response = web.request("GET", "/pricing?lang=en", headers=HTML)
    assert "Pricing" in response.text and '<html lang="en">' in response.text
    assert "autocrea_lang=en" in response.headers["set-cookie"]
    again = web.request("GET", "/pricing", headers={**HTML, "Cookie": "autocrea_lang=en"})
    assert '<html lang="en">' in again.text
    assert '<html lang="es">' in web.request("GET", "/pricing?lang=xx", headers=HTML).text


def test_the_generate_page_shows_cost_balance_and_the_models_the_user_can_use(web: Platform) -> None:
    account = web.register()
    page = web.request("GET", "/chat", account, headers=HTML).text
    assert "Generar aplicación" in page and "100 créditos" in page and "50 créditos" in page
    assert '<option value="blueprint"' in page
    assert 'value="anthropic:' in page and "requiere clave" in page
    for example in ("Landing page con formulario de contacto", "API REST con MongoDB"):
        assert example in page


def test_static_files_and_vendored_libraries_are_served(web: Platform) -> None:
    for path in (
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/codemirror/codemirror.js",
        "/static/js/pages/chat.js",
    ):
        assert web.request("GET", path).status_code == 200, path
