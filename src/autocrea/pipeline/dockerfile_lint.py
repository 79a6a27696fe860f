"""Dockerfile lint rules (pure): what the devops role reports on a generated Dockerfile, and what
AUTOCREA's own Dockerfile is held to.

Parsing is dockerfile-parse's (containerbuildsystem's library: instructions, continuation lines,
comments, the escape directive, ARG substitution); the rules are a small subset of hadolint's, each
under hadolint's code, plus a few of ours (AC...) for what an app image needs and hadolint leaves
alone. The levels are ours (hadolint calls DL3002, DL3006, DL3007 and DL3014 warnings). Errors are
files that will not build or start as meant, that may build differently tomorrow, or that run the app
as root:

- AC000 every instruction is a Dockerfile instruction (a typo fails the build)
- DL3061 the first instruction (after ARGs) is FROM;  AC001 there is a FROM at all
- DL3006 / DL3007 every base image has a tag, and not `latest` (a rebuild must get the same base)
- DL3004 no `sudo` (a build runs as root already; in the image it is a privilege escalation path)
- DL3020 COPY, not ADD, for local files (ADD also fetches URLs and unpacks archives)
- DL3000 WORKDIR is absolute
- DL3014 `apt-get install` answers yes (`-y`): a build has no terminal, the prompt aborts it
- DL3002 / AC002 the final stage switches to a user that is not root
- AC003 the final stage has a CMD or ENTRYPOINT (else the base image's, e.g. a Python shell, runs)
- AC004 a CMD or ENTRYPOINT written as a JSON array is valid JSON (else Docker runs the text in a shell)
- AC005 EXPOSE, and a `--port` in the command, name the port the app listens on

Warnings are practices: DL3025 CMD in exec form (a shell as PID 1 swallows SIGTERM), DL4003 one CMD,
DL3015 `--no-install-recommends`, DL3009 apt lists removed in the same layer, DL3027 `apt-get` not
`apt`, DL3042 pip without its cache, DL4000 no MAINTAINER, AC006 an EXPOSE at all, AC007 a
HEALTHCHECK, AC008 a base image whose tag comes from a build argument with no default (unchecked).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dockerfile_parse import DockerfileParser
from dockerfile_parse.parser import image_from
from dockerfile_parse.util import WordSplitter

from autocrea.pipeline.lint import Level, Lint

_KNOWN = frozenset(
    {
        *("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL"),
        *("MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"),
    }
)
_ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.IGNORECASE)
_SEPARATOR = re.compile(r"&&|\|\||[;|(){}`\n]|\b(?:then|do|else)\b")
_APT_VERBS = frozenset({"install", "update", "upgrade", "remove", "purge", "autoremove", "dist-upgrade"})
_APT_INSTALL = re.compile(r"\bapt-get\s+(?:-\S+\s+)*install\b")
_YES = re.compile(r"(^|\s)(-[a-z]*y[a-z]*|--yes|--assume-yes|-qq)(\s|$)")
_VARIABLE = re.compile(r"\$\{?([A-Za-z_]\w*)")
_PIP_INSTALL = re.compile(r"\bpip3?\s+install\b")
_ROOT = frozenset({"root", "0"})
_Add = Callable[[int, str, Level, str], None]  # how a rule reports: line, code, level, message


@dataclass(frozen=True)
class _Step:
    name: str  # upper case
    line: int  # 1-based
    value: str


def lint_dockerfile(text: str, *, path: str = "Dockerfile", port: int | None = None) -> list[Lint]:
    """Every rule's findings on `text`, in line order. `port`: where the app listens, if known."""
    found: list[Lint] = []

    def add(line: int, code: str, level: Level, message: str) -> None:
        found.append(Lint(path=path, line=line, code=code, level=level, message=message))

    steps = _steps(text)
    for step in steps:
        if step.name not in _KNOWN:
            add(step.line, "AC000", "error", f"unknown instruction {step.name}")
    first = next((s for s in steps if s.name != "ARG"), None)
    if first is None or not any(s.name == "FROM" for s in steps):
        add(0, "AC001", "error", "no FROM: a Dockerfile starts from a base image")
        return found
    if first.name != "FROM":
        add(first.line, "DL3061", "error", f"{first.name} before FROM: only ARG may come first")

    top_args = _top_args(steps)
    stages: set[str] = set()
    for step in steps:
        if step.name == "FROM":
            _check_from(step, top_args, stages, add)
        elif step.name == "RUN":
            _check_run(step, add)
        elif step.name == "ADD":
            _check_add(step, add)
        elif step.name == "WORKDIR" and not step.value.strip().startswith(("/", "$")):
            add(step.line, "DL3000", "error", f"WORKDIR {step.value.strip()} is not absolute")
        elif step.name == "MAINTAINER":
            add(step.line, "DL4000", "warning", "MAINTAINER is deprecated: use LABEL maintainer=...")
    _check_pip_cache(steps, add)
    _check_final_stage(_final_stage(steps), port, add)
    return sorted(found, key=lambda lint: lint.line)


def _steps(text: str) -> list[_Step]:
    parser = DockerfileParser(fileobj=io.StringIO(text), env_replace=False)
    return [
        _Step(str(item["instruction"]), int(item["startline"]) + 1, str(item["value"] or ""))
        for item in sorted(parser.structure, key=lambda item: int(item["startline"]))
        if item["instruction"] != "COMMENT"
    ]


def _top_args(steps: Sequence[_Step]) -> dict[str, str]:
    """Defaults of the ARGs before the first FROM: the only ones a FROM line may use."""
    args: dict[str, str] = {}
    for step in steps:
        if step.name == "FROM":
            break
        if step.name == "ARG":
            name, _, default = step.value.strip().partition("=")
            args[name.strip()] = default.strip().strip("\"'")
    return args


def _check_from(step: _Step, args: dict[str, str], stages: set[str], add: _Add) -> None:
    image, alias = image_from(step.value)
    if image is None:
        add(step.line, "AC001", "error", "FROM names no image")
        return
    if alias:
        stages.add(alias.lower())
    if image.lower() == "scratch" or image.lower() in stages - {(alias or "").lower()}:
        return  # an empty base, or an earlier stage of this file
    if any(not args.get(name) for name in _VARIABLE.findall(image)):
        add(step.line, "AC008", "warning", f"FROM {image}: the tag depends on a build argument")
        return
    resolved = str(WordSplitter(image, args=args).dequote())
    if "@" in resolved:
        return  # pinned by digest
    name = resolved.rsplit("/", 1)[-1]
    tag = name.partition(":")[2]
    if not tag:
        add(step.line, "DL3006", "error", f"FROM {resolved} has no tag: pin a version, e.g. {name}:1.2")
    elif tag == "latest":
        add(step.line, "DL3007", "error", f"FROM {resolved}: `latest` changes under you, pin a version")


def _check_run(step: _Step, add: _Add) -> None:
    command = _exec_text(step.value)
    commands = _commands(command)
    if any(words[0] == "sudo" for words in commands):
        add(step.line, "DL3004", "error", "sudo in RUN: builds run as root already; drop it")
    if any(words[0] == "apt" and len(words) > 1 and words[1] in _APT_VERBS for words in commands):
        add(step.line, "DL3027", "warning", "use apt-get, not apt: apt's interface is not stable for scripts")
    if _APT_INSTALL.search(command):
        for part in re.split(r"&&|;|\|\|", command):
            if not _APT_INSTALL.search(part):
                continue
            if not _YES.search(part):
                add(
                    step.line, "DL3014", "error", "apt-get install without -y: the build has no one to answer"
                )
            if "--no-install-recommends" not in part:
                add(step.line, "DL3015", "warning", "apt-get install without --no-install-recommends")
        if "/var/lib/apt/lists" not in command:
            add(
                step.line,
                "DL3009",
                "warning",
                "apt lists left in the layer: end the RUN with rm -rf /var/lib/apt/lists/*",
            )


def _commands(script: str) -> list[list[str]]:
    """The simple commands of a shell line, each as its words, environment assignments left out."""
    found = []
    for part in _SEPARATOR.split(script):
        words = [w for w in part.split() if not re.fullmatch(r"[A-Za-z_]\w*=\S*", w)]
        if words:
            found.append(words)
    return found


def _check_add(step: _Step, add: _Add) -> None:
    words = _arguments(step.value)
    sources = words[:-1]
    local = [s for s in sources if "://" not in s and not _ARCHIVE.search(s)]
    if local:
        add(step.line, "DL3020", "error", f"ADD {' '.join(local)}: use COPY for local files and folders")


def _check_pip_cache(steps: Sequence[_Step], add: _Add) -> None:
    cached = True
    for step in steps:
        if step.name == "FROM":
            cached = True
        elif step.name in ("ENV", "ARG") and "PIP_NO_CACHE_DIR" in step.value:
            cached = False
        elif step.name == "RUN" and cached:
            command = _exec_text(step.value)
            if _PIP_INSTALL.search(command) and "--no-cache-dir" not in command:
                add(
                    step.line, "DL3042", "warning", "pip install keeps its cache in the image: --no-cache-dir"
                )


def _final_stage(steps: Sequence[_Step]) -> list[_Step]:
    last = max(i for i, s in enumerate(steps) if s.name == "FROM")
    return list(steps[last:])


def _check_final_stage(stage: Sequence[_Step], port: int | None, add: _Add) -> None:
    users = [s for s in stage if s.name == "USER"]
    if not users:
        add(stage[0].line, "AC002", "error", "no USER in the final stage: the app runs as root")
    elif users[-1].value.strip().split(":")[0] in _ROOT:
        add(users[-1].line, "DL3002", "error", "the last USER is root: switch to an unprivileged user")

    commands = [s for s in stage if s.name in ("CMD", "ENTRYPOINT")]
    if not commands:
        add(stage[0].line, "AC003", "error", "no CMD or ENTRYPOINT: the container would run the base's")
    for step in commands:
        value = step.value.strip()
        if value.startswith("["):
            if _json_words(value) is None:
                add(step.line, "AC004", "error", f"{step.name} {value} is not a JSON array of strings")
        else:
            add(
                step.line,
                "DL3025",
                "warning",
                f"{step.name} in shell form: signals reach the shell, not the app",
            )
    cmds = [s for s in stage if s.name == "CMD"]
    if len(cmds) > 1:
        add(cmds[-1].line, "DL4003", "warning", "several CMD: only the last one counts")

    exposed = [s for s in stage if s.name == "EXPOSE"]
    ports = {word.split("/")[0] for s in exposed for word in s.value.split()}
    if not exposed:
        add(stage[0].line, "AC006", "warning", "no EXPOSE: say which port the app listens on")
    elif port is not None and str(port) not in ports:
        add(
            exposed[-1].line, "AC005", "error", f"EXPOSE {' '.join(sorted(ports))}: the app listens on {port}"
        )
    for step in commands:
        listens = _port_option(_arguments(step.value))
        if port is not None and listens is not None and listens != str(port):
            add(step.line, "AC005", "error", f"{step.name} starts the app on port {listens}, not {port}")

    checks = [s for s in stage if s.name == "HEALTHCHECK"]
    if not checks or checks[-1].value.strip().upper() == "NONE":
        add(stage[0].line, "AC007", "warning", "no HEALTHCHECK: nothing tells a dead app from a live one")


def _json_words(value: str) -> list[str] | None:
    try:
        words = json.loads(value)
    except ValueError:
        return None
    if isinstance(words, list) and words and all(isinstance(w, str) for w in words):
        return words
    return None


def _arguments(value: str) -> list[str]:
    """The words of an instruction's value, exec form or shell form, flags (--chown=...) left out."""
    words = _json_words(value.strip()) if value.strip().startswith("[") else None
    if words is None:
        words = [str(w) for w in WordSplitter(value).split()]
    return [w for w in words if not w.startswith("--") or "=" not in w or w.startswith("--port=")]


def _exec_text(value: str) -> str:
    words = _json_words(value.strip()) if value.strip().startswith("[") else None
    return " ".join(words) if words is not None else value


def _port_option(words: Sequence[str]) -> str | None:
    for i, word in enumerate(words):
        if word == "--port" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--port="):
            return word.partition("=")[2]
    return None
