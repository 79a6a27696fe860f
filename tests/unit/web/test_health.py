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
