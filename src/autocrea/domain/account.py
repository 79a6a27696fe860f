"""Account rules: e-mail addresses and passwords, checked before anything is stored."""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import cache
from importlib.resources import files

from autocrea.errors import InvalidInput

MIN_PASSWORD = 8
MAX_PASSWORD = 128
MAX_EMAIL = 254
MAX_NAME = 100
# Deliberately plain: one @, a dot in the domain, no spaces, control characters or angle brackets.
# Delivery proves the rest.
_EMAIL = re.compile(
    r"^[^\s\x00-\x1f\x7f@<>()\[\]\\,;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


@cache
def common_passwords() -> frozenset[str]:
    text = files("autocrea.domain").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def normalize_email(raw: str) -> str:
    """The address trimmed and lower-cased, or InvalidInput saying what is wrong."""
    email = unicodedata.normalize("NFC", raw).strip().lower()
    if not email:
        raise InvalidInput("Enter your e-mail address.", details={"field": "email", "reason": "empty"})
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise InvalidInput(
            "That is not a valid e-mail address (like ana@example.com).",
            details={"field": "email", "reason": "invalid"},
        )
    return email


def check_password(password: str, *, email: str = "") -> None:
    """Raise InvalidInput with the first rule the password breaks."""

    def refuse(reason: str, message: str) -> InvalidInput:
        return InvalidInput(message, details={"field": "password", "reason": reason})

    if len(password) < MIN_PASSWORD:
        raise refuse("too_short", f"The password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise refuse("too_long", f"The password can have at most {MAX_PASSWORD} characters.")
    if any(unicodedata.category(c) == "Cc" for c in password):
        raise refuse("control_characters", "The password cannot contain control characters.")
    lowered = password.lower()
    if (
        lowered in common_passwords()
        or len(set(lowered)) <= 2
        or _is_sequence(lowered)
        or _mostly_email(lowered, email.lower())
    ):
        raise refuse("common", "This password is too common or easy to guess. Choose another one.")


def _mostly_email(password: str, email: str) -> bool:
    """The address, or its part before the @, with fewer than 4 other characters around it."""
    local = email.split("@", 1)[0]
    rest = password.replace(email, "") if email else password
    if len(local) >= 4:
        rest = rest.replace(local, "")
    return rest != password and len(rest) < 4


def _is_sequence(text: str) -> bool:
    """Runs like 12345678 or abcdefgh (forwards or backwards)."""
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return len(steps) == 1 and steps <= {1, -1}


def clean_name(raw: str, *, field: str = "name", limit: int = MAX_NAME) -> str:
    name = unicodedata.normalize("NFC", raw).strip()
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput(f"The {field} cannot contain control characters.", details={"field": field})
    if len(name) > limit:
        raise InvalidInput(
            f"The {field} can have at most {limit} characters.", details={"field": field, "limit": limit}
        )
    return name
