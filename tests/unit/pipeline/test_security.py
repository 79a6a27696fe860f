import json
from pathlib import Path

from autocrea.domain.allowlist import ALLOWED_PACKAGES
from autocrea.pipeline.roles.security import check_requirements, ruff_findings, scan_secrets


def test_allowlisted_pins_pass() -> None:
    text = "\n".join(f"{name}=={version}" for name, version in ALLOWED_PACKAGES.items()) + "\n# comment\n\n"
    assert check_requirements(text) == []


def test_unpinned_unknown_or_wrong_versions_are_high_findings() -> None:
    findings = check_requirements("fastapi\nrequests==2.0\nfastapi==0.0.1\n-e git+https://evil/x\n")
    assert [f.line for f in findings] == [1, 2, 3, 4]
    assert all(f.severity == "high" and f.path == "requirements.txt" for f in findings)


def test_secrets_are_found_in_every_file(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text('AWS = "AKIAIOSFODNN7EXAMPLE"\n')
    (tmp_path / ".env.example").write_text("SECRET_KEY=change-me\n")
    findings = scan_secrets(tmp_path)
    assert [(f.path, f.line, f.severity) for f in findings] == [("app/settings.py", 1, "high")]


def test_ruff_json_is_read_with_severity() -> None:
    output = json.dumps(
        [
            {"code": "S307", "filename": "/x/app/main.py", "location": {"row": 3}, "message": "eval"},
            {"code": "S311", "filename": "/x/app/main.py", "location": {"row": 9}, "message": "random"},
        ]
    )
    findings = ruff_findings(output)
    assert [(f.rule, f.severity, f.line) for f in findings] == [("S307", "high", 3), ("S311", "medium", 9)]
    assert ruff_findings("") == []
