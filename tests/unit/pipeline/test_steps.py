"""StepBoard: a step waiting midway for others ends as soon as one of them has not succeeded."""

import asyncio

import pytest

from autocrea.pipeline.dag import Skipped
from autocrea.pipeline.steps import StepBoard


async def test_wait_returns_when_every_step_succeeded() -> None:
    board = StepBoard()
    board.expect(["backend", "frontend"])
    waiting = asyncio.create_task(board.wait(["backend", "frontend"], waiter="tester", purpose="verifying"))
    board.end("backend", "succeeded")
    await asyncio.sleep(0)
    assert not waiting.done()  # frontend has not ended yet
    board.end("frontend", "succeeded")
    await asyncio.wait_for(waiting, timeout=5)


async def test_a_failed_step_ends_the_wait_at_once_with_the_reason() -> None:
    board = StepBoard()
    board.expect(["backend", "frontend", "devops"])
    waiting = asyncio.create_task(
        board.wait(["backend", "frontend", "devops"], waiter="tester", purpose="verifying the app")
    )
    board.end("frontend", "failed")  # backend and devops never end here: no hang on them
    with pytest.raises(Skipped) as skipped:
        await asyncio.wait_for(waiting, timeout=5)
    assert skipped.value.reason == "verifying the app needs backend, frontend, devops; frontend failed"


async def test_the_first_report_of_a_step_wins() -> None:
    board = StepBoard()
    board.expect(["backend"])
    board.end("backend", "skipped")
    board.end("backend", "succeeded")
    with pytest.raises(Skipped, match="backend skipped"):
        await board.wait(["backend"], waiter="tester", purpose="verifying")


async def test_waiting_for_a_step_that_is_not_in_the_run_is_refused() -> None:
    board = StepBoard()
    board.expect(["backend"])
    with pytest.raises(ValueError, match="tester waits for ghost, which are not steps of this run"):
        await board.wait(["backend", "ghost"], waiter="tester", purpose="verifying")
