"""A hostile preview on a subdomain of AUTOCREA's own domain, in a real browser.

AUTOCREA runs on app.autocrea.test and its previews on *.preview.autocrea.test (Chromium maps the
names to loopback). The generated app tries to toss cookies onto the parent domain, among them one
named like AUTOCREA's session: none may land on AUTOCREA's host, the owner stays who they are, the
app's own cookie stays host-only on its preview host, and a browser without the owner's capability
gets a 403.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import Browsing, open_page
from tests.platform import PASSWORD
from tests.served import Served, serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TOSSING = """

@app.middleware("http")
async def toss_cookies(request, call_next):  # a hostile app: cookies for the whole parent domain
    response = await call_next(request)
    response.headers.append("set-cookie", "autocrea_session=forged; Domain=autocrea.test; Path=/")
    response.headers.append("set-cookie", "tossed=1; Domain=.autocrea.test; Path=/")
    response.headers.append("set-cookie", "own=1; Path=/")
    return response
"""


@pytest.fixture(scope="module")
def domain_server(tmp_path_factory: pytest.TempPathFactory, runtime_root: Path) -> Iterator[Served]:
    with serve(
        tmp_path_factory.mktemp("domain"),
        host="app.autocrea.test",
        previews="preview.autocrea.test",
        runtime_dir=runtime_root,
    ) as served:
        yield served


def _call(b: Browsing, method: str, path: str, csrf: str = "", data: Any = None) -> Any:
    """The API from inside the page (Playwright's own request client would not resolve the names)."""
    return b.page.evaluate(
        """async ([method, path, csrf, data]) => {
          const headers = {"Content-Type": "application/json"};
          if (csrf) headers["X-CSRF-Token"] = csrf;
          const body = data === null ? undefined : JSON.stringify(data);
          const r = await fetch(path, {method, headers, body});
          const text = await r.text();
          if (!r.ok) throw new Error(r.status + " " + text);
          return text ? JSON.parse(text) : null;
        }""",
        [method, path, csrf, data],
    )


def test_a_preview_cannot_toss_cookies_onto_autocrea(browser: Browser, domain_server: Served) -> None:
    b = open_page(browser, domain_server)
    try:
        email = f"toss-{time.time_ns()}@example.com"
        b.page.goto(b.url("/login"))
        registered = _call(b, "POST", "/api/auth/register", "", {"email": email, "password": PASSWORD})
        csrf = registered["csrf_token"]
        created = _call(b, "POST", "/api/projects", csrf, {"prompt": "Una biblioteca con libros y socios"})
        project, run = created["project"]["id"], created["run"]["id"]
        for _ in range(600):
            status = _call(b, "GET", f"/api/runs/{run}")["status"]
            if status not in ("queued", "running"):
                break
            time.sleep(0.2)
        assert status == "succeeded"
        main = _call(b, "GET", f"/api/projects/{project}/files/app/main.py")
        _call(
            b,
            "PUT",
            f"/api/projects/{project}/files/app/main.py",
            csrf,
            {"content": main["content"] + TOSSING, "base": main["commit"]},
        )
        session_before = next(c["value"] for c in b.context.cookies() if c["name"] == "autocrea_session")

        page = b.page
        page.goto(b.url(f"/projects/{project}#preview"))
        page.get_by_role("button", name="Iniciar vista previa").click()
        app = page.frame_locator("#preview-frame")
        app.locator("h1").wait_for(timeout=90_000)  # the control: the owner's preview opens

        cookies = b.context.cookies()
        # Nothing but AUTOCREA's own cookies on AUTOCREA's host (or the parent domain), unchanged.
        on_autocrea = {
            c["name"]: c["value"] for c in cookies if not c["domain"].endswith("preview.autocrea.test")
        }
        assert set(on_autocrea) <= {"autocrea_session", "autocrea_lang"}, on_autocrea
        assert on_autocrea["autocrea_session"] == session_before
        preview_host = [c for c in cookies if c["domain"].endswith(".preview.autocrea.test")]
        mine = {c["name"]: c["domain"] for c in preview_host if c["name"] in ("own", "tossed")}
        assert set(mine) == {"own", "tossed"}  # the app keeps its cookies, on its own host only
        assert not any(domain.startswith(".") for domain in mine.values())
        assert not [c for c in cookies if c["value"] == "forged"]
        me = page.evaluate("async () => (await (await fetch('/api/auth/me')).json()).user.email")
        assert me == email  # still the owner, not whoever the preview wanted

        origin = next(f for f in page.frames if ".preview.autocrea.test" in f.url).url.split("/", 3)
        stranger = browser.new_context()
        try:
            refused = stranger.new_page().goto("/".join(origin[:3]) + "/")
            assert refused is not None and refused.status == 403
            assert "opens only for its owner" in refused.text()
        finally:
            stranger.close()
        b.shot("preview-cookie-tossing", full_page=False)
    finally:
        b.context.close()
    assert not b.console.unexpected(), b.console.unexpected()
