"""Markup: the HTML of each spec page and the JSON config its script reads.

The config carries labels, field types and UI strings, so `app.js` is the same file for every app.
It is embedded with Jinja's `tojson`, which escapes `<`, `>`, `&` and quotes for HTML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment

from autocrea.blueprint import arcade, i18n
from autocrea.blueprint.columns import Column
from autocrea.blueprint.context import Context, EntityView, PageView
from autocrea.domain.appspec import EntitySpec, Language

# UI strings the browser script needs (the rest are rendered into the HTML).
SCRIPT_STRINGS = (
    "yes", "no", "none", "edit", "delete", "confirm_delete", "created", "saved", "deleted",
    "page_of", "results", "loading", "no_results", "error_generic", "error_network", "form_new",
    "form_edit", "fix_errors", "buy", "chart_no_data", "contact_sent", "form_sent", "err_missing",
    "err_too_long", "err_choice", "err_integer", "err_number", "err_min", "err_boolean",
    "err_date", "err_datetime", "live", "live_paused", "auth_login", "auth_logout", "record_missing",
    "uploading", "uploaded", "vote", "votes", "points_short", "points_yours", "print",
    "invited_by", "invite_joined", "invite_pending", "invite_copied", "profile_title",
)  # fmt: skip
# How many fields of a linked record its referrer's page shows (beside the link to it).
LINKED_FIELDS = 6
# Points an account earns (app/points.py): for each record it adds, and for each vote one gets.
POINTS_PER_RECORD = 10
POINTS_PER_VOTE = 2
POINTS_PER_INVITE = 20  # for each invited person who joins
# What the cart on a shop's product page says.
CART_STRINGS = (
    "add_to_cart", "cart_remove", "cart_quantity", "cart_added", "cart_paying", "order_paid",
    "order_waiting", "order_unpaid",
)  # fmt: skip
# What the profile page says (apps with accounts).
PROFILE_STRINGS = (
    "profile_saved", "profile_signin_changed", "profile_admin", "profile_member", "profile_since",
    "profile_none", "profile_more",
)  # fmt: skip
# What the chat page's script says (app/static/chat.js).
CHAT_STRINGS = (
    "chat_empty", "chat_too_long", "chat_staff", "chat_automatic", "chat_you", "chat_conversations",
    "chat_none_open", "chat_close", "chat_closed_note", "chat_name_needed", "chat_login_to_post",
)  # fmt: skip
# Choice fields that say where a record is in its life ("Open" -> "Closed"): they change in place.
WORKFLOW_FIELDS = frozenset(
    {"status", "state", "stage", "phase", "estado", "etapa", "fase", "situacion", "progress", "progreso"}
)
_PICTURE_NAME = re.compile(r"image|imagen|photo|foto|picture|cover|portada|avatar|logo|thumbnail")
# Pages whose data refreshes by polling when the spec asks for real-time updates.
LIVE_PAGES = frozenset({"entity", "dashboard"})


def page_path(ctx: Context, entity_name: str) -> str | None:
    """The path of the page that lists `entity_name` (its records' pages are under it), if any."""
    return next(
        (p.path for p in ctx.pages if p.kind == "entity" and p.entity and p.entity.name == entity_name),
        None,
    )


def entity_config(ctx: Context, entity: EntityView) -> dict[str, Any]:
    """What the browser needs to list, show and edit rows of `entity`, and to link each to its page
    and to the records it points at and that point at it."""
    return {
        "api": f"/api/{entity.table}",
        "path": page_path(ctx, entity.name),
        "label_plural": entity.label_plural,
        "label": entity.label,
        # Records with a picture, and what a shop sells, are cards (a store front, a gallery).
        "layout": (
            "cards"
            if _sells(ctx, entity) or any(_picture(c.name, c.type) for c in entity.columns)
            else "table"
        ),
        "display": entity.display.name,
        "columns": [
            {
                "name": c.name,
                "label": c.label,
                "type": c.type,
                "required": c.required,
                "listed": c.type != "text",
                "picture": _picture(c.name, c.type),
                "choices": list(c.choices),
                # Changed in one click where a record is shown: a flag, or a status-like choice.
                "quick": c.type == "boolean" or (c.type == "enum" and c.name in WORKFLOW_FIELDS),
            }
            for c in entity.columns
        ],
        "links": [
            {
                "field": link.field,
                "label": link.label,
                "required": link.required,
                "api": f"/api/{link.target.table}",
                "display": link.target.display_field,
                "path": page_path(ctx, link.target.name),
                # Shown under the link on a record's page: a voucher shows its booking's details.
                "columns": [
                    {"name": f.name, "label": f.label, "type": f.type}
                    for f in link.target.fields
                    if f.name != link.target.display_field and f.type != "text"
                ][:LINKED_FIELDS],
            }
            for link in entity.links
        ],
        # Records of other entities that point at this one (a book's loans), for its read page.
        "related": [
            {
                "label": usage.entity.label_plural,
                "label_one": usage.entity.label,
                "api": f"/api/{usage.entity.table}",
                "field": usage.field,
                "display": usage.entity.display_field,
                # What one says, beside its title (a comment's text beside its author's name).
                "snippet": _snippet(usage.entity),
                "path": page_path(ctx, usage.entity.name),
            }
            for usage in entity.used_by
        ],
        # Votes (app/votes.py): the records' counts come with them as vote_count.
        "votes": f"/api/votes/{entity.table}" if any(v.name == entity.name for v in ctx.spec.voted) else None,
        "checkout": (
            # A priced product goes in a cart paid through Stripe Checkout (app/routers/checkout.py).
            {
                "api": "/api/checkout",
                "field": f"{entity.snake}_id",
                "quote": "/api/checkout/quote",
                "cart": True,
            }
            if _sells(ctx, entity)
            else None
        ),
    }


def _snippet(entity: EntitySpec) -> str | None:
    texts = [f.name for f in entity.fields if f.type == "text" and f.name != entity.display_field]
    return texts[0] if texts else None


def _picture(name: str, kind: str) -> bool:
    return kind == "url" and bool(_PICTURE_NAME.search(name))


def _sells(ctx: Context, entity: EntityView) -> bool:
    checkout = ctx.checkout
    return checkout is not None and checkout.product is not None and checkout.product.name == entity.name


def _config(ctx: Context, kind: str) -> dict[str, Any]:
    """What every page's config has: its kind, the language, the script's strings, the switches."""
    language = ctx.spec.language
    return {
        "kind": kind,
        "language": language,
        "strings": {key: i18n.STRINGS[language][key] for key in SCRIPT_STRINGS},
        "live": ctx.spec.has("realtime") and kind in LIVE_PAGES,
        "auth": ctx.spec.has("auth"),
        "points": ctx.spec.points,
        "invites": ctx.spec.invites,
    }


def page_config(ctx: Context, page: PageView) -> dict[str, Any]:
    config = _config(ctx, page.kind)
    # A list, a public form and a home page that shows one need their entity's config; an activity
    # page has its own (arcade.extend).
    if page.entity is not None and page.kind in ("entity", "form", "home"):
        config["entity"] = entity_config(ctx, page.entity)
        if _sells(ctx, page.entity):
            language = ctx.spec.language
            config["strings"].update({key: i18n.STRINGS[language][key] for key in CART_STRINGS})
    if page.kind == "contact" and ctx.contact is not None:
        config["entity"] = entity_config(ctx, ctx.contact)
    arcade.extend(ctx, page, config)  # games, their progress
    if page.kind == "chat":
        language = ctx.spec.language
        config["chat"] = "support" if ctx.spec.chat == "support" else "community"
        config["strings"].update({key: i18n.STRINGS[language][key] for key in CHAT_STRINGS})
    return config


def login_config(ctx: Context) -> dict[str, Any]:
    """The login page's config: it has no entity, only what every page has."""
    return _config(ctx, "login")


# The avatars an account may choose, in the order of i18n's "avatar_names" (app/routers/auth.py's
# Avatar and app/static/app.js's AVATARS list the same keys).
AVATARS = ("fox", "owl", "cat", "panda", "koala", "lion", "frog", "bear", "mouse", "bunny", "pig", "penguin")


def avatar_choices(language: Language) -> tuple[tuple[str, str], ...]:
    """(key, name in the app's language) of each avatar the profile page offers."""
    names = i18n.STRINGS[language]["avatar_names"].split(",")
    return tuple(zip(AVATARS, names, strict=True))


def points_rules(ctx: Context) -> str:
    """How an account earns points, in the app's language."""
    language = ctx.spec.language
    votes = i18n.text(language, "points_rules_votes", per_vote=POINTS_PER_VOTE) if ctx.spec.voted else ""
    invites = (
        i18n.text(language, "points_rules_invites", per_invite=POINTS_PER_INVITE) if ctx.spec.invites else ""
    )
    return i18n.text(language, "points_rules", per_record=POINTS_PER_RECORD, votes=votes, invites=invites)


def invite_rules(ctx: Context) -> str:
    """What an invitation does, in the app's language (and what it earns, with points)."""
    language = ctx.spec.language
    rules = i18n.text(language, "invite_rules")
    if ctx.spec.points:
        rules += " " + i18n.text(language, "invite_points", per_invite=POINTS_PER_INVITE)
    return rules


def invite_config(ctx: Context) -> dict[str, Any]:
    return _config(ctx, "invite")


def leaderboard_config(ctx: Context) -> dict[str, Any]:
    return _config(ctx, "leaderboard")


def profile_config(ctx: Context) -> dict[str, Any]:
    """The profile page's config: the strings of its forms and of the records it lists."""
    config = _config(ctx, "profile")
    language = ctx.spec.language
    config["strings"].update({key: i18n.STRINGS[language][key] for key in PROFILE_STRINGS})
    return config


# At most this many choices make a row of links to browse a list by ("Sonnet · Haiku · Free verse").
BROWSE_CHOICES = 8


def browse_column(entity: EntityView) -> Column | None:
    """The choice field a list is browsed by (a poem's form, a book's genre): the first enum that is
    not where a record is in its life (a status changes; a category is what the record is)."""
    return next(
        (
            c
            for c in entity.column_filters
            if c.type == "enum" and c.name not in WORKFLOW_FIELDS and 2 <= len(c.choices) <= BROWSE_CHOICES
        ),
        None,
    )


def render_page(env: Environment, ctx: Context, page: PageView, values: Mapping[str, Any]) -> str:
    template = env.get_template(f"app/templates/{page.kind}.html.j2")
    entity = page.entity if page.kind in ("entity", "form", "home") else None
    entity = ctx.contact if page.kind == "contact" else entity
    config = page_config(ctx, page)
    # A public form leaves out where a record is in its life ("status"): the staff set it.
    browse = browse_column(entity) if entity is not None and page.kind == "entity" else None
    return template.render(
        **values, page=page, entity=entity, config=config, workflow=WORKFLOW_FIELDS, browse=browse
    )
