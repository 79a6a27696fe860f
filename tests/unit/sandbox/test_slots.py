"""Sandbox slots: a host-wide cap, served in line, across processes."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

import pytest

from autocrea.errors import SandboxError
from autocrea.sandbox.slots import Slots


async def test_waiters_get_slots_in_the_order_they_asked(tmp_path: Path) -> None:
    pool = Slots(count=2, lock_dir=tmp_path, uid_base=7000)
    first, second = await pool.acquire(), await pool.acquire()
    assert {first.uid, second.uid} == {7000, 7001} and pool.busy == 2
    order: list[int] = []

    async def wait(n: int) -> None:
        slot = await pool.acquire()
        order.append(n)
        await asyncio.sleep(0.01)
        pool.release(slot)

    waiters = []
    for n in range(20):
        waiters.append(asyncio.create_task(wait(n)))
        await asyncio.sleep(0)  # asked in this order
    await asyncio.sleep(0.3)
    assert order == []  # all slots are held: everyone waits
    pool.release(first)
    pool.release(second)
    await asyncio.wait_for(asyncio.gather(*waiters), 30)
    assert order == list(range(20)) and pool.busy == 0


async def test_another_processs_slots_count_and_freed_ones_are_noticed(tmp_path: Path) -> None:
    pool = Slots(count=2, lock_dir=tmp_path, uid_base=None)
    held = []
    for n in range(2):  # another process holds both slots (its own open file descriptions)
        fd = os.open(tmp_path / f"slot-{n}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.append(fd)
    with pytest.raises(SandboxError, match="all 2 sandbox slots stayed busy"):
        await pool.acquire(timeout=0.3)
    waiting = asyncio.create_task(pool.acquire(timeout=10))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    os.close(held.pop())  # the other process ends one sandbox
    slot = await asyncio.wait_for(waiting, 5)
    assert slot.index == 1 and slot.uid is None
    pool.release(slot)
    os.close(held.pop())


def test_a_pool_needs_a_slot(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        Slots(count=0, lock_dir=tmp_path, uid_base=None)
