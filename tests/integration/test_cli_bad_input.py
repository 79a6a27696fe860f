"""Bad input to `autocrea generate` / `export`: a clear message, exit code 2, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autocrea.cli import main


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 20_001, "20,000"),
        ("hola", "no queda claro"),
        ("tienda\x00online", "binary"),
    ],
)
def test_bad_prompts_exit_2_and_write_nothing(
    prompt: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["generate", prompt, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err.lower()
    assert listing(tmp_path) == []


def test_binary_garbage_from_the_shell(tmp_path: Path) -> None:
    garbage = b"\xff\xfe\x81\x00garbage".replace(b"\x00", b"")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autocrea.cli",
            "generate",
            os.fsdecode(garbage),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert b"UTF-8" in result.stderr
    assert listing(tmp_path) == []


def test_existing_non_empty_out_dir_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    code = main(["generate", "Create a simple todo app", "--out", str(out)])
    assert code == 2
    assert "not an empty directory" in capsys.readouterr().err
    assert listing(tmp_path) == ["mine", "mine/keep.txt"]
    assert (out / "keep.txt").read_text() == "precious"


def test_out_pointing_at_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["generate", "Create a simple todo app", "--out", str(target)]) == 2
    assert listing(tmp_path) == ["file.txt"]


def test_unknown_model_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["generate", "Create a simple todo app", "--out", str(tmp_path / "o"), "--model", "gpt-9"]) == 2
    )
    assert "unknown model" in capsys.readouterr().err
    assert listing(tmp_path) == []


def test_export_of_a_non_repository_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path), "-o", str(tmp_path / "x.zip")]) == 2
    assert capsys.readouterr().err.strip()
    assert listing(tmp_path) == []


def test_schema_command_prints_the_appspec_schema(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "AppSpec" and "entities" in schema["properties"]


def test_a_model_without_its_key_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "AUTOCREA_OPENAI_API_KEY", "OPENAI_BASE_URL", "AUTOCREA_OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file of the developer's
    code = main(
        [
            "generate",
            "Create a simple todo app",
            "--out",
            str(tmp_path / "o"),
            "--model",
            "openai:gpt-4o-mini",
        ]
    )
    assert code == 2
    assert "OPENAI_API_KEY" in capsys.readouterr().err
    assert listing(tmp_path) == []
