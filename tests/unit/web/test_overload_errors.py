"""Overload and an unreachable database are a clear 503 in the one error shape, never a 500.

Under a load past what one process serves (bench/api.py on a slow machine), requests waited the
connection pool's whole timeout and came back as 500 "internal error"."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
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

    @app.get("/restart")
    async def restart() -> None:
        # What asyncpg under SQLAlchemy raises when PostgreSQL restarts mid-query.
        try:
            raise asyncpg.AdminShutdownError("terminating connection due to administrator command")
        except asyncpg.AdminShutdownError as cause:
            raise exc.DBAPIError("SELECT ...", {}, RuntimeError("connection was closed")) from cause

    @app.get("/refused")
    async def refused() -> None:
        raise ConnectionRefusedError(111, "Connection refused")  # a new connection while it is down

    @app.get("/closed")
    async def closed() -> None:
        raise asyncpg.InterfaceError("connection is closed")  # the driver's own, unwrapped

    @app.get("/duplicate")
    async def duplicate() -> None:
        raise exc.IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

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


@pytest.mark.parametrize("path", ["/restart", "/refused", "/closed"])
def test_a_lost_or_refused_database_connection_is_a_503_not_a_500(path: str) -> None:
    response = TestClient(_app(), raise_server_exceptions=False).get(path)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"]["code"] == "database_error"
    assert "administrator" not in response.text and "refused" not in response.text


def test_a_query_error_that_is_not_about_the_connection_stays_a_500() -> None:
    response = TestClient(_app(), raise_server_exceptions=False).get("/duplicate")
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"
    assert "UNIQUE" not in response.text
