"""Overload and an unreachable database are a clear 503 in the one error shape, never a 500.

Under a load past what one process serves (bench/api.py on a slow machine), requests waited the
connection pool's whole timeout and came back as 500 "internal error"."""

from __future__ import annotations

import sqlite3

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exc

from autocrea.web.errors import install


def _app() -> FastAPI:
    app = FastAPI()
    install(app)

    @app.get("/pool")
    async def pool() -> None:
        raise exc.TimeoutError(
            "QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00"
        )

    @app.get("/locked")
    async def locked() -> None:
        raise exc.OperationalError(
            "INSERT INTO tokens ...", {}, sqlite3.OperationalError("database is locked")
        )

    return app


def test_an_exhausted_connection_pool_is_a_503_busy_with_retry_after() -> None:
    response = TestClient(_app()).get("/pool")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    error = response.json()["error"]
    assert error["code"] == "busy" and "try again in a few seconds" in error["message"]
    assert "QueuePool" not in response.text  # the pool's internals stay in the server log


def test_a_database_that_does_not_answer_is_a_503_without_its_sql() -> None:
    response = TestClient(_app()).get("/locked")
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    error = response.json()["error"]
    assert error["code"] == "database_error" and "database is not answering" in error["message"]
    assert "INSERT" not in response.text and "locked" not in response.text
