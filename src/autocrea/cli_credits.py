"""`autocrea credits reconcile | grant`: the ledger from the command line, for operators.

`reconcile` checks every account (balance = grants − spends − holds, holds matching their entries)
and exits 1 when any does not add up; `grant` adds credits to an account with a reason kept in the
ledger (`--key` makes a repeated command grant once).
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from typing import Any

from rich.console import Console
from sqlalchemy import func, select

from autocrea.billing import credits
from autocrea.billing.reconciliation import mismatches
from autocrea.config import Settings
from autocrea.errors import InvalidInput
from autocrea.storage.db import create_engine, session_factory
from autocrea.storage.tables import User

EXIT_OK, EXIT_MISMATCH = 0, 1


def add_parser(sub: Any) -> None:
    """The `credits` command and its subcommands, on the main parser's subparsers."""
    group = sub.add_parser("credits", help="check or change the credits ledger").add_subparsers(
        dest="credits_command", required=True
    )
    group.add_parser("reconcile", help="check that every account's ledger adds up (exit 1 if not)")
    grant = group.add_parser("grant", help="give credits to an account, with a reason kept in the ledger")
    grant.add_argument("email", help="the account's e-mail")
    grant.add_argument("amount", type=int, help="credits to add (a positive whole number)")
    grant.add_argument("--reason", required=True, help="why, e.g. 'support: run lost to an outage'")
    grant.add_argument("--key", help="idempotency key: the same key grants once (default: a new one)")


async def _reconcile(settings: Settings, console: Console) -> int:
    engine = create_engine(settings.database_url)
    try:
        found = await mismatches(session_factory(engine))
    finally:
        await engine.dispose()
    for mismatch in found:
        console.print(f"{mismatch.user_id}: {'; '.join(mismatch.problems)}", highlight=False)
    console.print(
        f"{len(found)} account(s) do not add up" if found else "every account adds up: 0 mismatches"
    )
    return EXIT_MISMATCH if found else EXIT_OK


async def _grant(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            email = str(args.email).strip().lower()
            user = await session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            raise InvalidInput(f"there is no account {args.email!r}")
        key = args.key or f"cli:{uuid.uuid4().hex}"
        await credits.grant(
            sessions, user_id=user.id, amount=args.amount, idempotency_key=key, reason=args.reason
        )
        balance = await credits.balance(sessions, user_id=user.id)
    finally:
        await engine.dispose()
    console.print(f"granted {args.amount} credits to {user.email}; available now {balance.available}")
    return EXIT_OK


def run(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    if args.credits_command == "reconcile":
        return asyncio.run(_reconcile(settings, console))
    return asyncio.run(_grant(args, settings, console))
