"""Whether a project's evidence is for the version it is at; verify runs in the database.

The Evidence tab shows what the newest finished run proved about the project: its generation, a
verified change, or a verify run (passing or failing). That evidence is for one version: the run's
`commit`. Once HEAD's files differ from that version's (a save, a new, renamed or deleted file, a
restore), the evidence is *stale*: it is named as an older version's, and a verify run (kind
"verify") proves HEAD again. Trees are compared, not commits, so an undo or restore that brings
back exactly the files that were verified is still verified without a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.exc import IntegrityError

from autocrea.domain.run import ACTIVE, RunStatus
from autocrea.errors import Conflict, GitError
from autocrea.storage.changes import BUSY, CHANGE
from autocrea.storage.git import ProjectRepo
from autocrea.storage.runs import Sessions
from autocrea.storage.tables import Run, new_id, utcnow

VERIFY = "verify"
GENERATION = "generation"
# The authors of a generation's commits: before runs recorded their commit, a generation's version
# was the last of the commits these roles made before anyone else committed.
_GENERATION_ROLES = frozenset({"architect", "backend", "frontend", "devops", "tester", "security"})
_ACTIVE = frozenset(s.value for s in ACTIVE)

State = Literal["verified", "failing", "stale", "verifying", "unverified"]


@dataclass(frozen=True)
class Verification:
    """`state`: verified / failing (the evidence is for HEAD's files and says so), stale (it is for
    `commit`, an older version), verifying (a verify run is in progress), unverified (no evidence)."""

    state: State
    head: str | None
    commit: str | None  # the version the shown evidence is for
    run: Run | None  # the run whose evidence is shown
    active: Run | None  # a run in progress, of any kind


def evidence_run(runs: Sequence[Run]) -> Run | None:
    """The run whose evidence describes the project (runs newest first): the newest finished verify,
    verified change or generation. A change that failed or was cancelled left the project as it
    was, and a cancelled verify proved nothing, so neither counts."""
    for run in runs:
        if run.status in _ACTIVE:
            continue
        if run.kind == GENERATION:
            return run
        if run.kind == CHANGE and run.status == RunStatus.SUCCEEDED.value:
            return run
        if run.kind == VERIFY and run.status in (RunStatus.SUCCEEDED.value, RunStatus.FAILED.value):
            return run
    return None


def evidence_commit(repo: ProjectRepo, run: Run) -> str | None:
    """The version `run`'s evidence is for: its recorded commit; for a generation recorded before
    runs kept one, the last commit its roles made."""
    if run.commit:
        return run.commit
    if run.kind != GENERATION:
        return None
    last = None
    for commit in reversed(repo.history(limit=500)):
        local, _, domain = commit.author.email.partition("@")
        if domain != "autocrea.local" or local not in _GENERATION_ROLES:
            break
        last = commit.sha
    return last


def _same_files(repo: ProjectRepo, a: str, b: str) -> bool:
    try:
        return repo.tree_id(a) == repo.tree_id(b)
    except GitError:  # a version that is not in the repository any more
        return False


def state_of(repo: ProjectRepo | None, runs: Sequence[Run]) -> Verification:
    """The project's verification (runs newest first; `repo` None when it has no files yet)."""
    active = next((r for r in runs if r.status in _ACTIVE), None)
    run = evidence_run(runs)
    head = repo.head() if repo is not None else None
    commit = evidence_commit(repo, run) if repo is not None and run is not None else None
    state: State
    if active is not None and active.kind == VERIFY:
        state = "verifying"
    elif run is None or head is None:
        state = "unverified"
    elif commit is None or not _same_files(repo, commit, head):  # type: ignore[arg-type]
        state = "stale" if commit is not None else "unverified"
    else:
        state = "verified" if run.status == RunStatus.SUCCEEDED.value else "failing"
    return Verification(state=state, head=head, commit=commit, run=run, active=active)


async def create_verify_run(sessions: Sessions, *, user_id: str, project_id: str, head: str) -> Run:
    """Queue a verify run of `head`; Conflict when the project already has a run queued or running
    (the partial unique index decides between two requests racing past the API's check)."""
    run = Run(
        id=new_id(),
        project_id=project_id,
        user_id=user_id,
        status=RunStatus.QUEUED.value,
        model="blueprint",  # no model: the checks run in the sandbox
        prompt="",
        hold_id=None,  # free: nothing is held or charged
        fallback=True,
        summary={},
        created_at=utcnow(),
        cancel_requested=False,
        kind=VERIFY,
        base_commit=head,
    )
    try:
        async with sessions() as session, session.begin():
            session.add(run)
    except IntegrityError as exc:
        raise Conflict(BUSY, details={"project_id": project_id}) from exc
    return run
