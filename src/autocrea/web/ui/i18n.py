"""The UI's words in Spanish (default) and English: one table (strings.yml), one lookup.

Every key must exist in both languages; a missing key is a bug caught at import and by the tests,
never an empty label on a page. Keys under `js.`, `step.` and `status.` also go to the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Literal, cast

import yaml
from starlette.requests import Request

Lang = Literal["es", "en"]
LANGS: tuple[Lang, ...] = ("es", "en")
DEFAULT_LANG: Lang = "es"
LANG_COOKIE = "autocrea_lang"
STRINGS_FILE = Path(__file__).with_name("strings.yml")
Translate = Callable[..., str]


def parse_strings(data: object) -> dict[Lang, dict[str, str]]:
    """`key: [spanish, english]` rows → one dictionary per language; ValueError names a bad row."""
    if not isinstance(data, dict):
        raise ValueError("strings.yml must be a mapping of key: [es, en]")
    table: dict[Lang, dict[str, str]] = {lang: {} for lang in LANGS}
    for key, row in data.items():
        if (
            not isinstance(row, list)
            or len(row) != len(LANGS)
            or not all(isinstance(s, str) and s for s in row)
        ):
            raise ValueError(f"strings.yml: {key!r} needs one non-empty text per language {LANGS}")
        for lang, text in zip(LANGS, row, strict=True):
            table[lang][str(key)] = text
    return table


@cache
def strings() -> dict[Lang, dict[str, str]]:
    return parse_strings(yaml.safe_load(STRINGS_FILE.read_text(encoding="utf-8")))


def as_lang(value: str | None) -> Lang | None:
    return cast(Lang, value) if value in LANGS else None


def pick_language(request: Request) -> Lang:
    """`?lang=` first (the switch links), then the cookie it leaves, then Spanish."""
    return (
        as_lang(request.query_params.get("lang")) or as_lang(request.cookies.get(LANG_COOKIE)) or DEFAULT_LANG
    )


def translator(lang: Lang) -> Translate:
    table = strings()[lang]

    def t(key: str, **values: object) -> str:
        # `key.one` is the singular, used when n == 1 ("1 archivo", not "1 archivos").
        if values.get("n") == 1 and f"{key}.one" in table:
            key = f"{key}.one"
        text = table[key]  # KeyError on a typo: the page fails loudly in tests, not silently in prod
        return text.format(**values) if values else text

    return t


def browser_strings(lang: Lang) -> Mapping[str, str]:
    """What scripts may say: `js.*` without its prefix, plus the step and status names."""
    out = {}
    for key, text in strings()[lang].items():
        if key.startswith("js."):
            out[key[3:]] = text
        elif key.startswith(("step.", "status.")):
            out[key] = text
    return out
