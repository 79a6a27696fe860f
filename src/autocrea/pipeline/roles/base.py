"""The shape every role has."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Protocol

from autocrea.pipeline.context import RunContext


@dataclass(frozen=True)
class RoleSettings:
    timeout_seconds: float = 60.0
    max_output_tokens: int = 4096  # for model-driven runs
    temperature: float = 0.2


class Role(Protocol):
    name: str
    title: str
    after: tuple[str, ...]  # steps that must succeed before this one starts
    # Steps this one waits for midway through its run (ctx.steps.wait), e.g. to verify their files.
    waits_for: tuple[str, ...]
    owns: tuple[str, ...]  # fnmatch patterns of the files this role may write
    settings: RoleSettings

    async def run(self, ctx: RunContext) -> str:
        """Do the role's work, commit once, return a one-line summary."""
        ...


def load_prompt(role: str) -> str:
    """The role's system prompt (used when a model drives the role)."""
    return resources.files("autocrea.pipeline.prompts").joinpath(f"{role}.md").read_text(encoding="utf-8")
