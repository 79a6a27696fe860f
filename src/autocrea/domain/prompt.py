"""Validation of the user's prompt before anything is spent or written."""

from __future__ import annotations

import unicodedata

from autocrea.errors import PromptRejected, PromptTooLong

MAX_PROMPT_CHARS = 20_000


def clean_prompt(raw: str | bytes) -> str:
    """Return the prompt normalised (NFC, trimmed) or raise PromptRejected with a clear reason."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PromptRejected(
                "The description is not valid UTF-8 text. Describe the app in plain words.",
                details={"reason": "binary"},
            ) from exc
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        raise PromptRejected(
            "The description is empty. Describe the app you want, e.g. 'a library with books and loans'.",
            details={"reason": "empty"},
        )
    if len(text) > MAX_PROMPT_CHARS:
        raise PromptTooLong(
            f"The description has {len(text):,} characters; the limit is {MAX_PROMPT_CHARS:,}. Shorten it.",
            details={"reason": "too_long", "length": len(text), "limit": MAX_PROMPT_CHARS},
        )
    control = sum(
        1 for c in text if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\n\r\t"
    )
    if "\x00" in text or control > max(2, len(text) // 50):
        raise PromptRejected(
            "The description looks like binary data, not text. Describe the app in plain words.",
            details={"reason": "binary"},
        )
    return text
