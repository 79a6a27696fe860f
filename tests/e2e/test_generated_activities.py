"""A generated app's activities in Chromium: the wheel of fortune is spun (the server picks the
prize), the win shows on the page and in the winning records, and the prize's stock goes down; a
word game played to the end changes the dashboard's progress summary."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.sandbox.runtime import RuntimeCache
from tests.generated_app import serving_files

WHEEL = design(
    "Please implement a wheel of fortune website where users can spin the wheel to win prizes. The "
    "website should have functionalities for spinning the wheel, displaying prizes, and recording user "
    "winning records. Users should be able to spin the wheel, view the prize list, view their own "
    "winning records. Use light gray as the default background and dark red for component styling."
).spec
WORDS = design(
    "An adult vocabulary learning website with word games such as crossword puzzles, unjumble letters, "
    "finding synonyms and antonyms, flashcards, and fill-in-the-blank, and a dashboard that displays a "
    "progress summary, and a simple game to play in the waiting room."
).spec
ARTIFACTS = Path(__file__).parent / "artifacts"


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def wheel_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    with serving_files(tmp_path_factory.mktemp("wheel"), render_project(WHEEL), runtimes, {}) as url:
        yield url


@pytest.fixture(scope="module")
def words_url(tmp_path_factory: pytest.TempPathFactory, runtimes: RuntimeCache) -> Iterator[str]:
    with serving_files(tmp_path_factory.mktemp("words"), render_project(WORDS), runtimes, {}) as url:
        yield url


def test_the_wheel_is_spun_and_the_win_is_recorded(browser: Browser, wheel_url: str) -> None:
    wheel = WHEEL.activities[0]
    prizes = WHEEL.entity(str(wheel.entity))
    wins = WHEEL.entity(str(wheel.results))
    wins_path = "/" + wins.table.replace("_", "-")
    before = {p["id"]: p["quantity"] for p in _get(f"{wheel_url}/api/{prizes.table}?page_size=100")["items"]}
    assert before and all(left > 0 for left in before.values())  # the sample prizes, in stock

    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{wheel_url}{wheel.path}")
        expect(page.get_by_role("heading", name=wheel.title)).to_be_visible()
        spin = page.get_by_role("button", name="Spin")
        expect(spin).to_be_enabled()
        expect(page.locator("#wins-empty")).to_be_visible()
        page.get_by_label("Your name (optional)").fill("Ana")
        spin.click()
        result = page.locator("#activity-result")
        expect(result).to_contain_text("You won:", timeout=10_000)
        won = result.inner_text().removeprefix("You won: ").removesuffix("!")
        expect(page.locator("#wins li")).to_have_count(1)
        expect(page.locator("#wins li").first).to_contain_text(f"{won} — Ana")
        page.screenshot(path=str(ARTIFACTS / "generated-wheel.png"))

        # The server stored it: one win, for the prize shown, and that prize has one less left.
        stored = _get(f"{wheel_url}/api/{wins.table}")["items"]
        assert len(stored) == 1 and stored[0]["player_name"] == "Ana"
        prize = _get(f"{wheel_url}/api/{prizes.table}/{stored[0]['prize_id']}")
        assert prize["name"] == won
        assert prize["quantity"] == before[prize["id"]] - 1

        page.goto(f"{wheel_url}{wins_path}")
        expect(page.get_by_role("cell", name="Ana", exact=True)).to_be_visible()
        expect(page.get_by_role("cell", name=won, exact=True)).to_be_visible()
    finally:
        context.close()
    assert errors == []


def test_a_finished_word_game_shows_in_the_progress_summary(browser: Browser, words_url: str) -> None:
    pages = {str(p.activity): p for p in WORDS.activities}
    assert list(pages) == ["flashcards", "unjumble", "fill_blank", "synonyms", "crossword", "game_2048"]
    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Every activity page starts a game at once.
        for activity in pages.values():
            page.goto(f"{words_url}{activity.path}")
            board = page.locator(".activity-card, .crossword, .board-2048")
            expect(board.first).to_be_visible()
        page.goto(f"{words_url}/dashboard")
        expect(page.locator("#progress-empty")).to_be_visible()
        expect(page.locator("#progress-rows tr")).to_have_count(0)

        # Unjumble every word: the hint is the definition, the answer the word it defines.
        words = _get(f"{words_url}/api/words?page_size=100")["items"]
        answers = {w["definition"]: w["term"] for w in words}
        page.goto(f"{words_url}{pages['unjumble'].path}")
        for _ in range(len(words)):
            hint = page.locator(".activity-hint").inner_text().removeprefix("Hint: ")
            page.get_by_label("Your answer").fill(answers[hint] if _ != 0 else "wrong")
            page.get_by_role("button", name="Check").click()
            expect(page.locator(".activity-feedback")).not_to_be_empty()
            page.get_by_role("button", name="Next").click()
        expect(page.locator(".activity-score")).to_have_text(f"Your score: {len(words) - 1} of {len(words)}")
        expect(page.locator(".activity-saved")).to_contain_text("saved")

        page.goto(f"{words_url}/dashboard")
        row = page.locator('#progress-rows tr[data-activity="unjumble"]')
        expect(row).to_contain_text(pages["unjumble"].title)
        expect(row.locator("td").nth(1)).to_have_text("1")
        expect(row.locator("td").nth(2)).to_have_text(f"{round((len(words) - 1) * 100 / len(words))} %")
        expect(page.locator("#progress-empty")).to_be_hidden()
        page.screenshot(path=str(ARTIFACTS / "generated-progress.png"), full_page=True)
    finally:
        context.close()
    assert errors == []


def test_the_waiting_room_game_moves_with_the_arrow_keys(browser: Browser, words_url: str) -> None:
    room = next(p for p in WORDS.activities if p.activity == "game_2048")
    assert room.title == "Waiting room"
    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{words_url}{room.path}")
        expect(page.locator(".tile-2048")).to_have_count(16)
        grid = "() => document.getElementById('activity').game2048.grid()"
        # Two 2s side by side merge into a 4 to the left, and a new tile comes.
        board = "[[2,2,0,0],[0,0,0,0],[0,0,0,0],[0,0,0,0]]"
        page.evaluate(f"() => document.getElementById('activity').game2048.set({board})")
        page.keyboard.press("ArrowLeft")
        after = page.evaluate(grid)
        assert after[0][0] == 4 and sum(v > 0 for row in after for v in row) == 2
        expect(page.locator(".activity-score")).to_have_text("Points: 4")
        page.get_by_role("button", name="Move right").click()
        assert page.evaluate(grid) != after
        # No move left: game over, stored; reviving clears the small tiles and the game goes on.
        full = "[[2,4,2,4],[4,2,4,2],[2,4,2,8],[0,16,32,64]]"
        page.evaluate(f"() => document.getElementById('activity').game2048.set({full})")
        page.keyboard.press("ArrowLeft")
        expect(page.locator(".activity-score")).to_contain_text("Game over")
        expect(page.locator(".activity-saved")).to_contain_text("saved")
        page.get_by_role("button", name="Revive and go on").click()
        revived = page.evaluate(grid)
        assert 2 not in [v for row in revived for v in row] and 64 in revived[3]
        page.keyboard.press("ArrowUp")
        assert page.evaluate(grid) != revived
    finally:
        context.close()
    assert errors == []
