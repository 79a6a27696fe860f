"""Briefing: what a role working on files is shown — the spec in a few lines and its own files.

Prompt tokens are most of what a model-driven run pays for, and a role usually answers with a small
change, so each role sees only what it needs: every file it owns as a one-line outline (the names it
defines, for imports and wiring), and the full text only of the files it is likely to edit, within a
budget. Likely means: files a failure names first (repair rounds), then the role's focus files (where
its changes usually go), then anything small; smallest first within each group. The model can edit
only what it was shown in full; everything else it extends with new files.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

from autocrea.domain.appspec import AppSpec
from autocrea.pipeline.ownership import mentioned_paths

FULL_TEXT_CHARS = 4_000  # full file text shown in a role's first step: about 1k tokens
REPAIR_TEXT_CHARS = 8_000  # a repair needs the exact text of the failing files
OUTLINE_NAMES = 12

# Where each role's changes usually go (fnmatch patterns), so those files are the ones shown whole.
FOCUS: dict[str, tuple[str, ...]] = {
    "backend": ("app/main.py", "app/routers/*.py"),
    "frontend": ("app/pages.py", "app/templates/*.html", "app/static/styles.css"),
    "devops": ("README.md", ".github/workflows/*.yml", "Dockerfile"),
    "tester": ("tests/conftest.py", "tests/test_*.py"),
}

_PY_NAME = re.compile(
    r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)|^([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)", re.M
)
_JS_NAME = re.compile(
    r"^\s{0,4}(?:async\s+)?function\s+([A-Za-z_$][\w$]*)|^(?:const|let|var)\s+([A-Za-z_$][\w$]*)", re.M
)
_HTML_ID = re.compile(r'\bid="([^"]{1,40})"')
_CSS_SELECTOR = re.compile(r"^([^\s@{}][^{}\n]{0,60}?)\s*\{", re.M)
_MD_HEADING = re.compile(r"^#{1,3}\s+(.{1,60})$", re.M)


def spec_summary(spec: AppSpec) -> str:
    """The spec in a few lines: what every role needs, without the full JSON."""
    lines = [f"App: {spec.name} ({spec.language}) - {spec.summary}"]
    for entity in spec.entities:
        fields = ", ".join(f"{f.name}:{f.type}{'*' if f.required else ''}" for f in entity.fields)
        rels = ", ".join(f"{r.field}->{r.target}" for r in entity.relations)
        lines.append(f"- {entity.name} /api/{entity.table}: {fields}" + (f"; {rels}" if rels else ""))
    lines.append(
        f"Pages: {', '.join(p.path for p in spec.pages)}; features: {', '.join(spec.features) or 'none'}"
    )
    lines += [f"Integration ({i.kind}): {i.requested} -> {i.provided}" for i in spec.integrations]
    return "\n".join(lines)


def outline(path: str, text: str) -> str:
    """One line about a file: its size and the names it defines (functions, classes, ids, headings)."""
    if path.endswith(".py"):
        names = [a or b for a, b in _PY_NAME.findall(text)]
    elif path.endswith(".js"):
        names = [a or b for a, b in _JS_NAME.findall(text)]
    elif path.endswith(".html"):
        names = ["#" + i for i in _HTML_ID.findall(text)]
    elif path.endswith(".css"):
        names = [s.strip() for s in _CSS_SELECTOR.findall(text)]
    elif path.endswith(".md"):
        names = _MD_HEADING.findall(text)
    else:
        names = []
    unique = list(dict.fromkeys(n for n in names if n and n != "__all__"))
    shown = ", ".join(unique[:OUTLINE_NAMES]) + (", ..." if len(unique) > OUTLINE_NAMES else "")
    return f"- {path} ({text.count(chr(10))} lines)" + (f": {shown}" if shown else "")


def _shown(files: Mapping[str, str], *, role: str, task: str) -> list[str]:
    """The files shown in full, in the order they were chosen."""
    named = mentioned_paths(task, files)
    focus = FOCUS.get(role, ())
    budget = REPAIR_TEXT_CHARS if named else FULL_TEXT_CHARS

    def group(path: str) -> int:
        if path in named:
            return 0
        return 1 if any(fnmatch.fnmatchcase(path, p) for p in focus) else 2

    chosen: list[str] = []
    used = 0
    for path in sorted(files, key=lambda p: (group(p), len(files[p]), p)):
        if used + len(files[path]) <= budget:
            chosen.append(path)
            used += len(files[path])
    return chosen


def role_context(files: Mapping[str, str], *, role: str, task: str = "") -> str:
    """The role's files: an outline of each, then the full text of those it is likely to edit."""
    shown = _shown(files, role=role, task=task)
    listing = "\n".join(
        f"- {path} (shown below)" if path in shown else outline(path, files[path]) for path in sorted(files)
    )
    texts = "\n".join(f'<file path="{path}">\n{files[path]}</file>' for path in sorted(shown))
    return f"Your files:\n{listing}\n\nFull text of the files you may edit:\n{texts}"
