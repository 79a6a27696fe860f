"""A change to an existing project, offline: request -> amended spec -> re-render -> three-way merge.

    HEAD's autocrea.json = the spec the project was built from
    request (blueprint/request.py) -> amendments -> the new spec (blueprint/amendment.py)
    base = render(old spec), theirs = render(new spec), ours = HEAD  -> merged tree (storage/merge.py)

The user's own edits survive wherever git can merge them; where it cannot, the change is refused
with the conflicting files listed and nothing is applied. Planning is pure apart from reading the
repository; verifying and committing the plan is the caller's.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from autocrea.blueprint.amendment import Amendment, amend, describe
from autocrea.blueprint.render import render_project
from autocrea.blueprint.request import read_request
from autocrea.domain.appspec import AppSpec
from autocrea.errors import Conflict, GitError, InvalidInput
from autocrea.storage.git import ProjectRepo
from autocrea.storage.merge import three_way

SPEC_FILE = "autocrea.json"


# In the app's language, like the engine's other answers to a request (blueprint/request.py).
_CONFLICT = {
    "en": "This change touches lines you edited by hand, so nothing was applied: {files}. Undo or adjust "
    "those edits, or make the change in the editor. Nothing was charged.",
    "es": "Este cambio toca líneas que editaste a mano, así que no se ha aplicado nada: {files}. Deshaz o "
    "ajusta esas ediciones, o haz el cambio en el editor. No se ha cobrado nada.",
}


class ChangeConflict(Conflict):
    """The change touches lines the user edited by hand; nothing was applied."""

    code = "change_conflict"


@dataclass(frozen=True)
class FileDelta:
    path: str
    status: str  # added | modified | deleted
    added: int
    removed: int


@dataclass(frozen=True)
class ChangePlan:
    before: AppSpec
    after: AppSpec
    amendments: tuple[Amendment, ...]
    described: tuple[str, ...]  # each change in the app's language
    files: dict[str, bytes]  # the whole tree to commit
    deltas: tuple[FileDelta, ...]  # what differs from HEAD

    @property
    def message(self) -> str:
        return "Change: " + "; ".join(self.described)[:400]


def spec_at_head(repo: ProjectRepo) -> AppSpec:
    try:
        return AppSpec.model_validate_json(repo.read("HEAD", SPEC_FILE))
    except (GitError, ValidationError, ValueError) as exc:
        raise InvalidInput(
            f"this project has no valid {SPEC_FILE} at its last commit, so it cannot be changed offline",
            details={"reason": "no_spec"},
        ) from exc


def _encoded(files: Mapping[str, str]) -> dict[str, bytes]:
    return {path: text.encode() for path, text in files.items()}


def deltas(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> tuple[FileDelta, ...]:
    out: list[FileDelta] = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        a = old.decode("utf-8", "replace").splitlines() if old is not None else []
        b = new.decode("utf-8", "replace").splitlines() if new is not None else []
        diff = list(difflib.unified_diff(a, b, lineterm="", n=0))
        added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
        removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
        status = "added" if old is None else "deleted" if new is None else "modified"
        out.append(FileDelta(path, status, added, removed))
    return tuple(out)


def plan_change(repo: ProjectRepo, request: str) -> ChangePlan:
    """What the request changes, merged with the project's current state. Raises ChangeNotUnderstood
    (nothing to do), ChangeConflict (hand edits in the way) or InvalidInput (no spec to start from)."""
    before = spec_at_head(repo)
    amendments = tuple(read_request(request, before))
    after = amend(before, amendments)
    base = _encoded({**render_project(before), SPEC_FILE: before.to_json()})
    theirs = _encoded({**render_project(after), SPEC_FILE: after.to_json()})
    ours = repo.tree("HEAD")
    merged = three_way(base, ours, theirs)
    if not merged.clean:
        files = ", ".join(merged.conflicts[:10])
        raise ChangeConflict(
            _CONFLICT[before.language].format(files=files),
            details={"reason": "conflict", "files": list(merged.conflicts[:50])},
        )
    return ChangePlan(
        before=before,
        after=after,
        amendments=amendments,
        described=tuple(describe(before, a) for a in amendments),
        files=merged.files,
        deltas=deltas(ours, merged.files),
    )
