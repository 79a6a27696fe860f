"""The preview proxy's headers: a hostile generated app never sees AUTOCREA's cookies or credentials
and cannot set a cookie beyond its own preview host. Each attack has a benign control beside it."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx
import pytest
import uvicorn

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.jobs.preview import Previews
from autocrea.sandbox.http import client_for
from autocrea.web.preview_pass import PreviewPasses
from autocrea.web.proxy import (
    PreviewProxy,
    Receive,
    Scope,
    Send,
    app_cookies,
    framed_cookie,
    host_only_cookie,
    host_pattern,
    request_headers,
    response_headers,
)

PREVIEW_ID = "0123456789abcdef"
OWNER = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
PASSES = PreviewPasses.from_secret(b"test secret")
# The owner's pass cookie on this preview: without it the proxy forwards nothing (test_preview_api).


def owner_pass() -> str:
    """The owner's preview pass, minted when used: one minted at import expired before a slow
    suite (22 minutes on a loaded machine) reached the test."""
    return f"autocrea_preview={PASSES.mint('cookie', preview_id=PREVIEW_ID, user_id=OWNER, seconds=600)}"


PREVIEW_HOST = f"{PREVIEW_ID}.preview.autocrea.test"
APP_COOKIE = "a=1; Path=/; HttpOnly; SameSite=Lax"


def sent(*pairs: tuple[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def set_cookies(headers: list[tuple[bytes, bytes]]) -> list[str]:
    return [v.decode("latin-1") for k, v in headers if k.lower() == b"set-cookie"]


# --- Set-Cookie from the app --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hostile", "host_only"),
    [
        ("a=1; Domain=.autocrea.test; Path=/", "a=1; Path=/"),
        ("a=1; domain=autocrea.test; Path=/", "a=1; Path=/"),
        ("a=1;DOMAIN=autocrea.test", "a=1"),
        ("a=1; Path=/; dOmAiN=autocrea.test; HttpOnly", "a=1; Path=/; HttpOnly"),
        ("a=1; Secure;  Domain =autocrea.test ; SameSite=Lax", "a=1; Secure; SameSite=Lax"),
        ("a=1; Domain=autocrea.test; Path=/; Domain=other.test", "a=1; Path=/"),
        ("a=1; Domain", "a=1"),
    ],
)
def test_every_domain_attribute_is_removed(hostile: str, host_only: str) -> None:
    assert host_only_cookie(hostile) == host_only
    assert host_only_cookie(APP_COOKIE) == APP_COOKIE  # control: an ordinary cookie is untouched


def test_quotes_do_not_hide_a_domain_attribute() -> None:
    # Browsers split Set-Cookie on every `;`, quoted or not, so they would apply this Domain.
    assert host_only_cookie('a="x;domain=autocrea.test;y"; Path=/') == 'a="x;y"; Path=/'
    # Control: a quoted value, and a cookie that is *named* domain, are the app's own business.
    assert host_only_cookie('a="x y"; Path=/') == 'a="x y"; Path=/'
    assert host_only_cookie("domain=autocrea.test; Path=/") == "domain=autocrea.test; Path=/"


def test_set_cookies_stay_separate_host_only_and_never_autocrea_s() -> None:
    raw = sent(
        ("Content-Type", "text/html"),
        ("Set-Cookie", "a=1; Domain=autocrea.test; Path=/"),
        ("Set-Cookie", "autocrea_session=forged; Domain=autocrea.test; Path=/"),
        ("set-cookie", " Autocrea_Lang =en; Path=/"),
        ("Set-Cookie", "autocrea_session"),
        ("Set-Cookie", "b=2; Path=/"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Length", "12"),
    )
    out = response_headers(raw)
    assert set_cookies(out) == ["a=1; Path=/", "b=2; Path=/"]
    assert [k for k, _ in out] == [b"Content-Type", b"Set-Cookie", b"Set-Cookie"]
    # Control: an app cookie whose name merely contains AUTOCREA's passes unchanged.
    assert set_cookies(response_headers(sent(("Set-Cookie", "my_autocrea_session=1")))) == [
        "my_autocrea_session=1"
    ]


def test_inside_the_frame_an_apps_cookies_get_the_pass_cookies_same_site_attributes() -> None:
    framed = "SameSite=None; Secure; Partitioned"
    session = "session=abc; HttpOnly; Path=/; SameSite=lax; Max-Age=60"
    assert framed_cookie(session, framed) == f"session=abc; HttpOnly; Path=/; Max-Age=60; {framed}"
    out = response_headers(sent(("Set-Cookie", session + "; Domain=preview.localhost")), framed=framed)
    assert set_cookies(out) == [f"session=abc; HttpOnly; Path=/; Max-Age=60; {framed}"]
    # A deletion (Max-Age=0) is rewritten the same way, so it reaches the cookie it set.
    gone = "session=; Max-Age=0; Path=/; SameSite=lax"
    assert framed_cookie(gone, "SameSite=Lax") == "session=; Max-Age=0; Path=/; SameSite=Lax"


def test_a_non_ascii_header_value_round_trips() -> None:
    raw = [(b"x-title", "café €".encode()), (b"set-cookie", "n=é; Domain=x".encode())]
    assert response_headers(raw) == [(b"x-title", "café €".encode()), (b"set-cookie", "n=é".encode())]


# --- the request to the app ---------------------------------------------------------------------


def test_autocrea_credentials_and_proxy_claims_are_not_forwarded() -> None:
    scope = sent(
        ("host", PREVIEW_HOST),
        ("authorization", "Bearer acr_secret"),
        ("proxy-authorization", "Basic c2VjcmV0"),
        ("x-csrf-token", "csrf-secret"),
        ("X-Forwarded-For", "10.0.0.1"),
        ("x-forwarded-host", "autocrea.test"),
        ("x-forwarded-proto", "https"),
        ("forwarded", "for=10.0.0.1;host=autocrea.test"),
        ("x-real-ip", "10.0.0.1"),
        ("connection", "keep-alive"),
        ("content-length", "2"),
        ("accept", "text/html"),
        ("x-app-token", "the app's own"),
        ("content-type", "application/json"),
    )
    assert request_headers(scope) == [
        ("accept", "text/html"),
        ("x-app-token", "the app's own"),
        ("content-type", "application/json"),
    ]


@pytest.mark.parametrize(
    ("cookie", "forwarded"),
    [
        ("autocrea_session=s3cret; app=1; autocrea_lang=en", "app=1"),
        ("app=1;autocrea_session=s3cret", "app=1"),
        ("  autocrea_session  =s3cret ; AUTOCREA_LANG=en; app=1", "app=1"),
        ("flag; autocrea_session=s3cret; =x;; app=1", "flag; =x; app=1"),
        ('a="x; autocrea_session=s3cret"; app=1', 'a="x; app=1'),
        ("autocrea_session=s3cret", None),
        ("autocrea_session=s3cret; autocrea_lang=es", None),
        ("", None),
        (" ; ;", None),
    ],
)
def test_only_the_apps_cookies_are_forwarded(cookie: str, forwarded: str | None) -> None:
    headers = request_headers(sent(("accept", "*/*"), ("cookie", cookie)))
    assert headers == [("accept", "*/*")] + ([("cookie", forwarded)] if forwarded else [])
    # Control: the app's own cookies pass as they came.
    assert request_headers(sent(("cookie", "app=1; theme=dark"))) == [("cookie", "app=1; theme=dark")]


def test_split_cookie_headers_are_joined_and_filtered() -> None:
    scope = sent(("cookie", "app=1"), ("cookie", "autocrea_session=s3cret"), ("cookie", "theme=dark"))
    assert request_headers(scope) == [("cookie", "app=1; theme=dark")]
    assert request_headers(sent(("cookie", "app=1"))) == [("cookie", "app=1")]  # control


def test_huge_headers_are_filtered_whole() -> None:
    pairs = [f"c{i}=v{i}" for i in range(20_000)]
    hostile = "; ".join([*pairs[:10_000], "autocrea_session=s3cret", *pairs[10_000:]])
    assert app_cookies(hostile) == "; ".join(pairs)
    assert app_cookies("; ".join(pairs)) == "; ".join(pairs)  # control

    attributes = "; ".join(f"x{i}=y" for i in range(20_000))
    assert host_only_cookie(f"a=1; {attributes}; Domain=autocrea.test") == f"a=1; {attributes}"
    assert host_only_cookie(f"a=1; {attributes}") == f"a=1; {attributes}"  # control


# --- end to end: a browser, the ASGI proxy, and a real HTTP app behind it ----------------------


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The generated app: answers with the headers it got and tries to set cookies on AUTOCREA."""
    got = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"set-cookie", b"a=1; Domain=autocrea.test; Path=/"),
                (b"set-cookie", b"autocrea_session=forged; Domain=autocrea.test; Path=/"),
                (b"set-cookie", b"b=2; Path=/"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(got).encode()})


async def autocrea_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"autocrea itself"})


@dataclass(frozen=True)
class Reached:
    """The part of a `Preview` the proxy reads."""

    socket: str
    id: str = "0123456789abcdef"
    user_id: str = OWNER


@contextmanager
def serving_app(tmp: Path) -> Iterator[Reached]:
    """The echo app on a real HTTP server listening on a Unix socket, as previews do, and the
    preview that reaches it."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(tmp / "app.sock"))
    server = uvicorn.Server(uvicorn.Config(echo_app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the echo app did not start"
        time.sleep(0.02)
    try:
        yield Reached(socket=str(tmp / "app.sock"))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class OnePreview:
    def __init__(self, preview: Reached, upstream: httpx.AsyncClient) -> None:
        self.preview = preview
        self.upstream = upstream

    async def reachable(self, preview_id: str) -> Reached | None:
        return self.preview if preview_id == PREVIEW_ID else None

    def client(self, preview: Reached) -> httpx.AsyncClient:
        return self.upstream


@pytest.fixture(scope="module")
def reached(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reached]:
    with serving_app(tmp_path_factory.mktemp("preview")) as preview:
        yield preview


@dataclass
class Through:
    browser: httpx.AsyncClient  # a visitor, talking to the proxy
    upstream: httpx.AsyncClient  # the proxy's own client to the preview, shared by all its visitors


@pytest.fixture
async def through(reached: Reached) -> AsyncIterator[Through]:
    async with client_for(reached.socket) as upstream:
        proxy = PreviewProxy(
            autocrea_app,
            previews=lambda: cast(Previews, OnePreview(reached, upstream)),
            passes=lambda: PASSES,
            pattern=host_pattern("https://{run}.preview.autocrea.test"),
            frame_origin="https://autocrea.test",
            cookie_attributes="SameSite=None; Secure; Partitioned",
        )
        transport = httpx.ASGITransport(app=proxy)
        async with httpx.AsyncClient(transport=transport, base_url=f"https://{PREVIEW_HOST}") as browser:
            yield Through(browser, upstream)


async def test_a_hostile_preview_gets_no_autocrea_secret_and_sets_only_host_only_cookies(
    through: Through,
) -> None:
    browser = through.browser
    granted = owner_pass()
    response = await browser.get(
        "/api/items",
        headers={
            "cookie": f"autocrea_session=s3cret; app=1; autocrea_lang=en; {granted}",
            "authorization": "Bearer acr_s3cret",
            "x-csrf-token": "csrf-s3cret",
            "x-forwarded-for": "10.0.0.1",
            "forwarded": "for=10.0.0.1",
            "x-app-header": "kept",
        },
    )
    assert response.status_code == 200
    got = dict(response.json())
    assert got["cookie"] == "app=1" and got["x-app-header"] == "kept"  # control: the app's own pass
    assert not {"authorization", "x-csrf-token", "x-forwarded-for", "forwarded"} & got.keys()
    assert "s3cret" not in response.text
    # Host-only, with the pass cookie's attributes: framed by AUTOCREA, the app's cookies still stick.
    framed = "SameSite=None; Secure; Partitioned"
    assert response.headers.get_list("set-cookie") == [f"a=1; Path=/; {framed}", f"b=2; Path=/; {framed}"]
    assert response.headers["content-security-policy"] == "frame-ancestors https://autocrea.test"
    assert not through.upstream.cookies  # the proxy's client keeps none of the app's cookies

    # Another visitor: what another preview left in the shared client's jar never reaches the app.
    through.upstream.cookies.set("left", "by-another-preview", domain="127.0.0.1")
    bare = await browser.get("/", headers={"cookie": f"autocrea_session=other; {granted}"})
    assert "cookie" not in dict(bare.json()) and "other" not in bare.text
    mine = await browser.get("/", headers={"cookie": f"mine=1; {granted}"})  # control
    assert dict(mine.json())["cookie"] == "mine=1"

    # Control: AUTOCREA's own host is AUTOCREA, and an unknown preview is not forwarded.
    assert (await browser.get("https://autocrea.test/")).text == "autocrea itself"
    unknown = await browser.get("https://fedcba9876543210.preview.autocrea.test/")
    assert unknown.status_code == 404 and "not running" in unknown.text


def test_a_generated_apps_own_csrf_header_reaches_it() -> None:
    # The proxy drops AUTOCREA's CSRF header; an app with accounts sends one of its own, which
    # must pass, or every change made in a framed preview is refused.
    accounts = render_project(design("Blog con CMS y autenticación").spec)["app/accounts.py"]
    found = re.search(r'^CSRF_HEADER = "([^"]+)"$', accounts, re.MULTILINE)
    assert found is not None
    assert request_headers(sent((found[1], "token"))) == [(found[1].lower(), "token")]
