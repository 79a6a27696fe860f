"""The shape every role has."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Protocol

from autocrea.pipeline.context import RunContext


@dataclass(frozen=True)
class Summary:
    """How a step ended, in one line (logs, CLI, API) and as facts a UI words in its own language."""

    text: str
    facts: dict[str, int | str | list[str]] = field(default_factory=dict)


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

    async def run(self, ctx: RunContext) -> Summary:
        """Do the role's work, commit once, say how it ended."""
        ...


def load_prompt(role: str) -> str:
    """The role's system prompt (used when a model drives the role)."""
    return resources.files("autocrea.pipeline.prompts").joinpath(f"{role}.md").read_text(encoding="utf-8")
