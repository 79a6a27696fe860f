"""A change run's model step: the request, a map of the project and the files retrieval picks; edits back.

    tree    = the project at HEAD
    index   = RetrievalIndex(index_dir(repo)), brought up to the tree (only new or changed files are
              embedded again: a project's second change costs milliseconds, its first a few seconds)
    shown   = the best-ranked files for the request, at most TOP_FILES within FULL_TEXT_CHARS
    prompt  = the request (as data) + the spec summary + repomap.render(map, MAP_CHARS) + `shown` in full
    answer  -> builder_model.extend_with_model -> edits.apply_changes (safe paths, exact matches,
               Python that compiles); anything refused is logged with its reason and never written

Sending every file instead would cost ~4x the prompt (bench/README.md, "retrieval.py"), and most of
it would be files the request is not about. The model may write the files it was shown in full and
new files; never an existing file it was not shown (it cannot have quoted its text) nor
`autocrea.json` (the spec the offline engine reads and merges against: a model's change is, for the
offline engine, like a hand edit of the code). The prompt, the answer's formats and the rules for
an unusable answer are the builders' (builder_model.py), so a change run treats a model exactly as
a generation does; only "NO CHANGES" is unusable here too, since the request asked for a change.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from dataclasses import dataclass

from autocrea.pipeline.builder_model import extend_with_model
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.repomap import build, decode, render
from autocrea.pipeline.retrieval import SPEC_FILE, RetrievalIndex, Update, index_dir
from autocrea.pipeline.roles.base import RoleSettings

ROLE = "change"
TOP_FILES = 5
MAP_CHARS = 6_000  # the map of every file: ~1.5k tokens
FULL_TEXT_CHARS = 48_000  # the files shown in full: ~12k tokens at most (median ~6k, bench/README.md)
TASK = (
    "Make the change the request asks for, with the smallest edits that do it. Keep every endpoint, "
    "page and test working; when the change alters what the app does, update or add its tests."
)


@dataclass(frozen=True)
class Briefing:
    """What the model is shown of the project."""

    shown: dict[str, str]  # the files shown in full (best first), which it may edit
    context: str  # the map and the full texts, as they go in the prompt


def brief(tree: Mapping[str, bytes], request: str, index: RetrievalIndex) -> tuple[Briefing, Update]:
    """Update the index to `tree`, rank its files for `request`, and write the prompt's context."""
    update = index.update(tree)
    ranked = [r.path for r in index.search(tree, request)]
    shown: dict[str, str] = {}
    used = 0
    for path in ranked[: 2 * TOP_FILES]:  # further down, a file is more likely noise than help
        text = decode(tree[path])
        if text is None or used + len(text) > FULL_TEXT_CHARS:
            continue  # binary, or too big to fit with the better-ranked ones: the map still lists it
        shown[path] = text
        used += len(text)
        if len(shown) == TOP_FILES:
            break
    files = "\n".join(f'<file path="{path}">\n{text}</file>' for path, text in shown.items())
    context = (
        f"Map of the project (every file and the names it defines):\n{render(build(tree), MAP_CHARS)}\n\n"
        f"The files this request is most likely about, in full (you may edit only these; anything "
        f"else goes in new files):\n{files}"
    )
    return Briefing(shown=shown, context=context), update


def may_write(path: str, *, tree: Mapping[str, bytes], shown: Mapping[str, str]) -> bool:
    return path != SPEC_FILE and (path in shown or path not in tree)


def why_not(path: str) -> str:
    if path == SPEC_FILE:
        return f"{SPEC_FILE} is the app's spec, which a model's change leaves alone; change the code instead"
    return f"not shown: {path} exists but was not shown in full, so this answer cannot change it"


async def ask_for_change(ctx: RunContext, *, settings: RoleSettings) -> dict[str, str]:
    """The files the model changed or added (their whole new text), each accepted by edits.py.

    Empty when the model was dropped (an unusable or late answer): the caller makes the change
    offline, or says why it cannot. A wrong configuration (rejected key, nothing at the address)
    and a drop with fallback off raise, which fails the run."""
    use = ctx.model_use
    assert use is not None  # only called for a run with a model
    tree = await asyncio.to_thread(ctx.repo.tree, "HEAD")
    index = RetrievalIndex(index_dir(ctx.repo))  # the project's own, kept between its changes
    with ctx.timed("retrieval"):
        briefing, update = await asyncio.to_thread(brief, tree, ctx.prompt, index)
    shown = list(briefing.shown)
    ctx.log(
        ROLE,
        f"retrieval: {len(update.embedded_files)} of {len(tree)} files indexed again in "
        f"{update.seconds:.1f} s; shown in full: {', '.join(shown)}",
        key="retrieval",
        params={"indexed": len(update.embedded_files), "files": shown, "seconds": f"{update.seconds:.1f}"},
    )
    changes = await extend_with_model(
        role=ROLE,
        owns=("*",),
        prompt=ctx.prompt,
        spec=ctx.require_spec(),
        files=briefing.shown,
        model=use,
        max_tokens=settings.max_output_tokens,
        temperature=settings.temperature,
        on_chunk=lambda c: ctx.events("step.token", ROLE, text=c.text, attempt=c.attempt),
        log=functools.partial(ctx.log, ROLE),
        task=TASK,
        context=briefing.context,
        may_write=functools.partial(may_write, tree=tree, shown=briefing.shown),
        why_not=why_not,
        change_required=True,
        instead="the offline engine makes the change if it can map the request",
    )
    # What the tester's repair rounds may touch, and what a failed change had changed.
    ctx.remember_blueprint(briefing.shown, {**briefing.shown, **changes.files})
    return changes.files
