"""Recorded bad model outputs (tests/fixtures/model_outputs) and the outcome each one must have.

Every fixture is replayed through what a role does with a model's answer: `apply_changes` for the
builders, `load_object` + AppSpec validation for the architect. Besides each case's declared result,
every case must keep the invariants: no exception, nothing outside the project, `.git` never written,
nothing written that the role does not own.
"""

from __future__ import annotations

import fnmatch
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from autocrea.pipeline.architect_model import finish_spec
from autocrea.pipeline.edits import Changes, apply_changes
from autocrea.pipeline.json_repair import load_object
from autocrea.pipeline.parse import Rejection
from autocrea.pipeline.roles.security import scan_secrets
from autocrea.storage.paths import safe_relpath, write_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "model_outputs"
ROOT = Path("/tmp/autocrea-project")


@cache
def _suite() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((FIXTURES / "cases.yml").read_text(encoding="utf-8"))
    return data


def _output(name: str) -> str:
    case = _suite()["cases"][name]
    text = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    for token, value in (case.get("substitute") or {}).items():
        text = text.replace(token, value)
    return text.replace("\n", "\r\n") if case.get("crlf") else text


def _owner(patterns: list[str]) -> Any:
    return lambda path: any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def _apply(name: str, owns: list[str] | None = None) -> Changes:
    case = _suite()["cases"][name]
    patterns = owns if owns is not None else case.get("owns", _suite()["owns"])
    return apply_changes(
        _suite()["project"], _output(name), may_write=_owner(patterns), **(case.get("limits") or {})
    )


def _params(kind: str) -> list[Any]:
    params = []
    for name, case in _suite()["cases"].items():
        if case.get("kind", "changes") != kind:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def _assert_invariants(changes: Changes, may_write: Any) -> None:
    for path, text in changes.files.items():
        assert safe_relpath(path) == path
        assert may_write(path)
        assert isinstance(text, str)
        parts = [p.casefold() for p in PurePosixPath(path).parts]
        assert ".git" not in parts and "git~1" not in parts
        assert (ROOT / path).resolve().is_relative_to(ROOT)
    assert sorted(line.split(": ", 1)[0] for line in changes.applied) == sorted(changes.files)
    assert all(isinstance(r, Rejection) and r.reason for r in changes.rejected)


def _match_rejections(actual: list[Rejection], expected: list[list[str]]) -> None:
    remaining = list(actual)
    for path, reason in expected:
        hit = next((r for r in remaining if r.path == path and reason in r.reason), None)
        assert hit is not None, f"no rejection of {path!r} mentioning {reason!r} in {actual}"
        remaining.remove(hit)
    assert remaining == [], f"unexpected rejections: {remaining}"


def test_every_fixture_has_a_case_and_there_are_enough() -> None:
    files = {p.stem for p in FIXTURES.glob("*.txt")}
    assert files == set(_suite()["cases"])
    assert len(files) >= 40


@pytest.mark.parametrize("name", _params("changes"))
def test_builder_output_has_its_declared_outcome(name: str, tmp_path: Path) -> None:
    case = _suite()["cases"][name]
    expect = case["expect"]
    changes = _apply(name)
    _assert_invariants(changes, _owner(case.get("owns", _suite()["owns"])))
    assert set(changes.files) == set(expect["files"])
    for path, wanted in expect["files"].items():
        text = changes.files[path]
        if isinstance(wanted, str):
            assert text == wanted
            continue
        for piece in wanted.get("contains", []):
            assert piece in text
        for piece in wanted.get("absent", []):
            assert piece not in text
    _match_rejections(changes.rejected, expect["rejected"])
    if "applied" in expect:
        assert changes.applied == expect["applied"]
    if "secrets" in expect:
        for path, text in changes.files.items():
            write_file(tmp_path, path, text)
        assert set(expect["secrets"]) <= {f.path for f in scan_secrets(tmp_path)}


@pytest.mark.parametrize("name", _params("changes"))
def test_even_a_role_that_owns_everything_writes_only_safe_paths(name: str) -> None:
    changes = _apply(name, owns=["*"])
    _assert_invariants(changes, _owner(["*"]))
    # Paths refused as unsafe stay refused whatever the role owns.
    unsafe = [r.path for r in _apply(name).rejected if r.reason.startswith("unsafe path")]
    assert not set(unsafe) & set(changes.files)


@pytest.mark.parametrize("name", _params("architect"))
def test_architect_output_has_its_declared_outcome(name: str) -> None:
    expect = _suite()["cases"][name]["expect"]
    if "error" in expect:
        with pytest.raises(ValueError, match=expect["error"]):
            finish_spec(load_object(_output(name)), prompt="a library")
        return
    spec = finish_spec(load_object(_output(name)), prompt="a library")
    assert spec.name == expect["spec"]["name"]
    assert [e.name for e in spec.entities] == expect["spec"]["entities"]


def test_a_huge_answer_is_handled_without_error() -> None:
    many_unclosed = "".join(f'<file path="app/x{i}.py">\nX = {i}\n' for i in range(5_000))
    changes = apply_changes({}, many_unclosed, may_write=lambda p: True)
    assert len(changes.files) == 40
    assert sum("too many files" in r.reason for r in changes.rejected) == 5_000 - 40

    giant = '<file path="app/big.py">\n' + "X = 1\n" * 600_000 + "</file>"
    changes = apply_changes({}, giant, may_write=lambda p: True)
    assert changes.files == {} and "characters" in changes.rejected[0].reason

    noise = "<<<<<<< SEARCH\n<edit path='a'>\n=======\n<file path='b.py'>\n>>>>>>> REPLACE\n" * 5_000
    changes = apply_changes({"a": "x\n"}, noise, may_write=lambda p: True)
    _assert_invariants(changes, lambda p: True)
