"""Browser tests: the real app under uvicorn, driven by Debian's Chromium through Playwright.

Every page a test opens is watched: any console error or uncaught script error fails the test,
except the ones a test declares it expects (a 402 it provokes, the preview's blocked probe).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import need
from tests.platform import PASSWORD
from tests.served import Served, serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# No network but loopback; *.localhost is the preview origin, which Chromium maps to loopback itself.
# *.autocrea.test stands for a real domain (AUTOCREA on app., previews on *.preview.) on loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP *.autocrea.test 127.0.0.1, MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, "
    "EXCLUDE localhost, EXCLUDE *.localhost",
]


@dataclass
class Console:
    """Console errors seen on a page; `expect` whitelists the ones a test provokes on purpose."""

    errors: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


@dataclass
class Browsing:
    page: Page
    context: BrowserContext
    console: Console
    server: Served

    def url(self, path: str) -> str:
        return self.server.url + path

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.evaluate("window.scrollTo(0, 0)")  # clicks scroll; a sticky header would cover a row
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def sign_up(self) -> str:
        """A new account through the API, sharing the browser's cookie jar; returns its e-mail."""
        email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
        response = self.context.request.post(
            self.url("/api/auth/register"), data={"email": email, "password": PASSWORD}
        )
        assert response.status == 201, response.text()
        return email

    def api(self, path: str) -> Any:
        response = self.context.request.get(self.url(path))
        assert response.ok, response.text()
        return response.json()

    def generate(self, description: str) -> str:
        """Build an app from the Spanish generate page with the Blueprint, open its project page;
        returns the project id."""
        from playwright.sync_api import expect

        page = self.page
        page.goto(self.url("/chat"))
        page.get_by_label("Describe qué quieres crear").fill(description)
        page.get_by_role("button", name="Generar aplicación").click()
        expect(page.locator("#run-status")).to_have_text("¡Aplicación lista y verificada!", timeout=180_000)
        page.get_by_role("link", name="Abrir proyecto").click()
        page.wait_for_url(re.compile(r"/projects/[0-9a-f]+$"))
        return page.url.rsplit("/", 1)[1]


# Package scope: Playwright's sync API runs an event loop on this thread while it is open, which
# would break every later test that calls asyncio.run; close it when the browser tests are done.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    need(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, runtime_root: Path) -> Iterator[Served]:
    # A short lease makes the worker notice a cancel within ~2 s (it checks at every heartbeat).
    # Private remotes: the push test's git server listens on 127.0.0.1 over plain http.
    with serve(
        tmp_path_factory.mktemp("e2e"),
        runtime_dir=runtime_root,
        run_lease_seconds=6,
        allow_private_git_remotes=True,
    ) as served:
        yield served


def open_page(browser: Browser, server: Served, **context_args: Any) -> Browsing:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="es-ES", **context_args)
    context.set_default_timeout(20_000)
    page = context.new_page()
    console = Console()
    page.on(
        "console",
        lambda m: (
            console.errors.append(f"{m.text} @ {m.location.get('url', '')}") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    return Browsing(page=page, context=context, console=console, server=server)


@pytest.fixture
def browsing(browser: Browser, server: Served) -> Iterator[Browsing]:
    session = open_page(browser, server)
    yield session
    session.context.close()
    assert not session.console.unexpected(), f"console errors: {session.console.unexpected()}"
