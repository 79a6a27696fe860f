"""AUTOCREA_ADMIN_EMAILS names the administrators: /api/auth/me says so for them and only them."""

from __future__ import annotations

from pathlib import Path

from autocrea.config import Settings
from tests.platform import running, settings_for


def test_the_admin_setting_marks_only_its_emails(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", admin_emails=" Boss@Example.com , ops@example.com")
    with running(settings, run_worker=False) as platform:
        boss = platform.register("boss@example.com")
        other = platform.register("worker@example.com")
        assert platform.request("GET", "/api/auth/me", boss).json()["admin"] is True
        assert platform.request("GET", "/api/auth/me", other).json()["admin"] is False
    assert not Settings(admin_emails="").is_admin("")
