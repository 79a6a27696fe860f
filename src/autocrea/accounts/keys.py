"""Users' own model keys (OpenAI, Anthropic, Hugging Face): encrypted at rest with Fernet, shown masked.

The Fernet key is derived from the server's secret, so a database dump alone reveals no key. A key is
decrypted only to build that user's model for that user's run.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from autocrea.accounts.endpoint import require_public
from autocrea.errors import InvalidInput, NotFound
from autocrea.storage.tables import ProviderKey, new_id, utcnow

Sessions = async_sessionmaker[AsyncSession]
PROVIDERS = ("openai", "anthropic", "huggingface")
MAX_KEY = 500


def fernet_for(secret: bytes) -> Fernet:
    derived = hashlib.sha256(b"autocrea provider keys v1\0" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def mask(key: str) -> str:
    return f"…{key[-4:]}" if len(key) >= 12 else "…"


@dataclass(frozen=True)
class KeyInfo:
    provider: str
    hint: str
    base_url: str | None
    updated_at: datetime


def _check(provider: str, key: str, base_url: str | None) -> tuple[str, str | None]:
    if provider not in PROVIDERS:
        raise InvalidInput(
            f"Unknown provider {provider!r}; use one of: {', '.join(PROVIDERS)}.",
            details={"field": "provider"},
        )
    key = key.strip()
    if not key:
        raise InvalidInput("The key is empty.", details={"field": "key"})
    if len(key) > MAX_KEY or not key.isprintable() or any(c.isspace() for c in key):
        raise InvalidInput(
            f"That does not look like an API key (no spaces, at most {MAX_KEY} characters).",
            details={"field": "key"},
        )
    url = (base_url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or len(url) > 500
            or not url.isprintable()
        ):
            raise InvalidInput("The base URL must be an http(s) address.", details={"field": "base_url"})
    return key, url


async def save_key(
    sessions: Sessions,
    *,
    fernet: Fernet,
    user_id: str,
    provider: str,
    key: str,
    base_url: str | None = None,
    allow_private: bool = False,
) -> KeyInfo:
    key, url = _check(provider, key, base_url)
    if url is not None and not allow_private:
        await require_public(url)
    now = utcnow()
    values = {
        "id": new_id(),
        "user_id": user_id,
        "provider": provider,
        "key_ciphertext": fernet.encrypt(key.encode()).decode(),
        "key_hint": mask(key),
        "base_url": url,
        "created_at": now,
        "updated_at": now,
    }
    async with sessions() as session, session.begin():
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = insert(ProviderKey).values(**values)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["user_id", "provider"],
                set_={k: stmt.excluded[k] for k in ("key_ciphertext", "key_hint", "base_url", "updated_at")},
            )
        )
    return KeyInfo(provider, str(values["key_hint"]), url, now)


async def list_keys(sessions: Sessions, *, user_id: str) -> list[KeyInfo]:
    async with sessions() as session:
        rows = await session.scalars(
            select(ProviderKey).where(ProviderKey.user_id == user_id).order_by(ProviderKey.provider)
        )
        return [KeyInfo(r.provider, r.key_hint, r.base_url, r.updated_at) for r in rows]


async def delete_key(sessions: Sessions, *, user_id: str, provider: str) -> None:
    async with sessions() as session, session.begin():
        done = await session.execute(
            delete(ProviderKey).where(ProviderKey.user_id == user_id, ProviderKey.provider == provider)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound(f"No {provider} key is saved.")


async def read_keys(sessions: Sessions, *, fernet: Fernet, user_id: str) -> dict[str, tuple[str, str | None]]:
    """provider -> (plain key, base URL), for building this user's model. Unreadable keys are skipped."""
    async with sessions() as session:
        rows = list(await session.scalars(select(ProviderKey).where(ProviderKey.user_id == user_id)))
    out: dict[str, tuple[str, str | None]] = {}
    for row in rows:
        try:
            out[row.provider] = (fernet.decrypt(row.key_ciphertext.encode()).decode(), row.base_url)
        except InvalidToken:  # encrypted under an older server secret: the user must enter it again
            continue
    return out
