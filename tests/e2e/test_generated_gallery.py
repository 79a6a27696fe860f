"""A generated photo gallery in Chromium: a photo chosen in the form is uploaded, saved with the
record, shown as a thumbnail in the list and whole on the record's page; a file that is not a
picture is refused next to its field and the form keeps what was typed; a visitor votes for a
photo once, from the list and from its page."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from tests.generated_app import serving_files


def _png(width: int = 40, height: int = 30) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x20\x90\xd0" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    files = render_project(design("A photo gallery where users upload pictures and vote on them").spec)
    root = tmp_path_factory.mktemp("gallery")
    env = {"UPLOAD_DIR": str(root / "uploaded"), "SAMPLE_DATA": "0"}
    with serving_files(root, files, runtimes, env) as url:
        yield url


def test_a_photo_is_uploaded_saved_and_shown(browser: Browser, app_url: str, tmp_path: Path) -> None:
    photo = tmp_path / "sunset.png"
    photo.write_bytes(_png())
    fake = tmp_path / "evil.png"
    fake.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{app_url}/pictures")
        page.get_by_role("button", name="New Picture").click()
        page.locator("#field-title").fill("Sunset")
        page.get_by_label("Or upload a file (photo or PDF)").set_input_files(str(fake))
        expect(page.locator('[data-error-for="image_url"]')).to_have_text(
            "Only PNG, JPEG, GIF or WebP images and PDF documents can be uploaded."
        )
        expect(page.locator("#field-title")).to_have_value("Sunset")  # nothing typed is lost
        page.get_by_label("Or upload a file (photo or PDF)").set_input_files(str(photo))
        expect(page.locator("#field-image_url")).to_have_value(re.compile(r"^/uploads/[0-9a-f]{64}\.png$"))
        page.get_by_role("button", name="Save").click()

        thumb = page.locator("#rows img.thumb")
        expect(thumb).to_have_count(1)
        expect(thumb).to_have_attribute("alt", "Image")
        assert thumb.evaluate("img => img.complete && img.naturalWidth") == 40  # the picture, loaded
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "generated-gallery.png"))

        # One vote per visitor: the count goes up, stays after a reload, and a second press takes it back.
        vote = page.get_by_role("button", name="Vote for Sunset")
        expect(vote).to_have_text("▲ 0")
        vote.click()
        expect(vote).to_have_text("▲ 1")
        expect(vote).to_have_attribute("aria-pressed", "true")
        page.reload()
        expect(page.get_by_role("button", name="Vote for Sunset")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_role("button", name="Vote for Sunset")).to_have_text("▲ 1")

        page.locator("#rows").get_by_role("link", name="Sunset").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sunset")
        expect(page.locator("#record-fields img.thumb")).to_be_visible()
        on_page = page.get_by_role("button", name="Vote for Sunset")
        expect(on_page).to_have_text("▲ 1")
        on_page.click()
        expect(on_page).to_have_text("▲ 0")
        expect(on_page).to_have_attribute("aria-pressed", "false")
        assert not errors, errors
    finally:
        context.close()
