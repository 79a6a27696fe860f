"""README's commands stay runnable, where that is cheap to know without running them: every `make`
target exists, every `autocrea` command line names a real subcommand with real options, shell blocks
parse, and every link points at a file of this repository (the docs it links to as well)."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from autocrea.cli import main
from autocrea.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
# The first word of a block that is a shell session, as opposed to a transcript or a diagram.
SHELL_WORDS = {
    ".venv/bin/autocrea",
    "autocrea",
    "git",
    "export",
    "curl",
    "make",
    "docker",
    "cd",
    "touch",
    "echo",
}
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")


def _help(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as ended:
        main([*argv, "--help"])
    assert ended.value.code == 0
    return out.getvalue()


def _subcommands() -> set[str]:
    listed = re.search(r"\{([a-z,-]+)\}", _help())
    assert listed is not None
    return set(listed.group(1).split(","))


def _blocks(text: str) -> list[str]:
    return [m.group(1) for m in FENCE.finditer(text)]


def _shell_blocks(text: str) -> list[str]:
    shell = []
    for block in _blocks(text):
        words = [w for w in block.split() if not ASSIGNMENT.match(w)]
        if words and words[0] in SHELL_WORDS:
            shell.append(block)
    return shell


def _autocrea_lines() -> list[list[str]]:
    """Every `autocrea ...` command of README's shell blocks (a `$ ` transcript line too), as argv."""
    lines = []
    for block in _blocks(README):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            words = shlex.split(line.removeprefix("$ "), comments=True)
            while words and ASSIGNMENT.match(words[0]):
                words = words[1:]
            if words and words[0] in ("autocrea", ".venv/bin/autocrea"):
                lines.append(words[1:])
    return lines


def test_every_make_target_named_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    named = set()
    for path in DOCS:  # as code: `make run` in prose, or a shell line
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"`make ([a-z][\w-]*)", text))
        named |= {m for block in _shell_blocks(text) for m in re.findall(r"^make ([a-z][\w-]*)", block, re.M)}
    assert named and named <= targets, f"not in the Makefile: {sorted(named - targets)}"


def test_every_autocrea_subcommand_named_exists() -> None:
    named = set(re.findall(r"(?:^|[\s`(/])autocrea ([a-z][a-z-]*)", README, re.M))
    subcommands = _subcommands()
    assert {"serve", "generate", "worker", "db"} <= named
    assert named <= subcommands, f"not autocrea subcommands: {sorted(named - subcommands)}"


def test_every_autocrea_command_line_uses_real_options() -> None:
    lines = _autocrea_lines()
    assert len(lines) >= 6  # the quick start and the scale-out commands at least
    for argv in lines:
        command = argv[:2] if argv[0] == "db" else argv[:1]
        text = _help(*command)
        for option in (w.split("=")[0] for w in argv if w.startswith("-")):
            assert re.search(rf"(^|[\s,\[]){re.escape(option)}\b", text), (
                f"autocrea {' '.join(argv)}: {option}"
            )


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_shell_blocks_parse_and_set_no_placeholder(path: Path) -> None:
    for block in _shell_blocks(path.read_text(encoding="utf-8")):
        checked = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, check=False)
        assert checked.returncode == 0, f"{path.name}:\n{block}\n{checked.stderr}"
        # `NAME=<placeholder>` is a redirection from a file named like the placeholder: it fails as written.
        assert not re.search(r"=<[^>'\"]*>", block), f"{path.name}: an unquoted placeholder value:\n{block}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_links_point_at_files_of_this_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text and "DESIGN.md" not in text  # the design notes are not in the repository
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        local = (path.parent / target.split("#")[0]).resolve()
        assert local.is_relative_to(ROOT), f"{path.name} links outside the repository: {target}"
        assert local.exists(), f"{path.name} links to a missing file: {target}"


def test_readme_links_the_guides() -> None:
    for guide in ("docs/deployment.md", "docs/troubleshooting.md", "CONTRIBUTING.md"):
        assert f"]({guide})" in README


def test_every_setting_the_guides_and_containers_name_is_a_real_one() -> None:
    prefix = Settings.model_config.get("env_prefix", "")
    real = {f"{prefix}{name}".upper() for name in Settings.model_fields}
    real |= {"AUTOCREA_REQUIRE_SERVICES", "AUTOCREA_GIT_TOKEN"}  # the test suite's; `autocrea push`'s
    files = [*DOCS[1:], ROOT / "Dockerfile", ROOT / "docker-compose.yml"]
    for path in files:
        named = set(re.findall(r"\bAUTOCREA_[A-Z][A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8")))
        assert named <= real, f"{path.name} names settings that do not exist: {sorted(named - real)}"
