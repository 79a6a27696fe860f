"""Chat: the values app/chat.py, the chat page and its script are rendered with."""

from __future__ import annotations

import re
from typing import Any

from autocrea.blueprint import i18n
from autocrea.blueprint.context import Context
from autocrea.blueprint.markup import page_path

# A community chat's rooms: (slug, i18n key of its title).
ROOMS = (("general", "chat_room_general"), ("help", "chat_room_help"), ("random", "chat_room_random"))
# Records an automatic support reply may point at: what a help article, an FAQ or a solution is.
_HELP = re.compile(r"faq|article|help|guide|solution|tutorial|question|pregunta|ayuda|articulo|solucion|guia")


def chat_values(ctx: Context) -> dict[str, Any]:
    """`chat` ("community", "support" or None), `support`, the rooms and the help records."""
    spec = ctx.spec
    language = spec.language
    rooms = []
    for slug, key in ROOMS:
        title = i18n.text(language, key)
        rooms.append(
            {"slug": slug, "title": title, "welcome": i18n.text(language, "chat_welcome", room=title)}
        )
    help_records = []
    for entity in ctx.entities:
        path = page_path(ctx, entity.name)
        if path is not None and _HELP.search(entity.table):
            help_records.append({"model": entity.name, "field": entity.display.name, "path": path})
    return {
        "chat": spec.chat,
        "support": spec.chat == "support",
        "chat_rooms": rooms if spec.chat == "community" else [],
        "chat_help": help_records[:3],
    }
