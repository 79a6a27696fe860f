"""The billing page over HTTP: the balance, the plan (none here: no Stripe keys) and the credits'
history in the page's language, with what users typed escaped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.platform import Platform, running, settings_for

HTML = {"Accept": "text/html"}


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Platform]:
    with running(settings_for(tmp_path / "data", offline_generation_cost=20), run_worker=False) as platform:
        yield platform


def test_visitors_are_sent_to_log_in(web: Platform) -> None:
    response = web.request("GET", "/billing", headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fbilling"


def test_the_page_tells_the_credits_story_in_the_pages_language(web: Platform) -> None:
    ana = web.register()
    hostile = '<img src=x onerror="alert(1)">'
    queued = web.request(
        "POST", "/api/projects", ana, json={"prompt": "a library with books", "name": hostile}
    )
    assert queued.status_code == 202, queued.text
    page = web.request("GET", "/billing", ana, headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert "<h1>Facturación</h1>" in text
    assert "Créditos de bienvenida" in text and ">+100<" in text
    # The queued run holds its credits: said as in progress, with the name escaped.
    assert (
        "Generaste «&lt;img src=x onerror=&#34;alert(1)&#34;&gt;»: en curso, 20 créditos reservados" in text
    )
    assert hostile not in text and ">-20<" in text
    assert "Sin plan mensual" in text and "Los pagos no están configurados en este servidor" in text
    assert 'id="portal"' not in text  # nothing bought: no portal to open
    english = web.request("GET", "/billing?lang=en", ana, headers=HTML).text
    assert (
        "<h1>Billing</h1>" in english
        and "Welcome credits" in english
        and "in progress, 20 credits held" in english
    )


def test_the_header_links_the_page_and_the_credits_to_it(web: Platform) -> None:
    text = web.request("GET", "/chat", web.register(), headers=HTML).text
    assert '<a href="/billing" >Facturación</a>' in text
    assert 'class="credits-pill" href="/billing"' in text
