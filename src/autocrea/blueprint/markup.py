"""Markup: the HTML of each spec page and the JSON config its script reads.

The config carries labels, field types and UI strings, so `app.js` is the same file for every app.
It is embedded with Jinja's `tojson`, which escapes `<`, `>`, `&` and quotes for HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment

from autocrea.blueprint import i18n
from autocrea.blueprint.context import Context, EntityView, PageView

# UI strings the browser script needs (the rest are rendered into the HTML).
SCRIPT_STRINGS = (
    "yes", "no", "none", "edit", "delete", "confirm_delete", "created", "saved", "deleted",
    "page_of", "results", "loading", "no_results", "error_generic", "error_network", "form_new",
    "form_edit", "fix_errors", "buy", "chart_no_data", "contact_sent", "err_missing",
    "err_too_long", "err_choice", "err_integer", "err_number", "err_min", "err_boolean",
    "err_date", "err_datetime", "live", "live_paused",
)  # fmt: skip
# What the cart on a shop's product page says.
CART_STRINGS = (
    "add_to_cart", "cart_remove", "cart_quantity", "cart_added", "cart_paying", "order_paid",
    "order_waiting", "order_unpaid",
)  # fmt: skip
# Pages whose data refreshes by polling when the spec asks for real-time updates.
LIVE_PAGES = frozenset({"entity", "dashboard"})


def entity_config(ctx: Context, entity: EntityView) -> dict[str, Any]:
    """What the browser needs to list, show and edit rows of `entity`."""
    return {
        "api": f"/api/{entity.table}",
        "label": entity.label,
        "display": entity.display.name,
        "columns": [
            {
                "name": c.name,
                "label": c.label,
                "type": c.type,
                "required": c.required,
                "listed": c.type != "text",
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
            }
            for link in entity.links
        ],
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


def _sells(ctx: Context, entity: EntityView) -> bool:
    checkout = ctx.checkout
    return checkout is not None and checkout.product is not None and checkout.product.name == entity.name


def page_config(ctx: Context, page: PageView) -> dict[str, Any]:
    language = ctx.spec.language
    config: dict[str, Any] = {
        "kind": page.kind,
        "language": language,
        "strings": {key: i18n.STRINGS[language][key] for key in SCRIPT_STRINGS},
        "live": ctx.spec.has("realtime") and page.kind in LIVE_PAGES,
    }
    if page.entity is not None:
        config["entity"] = entity_config(ctx, page.entity)
        if _sells(ctx, page.entity):
            config["strings"].update({key: i18n.STRINGS[language][key] for key in CART_STRINGS})
    if page.kind == "contact" and ctx.contact is not None:
        config["entity"] = entity_config(ctx, ctx.contact)
    return config


def render_page(env: Environment, ctx: Context, page: PageView, values: Mapping[str, Any]) -> str:
    template = env.get_template(f"app/templates/{page.kind}.html.j2")
    entity = page.entity if page.kind == "entity" else ctx.contact if page.kind == "contact" else None
    return template.render(**values, page=page, entity=entity, config=page_config(ctx, page))
