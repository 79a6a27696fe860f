"""How the fake model servers read prompts and cut replies into tokens.

Tokens are not a real tokenizer's: a token is up to 4 non-space characters together with the
whitespace before them, and trailing whitespace is a token of its own, so `"".join(tokenise(t)) == t`.
Prompt sizes are estimated as ceil(characters / 4) of all prompt text (system prompt included).
"""

from __future__ import annotations

import math
import re
from typing import Any

ROLE_MARKER = "AUTOCREA role:"

_TOKEN = re.compile(r"\s*\S{1,4}|\s+")
_ROLE = re.compile(r"AUTOCREA role:[ \t]*(\S+)")


def tokenise(text: str) -> list[str]:
    """The server's tokens of `text`; joined they give `text` back exactly."""
    return _TOKEN.findall(text)


def prompt_tokens(text: str) -> int:
    """The estimated token count of a prompt: ceil(characters / 4)."""
    return math.ceil(len(text) / 4)


def text_of(content: Any) -> str:
    """A message content's text: a string, or the `text` fields of a list of parts, one per line."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [part.get("text") for part in content if isinstance(part, dict)]
        return "\n".join(part for part in parts if isinstance(part, str))
    return ""


def role_in_system(system: str) -> str | None:
    """The role named on the first line of a system prompt (`AUTOCREA role: <name>`), if any."""
    first_line = system.strip().split("\n", 1)[0] if system.strip() else ""
    found = _ROLE.match(first_line.strip())
    return found.group(1) if found else None


def role_anywhere(text: str) -> str | None:
    """The first role marker anywhere in `text` (raw text-generation prompts have no system part)."""
    found = _ROLE.search(text)
    return found.group(1) if found else None
