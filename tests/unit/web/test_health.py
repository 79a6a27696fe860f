from fastapi.testclient import TestClient

from autocrea.web.app import create_app


def test_health_answers() -> None:
    client = TestClient(create_app())
    response = client.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_errors_use_the_one_shape() -> None:
    client = TestClient(create_app())
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found", "details": {}}}


def test_the_embedded_database_is_created_on_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from autocrea.config import Settings

    db = tmp_path / "data" / "autocrea.db"
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite+aiosqlite:///{db}")
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200
    tables = {
        row[0] for row in sqlite3.connect(db).execute("select name from sqlite_master where type='table'")
    }
    assert {"users", "credit_entries", "runs", "run_events"} <= tables
