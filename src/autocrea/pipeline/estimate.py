"""What a generation with a model will cost, before it starts: tokens and money per role.

The prompts are the ones the run would send: the architect's request from the description, and for
each builder the Blueprint files the offline architect designs for it (what the model is shown and
asked to improve). Answers are unknown in advance, so they are bounded by each role's token limit;
the money is therefore "up to", for one answer per role (a re-asked spec or a repair round costs
more, and is shown afterwards on the run page). Counts are ≈4 characters a token, as for servers
that report no usage.
"""

from __future__ import annotations

from dataclasses import dataclass

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_backend, render_devops, render_frontend, render_tests
from autocrea.domain.appspec import AppSpec
from autocrea.errors import PromptRejected
from autocrea.pipeline.architect_model import architect_messages
from autocrea.pipeline.briefing import role_context
from autocrea.pipeline.builder_model import KEEP_WORKING, role_messages
from autocrea.pipeline.change_model import FULL_TEXT_CHARS, MAP_CHARS, TASK
from autocrea.pipeline.change_model import ROLE as CHANGE_ROLE
from autocrea.pipeline.revision import Change
from autocrea.pipeline.roles.architect import Architect
from autocrea.pipeline.roles.builders import Backend, Devops, Frontend
from autocrea.pipeline.roles.tester import Tester
from autocrea.providers.catalog import Catalog, ProviderName
from autocrea.providers.protocol import ChatMessage, estimate_tokens

# The roles that ask the model once each in a generation, with what they render first.
_BUILDERS = (
    (Backend.name, Backend.settings.max_output_tokens, render_backend),
    (Frontend.name, Frontend.settings.max_output_tokens, render_frontend),
    (Devops.name, Devops.settings.max_output_tokens, render_devops),
    (Tester.name, Tester.settings.max_output_tokens, render_tests),
)


@dataclass(frozen=True)
class CallEstimate:
    role: str
    prompt_tokens: int
    max_completion_tokens: int


@dataclass(frozen=True)
class Estimate:
    provider: ProviderName
    model: str
    calls: tuple[CallEstimate, ...]
    cost_usd_max: float  # the prompts plus every answer at its limit
    # False: the description could not be designed offline, so only the architect's call is counted
    # (the other roles' prompts depend on the model's design).
    complete: bool

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def max_completion_tokens(self) -> int:
        return sum(c.max_completion_tokens for c in self.calls)


def _tokens(messages: list[ChatMessage]) -> int:
    return sum(estimate_tokens(m.content) for m in messages)


def _priced(
    calls: list[CallEstimate], *, provider: ProviderName, model: str, catalog: Catalog, complete: bool
) -> Estimate:
    cost = sum(
        catalog.cost(
            provider=provider,
            model=model,
            prompt_tokens=c.prompt_tokens,
            completion_tokens=c.max_completion_tokens,
        )
        for c in calls
    )
    return Estimate(provider=provider, model=model, calls=tuple(calls), cost_usd_max=cost, complete=complete)


def estimate_generation(prompt: str, *, provider: ProviderName, model: str, catalog: Catalog) -> Estimate:
    """Tokens and money for a generation of `prompt` by `model`, before it runs (pure, ~0.2 s)."""
    caps = catalog.lookup(provider=provider, model=model)
    calls = [
        CallEstimate(
            Architect.name,
            _tokens(architect_messages(prompt, caps.spec_format)),
            min(Architect.settings.max_output_tokens, caps.max_output_tokens),
        )
    ]
    complete = True
    try:
        spec = design(prompt).spec
    except PromptRejected:
        complete = False
    else:
        for role, limit, render in _BUILDERS:
            context = role_context(render(spec), role=role, task=KEEP_WORKING)
            messages = role_messages(
                role=role,
                prompt=prompt,
                spec=spec,
                context=context,
                edit_format=caps.edit_format,
                task=KEEP_WORKING,
            )
            calls.append(CallEstimate(role, _tokens(messages), min(limit, caps.max_output_tokens)))
    return _priced(calls, provider=provider, model=model, catalog=catalog, complete=complete)


def estimate_change(
    request: str, spec: AppSpec, *, provider: ProviderName, model: str, catalog: Catalog
) -> Estimate:
    """A change by `model`: the request, the spec, and the project's map and files at their limits
    (which files retrieval picks is known only when the run asks), so the prompt is an upper bound
    too; a repair round after a failing change costs more."""
    caps = catalog.lookup(provider=provider, model=model)
    # The briefing's two parts at their size limits, with the words around them.
    context = "x" * (MAP_CHARS + FULL_TEXT_CHARS + 400)
    messages = role_messages(
        role=CHANGE_ROLE, prompt=request, spec=spec, context=context, edit_format=caps.edit_format, task=TASK
    )
    limit = min(Change.settings.max_output_tokens, caps.max_output_tokens)
    calls = [CallEstimate(CHANGE_ROLE, _tokens(messages), limit)]
    return _priced(calls, provider=provider, model=model, catalog=catalog, complete=True)
