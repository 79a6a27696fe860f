"""A project's deployment files checked (pure): its compose file, CI workflows and Dockerfile.

- Compose: the YAML parses (CF001) into a mapping (CF002) that validates against a subset of the
  Compose Specification's schema (CF003; `compose-schema.json` beside this file, written for
  AUTOCREA, not the official file: every key the specification names, types checked for the common
  ones); then what a schema cannot say: `depends_on` names services that exist (CF004), named
  volumes are declared (CF005). Warnings: a credential written in clear (CF006), no service built
  here publishes the app's port (CF007).
- GitHub Actions workflows, all errors: the YAML parses (WF001) and has the structure GitHub needs
  to run it: `on` (WF002), `jobs` (WF003), each job `runs-on` (WF004) and `steps` (WF005) or a
  reusable workflow's `uses`, each step one of `uses` or `run` (WF006), `uses` pinned to a ref (WF007).
- The Dockerfile: `dockerfile_lint`.

Every finding is a `Lint`: path, line, code, error or warning (see lint.py for what they mean).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft7Validator, ValidationError

from autocrea.pipeline.dockerfile_lint import lint_dockerfile
from autocrea.pipeline.lint import Level, Lint

COMPOSE_FILES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
WORKFLOW_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml")
# Environment names whose value is a credential: in a compose file they come from the environment
# (`${NAME}`) or a secrets file, never a literal a repository keeps.
_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$", re.I)
_URL_PASSWORD = re.compile(r"://[^/\s:@]+:([^@/\s]+)@")
_Add = Callable[[int, str, Level, str], None]


def check_manifests(files: Mapping[str, str], *, port: int | None) -> list[Lint]:
    """Findings on every deployment file among `files` (path -> text); `port`: where the app listens."""
    found: list[Lint] = []
    for path in sorted(files):
        text = files[path]
        if path == "Dockerfile":
            found += lint_dockerfile(text, path=path, port=port)
        elif path in COMPOSE_FILES:
            found += check_compose(text, path=path, port=port)
        elif any(fnmatch.fnmatchcase(path, pattern) for pattern in WORKFLOW_FILES):
            found += check_workflow(text, path=path)
    return found


@functools.cache
def compose_schema() -> dict[str, Any]:
    text = resources.files("autocrea.pipeline").joinpath("compose-schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    Draft7Validator.check_schema(schema)
    return schema


def check_compose(text: str, *, path: str = "docker-compose.yml", port: int | None = None) -> list[Lint]:
    found: list[Lint] = []

    def add(line: int, code: str, level: Level, message: str) -> None:
        found.append(Lint(path=path, line=line, code=code, level=level, message=message))

    parsed = _parse(text, add, code="CF001")
    if parsed is None:
        return found
    data, root = parsed
    if not isinstance(data, dict):
        add(1, "CF002", "error", "a compose file is a mapping with `services`")
        return found
    errors = sorted(Draft7Validator(compose_schema()).iter_errors(data), key=lambda e: list(e.path))
    for error in errors:
        where, message = _schema_problem(error)
        add(_line_of(root, where), "CF003", "error", f"{_dotted(where) or '(top level)'}: {message}")
    if errors:
        return found  # what follows assumes the shapes the schema checks
    services: dict[str, Any] = data.get("services") or {}
    declared = set((data.get("volumes") or {}).keys())
    for name, service in services.items():
        _check_service(name, service or {}, set(services), declared, root, add)
    built = {name: service for name, service in services.items() if service and "build" in service}
    if port is not None and built and not any(_serves(service, port) for service in built.values()):
        first = next(iter(built))
        add(
            _line_of(root, ("services", first)),
            "CF007",
            "warning",
            f"no service built here publishes port {port}",
        )
    return sorted(found, key=lambda lint: lint.line)


def _check_service(
    name: str,
    service: Mapping[str, Any],
    services: set[str],
    volumes: set[str],
    root: yaml.Node | None,
    add: _Add,
) -> None:
    here = ("services", name)
    needs = service.get("depends_on") or []
    for index, other in enumerate(needs):
        if other not in services:
            where = (*here, "depends_on", other if isinstance(needs, dict) else index)
            add(_line_of(root, where), "CF004", "error", f"{name} depends on {other}, not defined")
    for index, mount in enumerate(service.get("volumes") or []):
        source = _volume_source(mount)
        if source is not None and source not in volumes:
            add(
                _line_of(root, (*here, "volumes", index)),
                "CF005",
                "error",
                f"{name} mounts volume {source}, not declared under top-level `volumes`",
            )
    environment = service.get("environment") or {}
    pairs = (
        environment.items()
        if isinstance(environment, dict)
        else (item.partition("=")[::2] for item in environment)
    )
    for key, value in pairs:
        if value is None or "${" in str(value) or str(value).startswith("$"):
            continue
        text = str(value)
        if (_SECRET_NAME.search(str(key)) and text) or _URL_PASSWORD.search(text):
            add(
                _line_of(root, (*here, "environment")),
                "CF006",
                "warning",
                f"{name}: {key} holds a credential written in the file; take it from the environment",
            )


def check_workflow(text: str, *, path: str) -> list[Lint]:
    found: list[Lint] = []

    def add(line: int, code: str, level: Level, message: str) -> None:
        found.append(Lint(path=path, line=line, code=code, level=level, message=message))

    parsed = _parse(text, add, code="WF001")
    if parsed is None:
        return found
    data, root = parsed
    if not isinstance(data, dict):
        add(1, "WF002", "error", "a workflow is a mapping with `on` and `jobs`")
        return found
    # YAML 1.1 reads a bare `on` key as true; GitHub reads it as "on".
    if "on" not in data and True not in data:
        add(1, "WF002", "error", "no `on`: nothing would trigger the workflow")
    jobs = data.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        add(_line_of(root, ("jobs",)), "WF003", "error", "no `jobs`: a workflow needs at least one job")
        return sorted(found, key=lambda lint: lint.line)
    for name, job in jobs.items():
        _check_job(str(name), job, root, add)
    return sorted(found, key=lambda lint: lint.line)


def _check_job(name: str, job: Any, root: yaml.Node | None, add: _Add) -> None:
    here = ("jobs", name)
    line = _line_of(root, here)
    if not isinstance(job, dict):
        add(line, "WF004", "error", f"job {name} is not a mapping")
        return
    if "uses" in job:  # a reusable workflow's job: no runner or steps of its own
        return
    if "runs-on" not in job:
        add(line, "WF004", "error", f"job {name} has no `runs-on`")
    steps = job.get("steps")
    if not isinstance(steps, list) or not steps:
        add(line, "WF005", "error", f"job {name} has no `steps`")
        return
    for index, step in enumerate(steps):
        where = _line_of(root, (*here, "steps", index))
        if not isinstance(step, dict) or ("uses" in step) == ("run" in step):
            add(
                where, "WF006", "error", f"job {name}, step {index + 1}: needs exactly one of `uses` or `run`"
            )
            continue
        action = str(step.get("uses", ""))
        if action and not action.startswith(("./", "docker://")) and "@" not in action:
            add(
                where,
                "WF007",
                "error",
                f"job {name}, step {index + 1}: {action} needs a ref, e.g. {action}@v4",
            )


def _parse(text: str, add: _Add, *, code: str) -> tuple[Any, yaml.Node | None] | None:
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        add(line, code, "error", f"not valid YAML: {getattr(exc, 'problem', None) or exc}")
        return None


def _line_of(root: yaml.Node | None, path: Sequence[Any]) -> int:
    """The 1-based line of the node at `path` (keys and list indexes), or of its nearest parent."""
    node = root
    line = node.start_mark.line + 1 if node is not None else 0
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            node, line = pair[1], pair[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _dotted(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_problem(error: ValidationError) -> tuple[tuple[Any, ...], str]:
    """Where a schema error points (an unknown key's own line) and what it says, in a few words."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        # Of the alternatives, the one that got furthest says what is wrong (an enum value, not "is
        # not a list").
        deepest = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
        if len(deepest.absolute_path) > len(error.absolute_path) or deepest.validator != "type":
            return _schema_problem(deepest)
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known, patterns = set(schema.get("properties", {})), list(schema.get("patternProperties", {}))
        extra = [
            str(k)
            for k in error.instance
            if k not in known and not any(re.search(p, str(k)) for p in patterns)
        ]
        if extra:
            return (*path, extra[0]), "unknown key" if len(extra) == 1 else f"unknown keys {', '.join(extra)}"
    if error.validator == "oneOf":
        return path, f"{json.dumps(error.instance, default=str)[:80]} is not a valid value here"
    return path, str(error.message)[:200]


def _volume_source(mount: Any) -> str | None:
    """The named volume a service mount uses, or None for a bind mount, tmpfs or anonymous volume."""
    if isinstance(mount, dict):
        source = mount.get("source")
        return str(source) if mount.get("type") == "volume" and source else None
    parts = str(mount).split(":")
    if len(parts) < 2 or parts[0].startswith((".", "/", "~", "$")):
        return None
    return parts[0]


def _serves(service: Mapping[str, Any], port: int) -> bool:
    """Whether a service publishes or exposes the container port `port`."""
    targets = {_port_target(p) for p in service.get("ports") or []}
    targets |= {str(p).split("/")[0] for p in service.get("expose") or []}
    return str(port) in targets


def _port_target(port: Any) -> str:
    """The container side of a `ports` entry: 8000, "8000:8000", "127.0.0.1:80:8000/tcp", a mapping."""
    if isinstance(port, dict):
        return str(port.get("target", ""))
    return str(port).split("/")[0].rsplit(":", 1)[-1]
