"""Everything the web app shares, built once from settings at start and closed at stop."""

from __future__ import annotations

import asyncio
import contextlib
import secrets as pysecrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from limits import RateLimitItem
from sqlalchemy.ext.asyncio import AsyncEngine

from autocrea.accounts.clerk import ClerkVerifier
from autocrea.accounts.keys import fernet_for
from autocrea.accounts.passwords import Passwords
from autocrea.blueprint.architect import design
from autocrea.config import Settings
from autocrea.jobs.bus import EventBus, MemoryBus
from autocrea.jobs.executor import WorkerEnv
from autocrea.jobs.models import ModelSetup, model_factory
from autocrea.jobs.preview import Previews
from autocrea.jobs.reaper import Reaper
from autocrea.jobs.worker import Worker, lease_for
from autocrea.providers.select import credentials_from, fallbacks_from, policy_for
from autocrea.sandbox.choice import Chosen, choose
from autocrea.sandbox.protocol import MiB
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.db import create_engine, session_factory
from autocrea.storage.runs import Sessions
from autocrea.storage.tables import Run
from autocrea.web.payments import Payments, payments_from
from autocrea.web.preview_pass import PreviewPasses
from autocrea.web.principals import Principal, RecentPrincipals
from autocrea.web.probe import RunProbe
from autocrea.web.ratelimit import Limiter, parse_limit


@dataclass(frozen=True)
class Rates:
    api: RateLimitItem
    generate: RateLimitItem
    login_account: RateLimitItem
    login_ip: RateLimitItem


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: Sessions
    bus: EventBus
    limiter: Limiter
    rates: Rates
    fernet: Fernet
    models: ModelSetup
    jobs: WorkerEnv
    previews: Previews
    worker: Worker | None
    reaper: Reaper | None
    clerk: ClerkVerifier | None
    warmup: asyncio.Task[object]
    principals: RecentPrincipals[Principal]
    probe: RunProbe
    passwords: Passwords
    sandbox: Chosen
    passes: PreviewPasses
    payments: Payments | None = None  # None: payments are off (no Stripe keys)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.warmup
        if self.worker is not None:
            await self.worker.stop()
        if self.reaper is not None:
            await self.reaper.stop()
        await self.previews.stop_all()
        if self.clerk is not None:
            await self.clerk.aclose()
        if self.payments is not None:
            await self.payments.aclose()
        await self.bus.aclose()
        await self.engine.dispose()


def rates_from(settings: Settings) -> Rates:
    login = parse_limit(settings.rate_limit_login, setting="AUTOCREA_RATE_LIMIT_LOGIN")
    per_ip = type(login)(login.amount * 5, login.multiples, namespace=login.namespace)
    return Rates(
        api=parse_limit(settings.rate_limit_api, setting="AUTOCREA_RATE_LIMIT_API"),
        generate=parse_limit(settings.rate_limit_generate, setting="AUTOCREA_RATE_LIMIT_GENERATE"),
        login_account=login,
        login_ip=per_ip,
    )


def sandbox_from(settings: Settings) -> Chosen:
    """The sandbox for generated code (bubblewrap unless the process runner is asked for)."""
    return choose(
        settings.sandbox,
        slots=settings.sandbox_slots,
        uid_base=settings.sandbox_uid_base,
        cgroup_dir=settings.sandbox_cgroup,
    )


def model_setup(settings: Settings) -> ModelSetup:
    return ModelSetup(
        credentials=credentials_from(settings),
        fallbacks=fallbacks_from(settings),
        policy=policy_for(
            timeout_seconds=settings.model_timeout_seconds,
            max_retries=settings.model_max_retries,
            answer_seconds=settings.model_answer_seconds,
        ),
        timeout_seconds=settings.model_timeout_seconds,
        allow_private_urls=settings.allow_private_model_urls,
    )


def clerk_from(settings: Settings) -> ClerkVerifier | None:
    if not (settings.clerk_jwks_url or settings.clerk_pem_public_key):
        return None
    return ClerkVerifier(
        jwks_url=settings.clerk_jwks_url,
        pem_public_key=settings.clerk_pem_public_key,
        issuer=settings.clerk_issuer,
        authorized_parties=settings.list_of(settings.clerk_authorized_parties),
    )


async def build_services(settings: Settings, *, run_worker: bool) -> Services:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    bus: EventBus
    if settings.redis_url:
        from autocrea.jobs.redis_bus import RedisBus  # redis is imported only when configured

        bus = await RedisBus.connect(settings.redis_url)
    else:
        bus = MemoryBus()
    fernet = fernet_for(settings.secret())
    setup = model_setup(settings)
    chosen = sandbox_from(settings)
    sandbox = chosen.sandbox
    runtimes = RuntimeCache(root=settings.runtimes_path.resolve(), python=settings.sandbox_python)
    projects_root: Path = settings.projects_path.resolve()
    previews = Previews(
        sessions=sessions,
        projects_root=projects_root,
        sandbox=sandbox,
        runtimes=runtimes,
        data_root=settings.preview_data_path.resolve(),
        data_bytes=settings.preview_data_mb * MiB,
    )

    async def after_change(run: Run) -> None:
        await previews.refresh(project_id=run.project_id, user_id=run.user_id)

    env = WorkerEnv(
        sessions=sessions,
        bus=bus,
        projects_root=projects_root,
        sandbox=sandbox,
        runtimes=runtimes,
        model_for=model_factory(setup, sessions=sessions, fernet=fernet),
        worker_id=f"w-{pysecrets.token_hex(6)}",
        lease=lease_for(settings.run_lease_seconds),
        offline_cost=settings.offline_cost,
        answer_seconds=settings.model_answer_seconds,
        after_change=after_change,
    )
    # Load the offline architect's lexicon now (~1.5 s), not in the first user's request.
    warm = asyncio.create_task(asyncio.to_thread(design, "a todo app"))
    worker = Worker(env, concurrency=settings.worker_concurrency) if run_worker else None
    # Runs whose worker died are closed by whichever process looks first: a web process without a
    # worker of its own reaps too, so the last worker's death never leaves credits held.
    reaper = Reaper(env) if worker is None else None
    if worker is not None:
        worker.start()
    if reaper is not None:
        reaper.start()
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        bus=bus,
        limiter=Limiter.create(settings.redis_url),
        rates=rates_from(settings),
        fernet=fernet,
        models=setup,
        jobs=env,
        previews=previews,
        worker=worker,
        reaper=reaper,
        clerk=clerk_from(settings),
        warmup=warm,
        principals=RecentPrincipals(user_of=lambda principal: principal.user.id),
        probe=RunProbe(sessions, max_age=settings.sse_heartbeat_seconds / 2),
        passwords=Passwords(
            memory_kib=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost
        ),
        sandbox=chosen,
        passes=PreviewPasses.from_secret(settings.secret()),
        payments=await payments_from(settings),
    )
