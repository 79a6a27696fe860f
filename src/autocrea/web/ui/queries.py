"""Read-only questions the pages ask that the API does not: credits per project, model choices."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from autocrea.accounts.keys import list_keys
from autocrea.domain.credits import HoldStatus
from autocrea.providers.catalog import load_catalog
from autocrea.storage.runs import Sessions
from autocrea.storage.tables import CreditHold, Run
from autocrea.web.services import Services


@dataclass(frozen=True)
class Used:
    spent: int
    held: int


async def credits_by_project(sessions: Sessions, *, user_id: str) -> dict[str, Used]:
    """Credits each project's runs spent (settled holds) and still hold (open holds)."""
    async with sessions() as session:
        rows = await session.execute(
            select(Run.project_id, CreditHold.status, func.sum(CreditHold.amount))
            .join(CreditHold, CreditHold.id == Run.hold_id)
            .where(Run.user_id == user_id)
            .group_by(Run.project_id, CreditHold.status)
        )
        out: dict[str, Used] = {}
        for project_id, status, amount in rows:
            used = out.get(project_id, Used(0, 0))
            if status == HoldStatus.SETTLED.value:
                used = Used(used.spent + int(amount), used.held)
            elif status == HoldStatus.OPEN.value:
                used = Used(used.spent, used.held + int(amount))
            out[project_id] = used
    return out


@dataclass(frozen=True)
class ModelOption:
    value: str  # what POST /api/projects takes as `model`
    label: str  # i18n key
    available: bool
    hint: str  # i18n key: why it is (not) available
    cost: int  # credits held for a run with it (a model run the Blueprint builds pays the offline price)


async def model_options(svc: Services, *, user_id: str) -> list[ModelOption]:
    """Blueprint always; a model provider when the server or the user has a key for it."""
    saved = {k.provider for k in await list_keys(svc.sessions, user_id=user_id)}
    creds = svc.models.credentials
    catalog = load_catalog()
    joxcoder = bool(creds.joxcoder_api_url) or "huggingface" in saved
    openai = creds.openai_api_key is not None or bool(creds.openai_base_url) or "openai" in saved
    anthropic = creds.anthropic_api_key is not None or "anthropic" in saved

    cost = svc.settings.generation_cost

    def option(value: str, label: str, available: bool) -> ModelOption:
        return ModelOption(value, label, available, "model.ready" if available else "model.needs_key", cost)

    return [
        ModelOption("blueprint", "model.blueprint", True, "model.blueprint_hint", svc.settings.offline_cost),
        option("joxcoder", "model.joxcoder", joxcoder),
        option(f"openai:{catalog.default_model('openai')}", "model.openai", openai),
        option(f"anthropic:{catalog.default_model('anthropic')}", "model.anthropic", anthropic),
    ]
