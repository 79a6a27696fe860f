"""Which role owns which file: one table, used to check writes and to route a failure for repair."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

# Order matters: the first matching role owns a path (app/pages.py is the frontend's, not backend's).
OWNS: dict[str, tuple[str, ...]] = {
    "architect": ("autocrea.json",),
    "frontend": ("app/pages.py", "app/templates/*", "app/static/*"),
    "backend": ("app/*.py", "app/routers/*.py", "requirements.txt"),
    "devops": (
        "Dockerfile",
        "docker-compose.yml",
        ".github/workflows/*.yml",
        ".env.example",
        ".gitignore",
        ".dockerignore",
        "README.md",
        "pytest.ini",
        "pyproject.toml",
    ),
    "tester": ("tests/*.py",),
    "security": ("SECURITY.md",),
}

_PATH = re.compile(r"[\w.\-/]+\.(?:py|html|js|css|txt|toml|yml|ini|md|json)\b")


def owner_of(path: str) -> str | None:
    return next(
        (role for role, patterns in OWNS.items() if any(fnmatch.fnmatchcase(path, p) for p in patterns)), None
    )


def mentioned_paths(text: str, known: Iterable[str]) -> list[str]:
    """Project files named in a failure output (pytest prints `app/models.py:12: ...`), in order."""
    known_set = set(known)
    seen: list[str] = []
    for match in _PATH.finditer(text):
        candidate = match.group(0).lstrip("./")
        for path in known_set:
            if (candidate == path or candidate.endswith("/" + path)) and path not in seen:
                seen.append(path)
    return seen
