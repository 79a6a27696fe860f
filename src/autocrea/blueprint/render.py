"""Render an AppSpec into a complete, runnable project: {relative posix path: file text}.

Four roles own disjoint parts of the tree (backend, frontend, devops, tests); `render_project` is
their union. Rendering is pure and deterministic: the only I/O is Jinja2 reading the templates in
`templates/`, which mirror the generated tree. Code templates are rendered without autoescaping
(spec strings go through `pystr`/`pydoc`); HTML templates autoescape everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from autocrea.blueprint import arcade, i18n, integrations
from autocrea.blueprint.annotations import choice_alias, not_null_fields, read_type, schema_field
from autocrea.blueprint.chat import chat_values
from autocrea.blueprint.context import Context, EntityView, build_context
from autocrea.blueprint.literals import (
    docwrap,
    md_quote,
    md_text,
    period,
    py_def,
    py_import,
    py_str,
    py_value,
    pydoc,
    pystr_wrap,
    sentence,
    toml_str,
)
from autocrea.blueprint.markup import (
    POINTS_PER_INVITE,
    POINTS_PER_RECORD,
    POINTS_PER_VOTE,
    avatar_choices,
    invite_config,
    invite_rules,
    leaderboard_config,
    login_config,
    page_path,
    points_rules,
    profile_config,
    render_page,
)
from autocrea.blueprint.samples import sample_records
from autocrea.blueprint.theme import css_variables
from autocrea.domain.allowlist import RUNTIME_PACKAGES, pin
from autocrea.domain.appspec import AppSpec, Feature
from autocrea.domain.naming import pascal

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Features the generated app implements. The others (accounts, uploads) are not built offline: the
# architect records each as a stub integration, so they are never claimed.
RENDERED_FEATURES: frozenset[Feature] = frozenset(
    {
        "search",
        "filters",
        "dashboard",
        "contact_form",
        "payments",
        "export",
        "realtime",
        "auth",
        "votes",
        "points",
        "invites",
        "chat",
        "support_chat",
    }
)
# Names bound in app/main.py; a router module with one of these names is imported under an alias.
_MAIN_NAMES = frozenset(
    {
        "annotations",
        "app",
        "lifespan",
        "health",
        "init_db",
        "get_engine",
        "load_on_start",
        "install_error_handlers",
        "pages_router",
        "stats_router",
        "events_router",
        "uploads_router",
        "votes_router",
        "points_router",
        "invites_router",
        "activities_router",
        "chat_router",
    }
)


# Features that are one module of the generated app and one test module of its own, by the template
# value that switches them on: app/<module>.py and tests/test_<module>.py.
_FEATURE_MODULES = (
    ("uploads", "uploads"),
    ("voted", "votes"),
    ("points", "points"),
    ("invites", "invites"),
    ("activities", "activities"),
    ("chat", "chat"),
)


def render_backend(spec: AppSpec) -> dict[str, str]:
    """app/ Python package (models, schemas, routers, stats, checkout stub) and requirements.txt."""
    ctx = build_context(spec)
    values = _values(ctx)
    files = {
        "app/__init__.py": _code("app/__init__.py.j2", values),
        "app/main.py": _code("app/main.py.j2", values),
        "app/database.py": _code("app/database.py.j2", values),
        "app/errors.py": _code("app/errors.py.j2", values),
        "app/crud.py": _code("app/crud.py.j2", values),
        "app/models.py": _code("app/models.py.j2", values),
        "app/schemas.py": _code("app/schemas.py.j2", values),
        "app/sample_data.py": _code("app/sample_data.py.j2", {**values, "samples": sample_records(spec)}),
        "app/routers/__init__.py": _code("app/routers/__init__.py.j2", values),
        "requirements.txt": "".join(pin(name) + "\n" for name in _packages(ctx)),
    }
    for entity in ctx.entities:
        files[f"app/routers/{entity.table}.py"] = _code(
            "app/routers/entity.py.j2", {**values, **_entity_values(entity, ctx.spec.has("export"))}
        )
    if ctx.checkout is not None:
        template = "app/routers/checkout_stripe.py.j2" if values["stripe"] else "app/routers/checkout.py.j2"
        files["app/routers/checkout.py"] = _code(template, values)
    if ctx.charts:
        files["app/stats.py"] = _code("app/stats.py.j2", values)
    if spec.has("export"):
        files["app/export.py"] = _code("app/export.py.j2", values)
    if values["live"] or values["chat"]:  # the chat's new messages reach pages through /api/live
        files["app/events.py"] = _code("app/events.py.j2", values)
    for switch, module in _FEATURE_MODULES:
        if values[switch]:
            files[f"app/{module}.py"] = _code(f"app/{module}.py.j2", values)
    if values["auth"]:
        files["app/accounts.py"] = _code("app/accounts.py.j2", values)
        files["app/routers/auth.py"] = _code("app/routers/auth.py.j2", values)
    return _sorted(files)


def render_frontend(spec: AppSpec) -> dict[str, str]:
    """app/pages.py, the HTML pages in app/templates/ and app/static/ (JS, CSS)."""
    ctx = build_context(spec)
    values = _values(ctx)
    files = {
        "app/pages.py": _code("app/pages.py.j2", values),
        "app/static/app.js": _code("app/static/app.js.j2", values),
        "app/static/charts.js": _code("app/static/charts.js.j2", values),
        "app/static/styles.css": _code("app/static/styles.css.j2", values),
    }
    if values["activities"]:
        files["app/static/activities.js"] = _code("app/static/activities.js.j2", values)
    for page in ctx.pages:
        files[f"app/templates/{page.file}"] = _tidy(render_page(_html_env(), ctx, page, values))
    if values["chat"]:
        files["app/static/chat.js"] = _code("app/static/chat.js.j2", values)
    if any(page.kind == "entity" for page in ctx.pages):
        # One read page for the records of every entity: app/pages.py gives it the list's config.
        files["app/templates/record.html"] = _app_page(values, "record", "record_page_title", None, {})
    if values["auth"]:
        login = _app_page(values, "login", "auth_page_title", "/login", login_config(ctx))
        files["app/templates/login.html"] = login
        avatars = {**values, "avatars": avatar_choices(ctx.spec.language)}
        profile = _app_page(avatars, "profile", "profile_title", "/profile", profile_config(ctx))
        files["app/templates/profile.html"] = profile
    if values["points"]:
        board = _app_page(values, "leaderboard", "points_page", "/leaderboard", leaderboard_config(ctx))
        files["app/templates/leaderboard.html"] = board
    if values["invites"]:
        invite = _app_page(values, "invite", "invite_page", "/invite", invite_config(ctx))
        files["app/templates/invite.html"] = invite
    return _sorted(files)


def _app_page(
    values: dict[str, Any], name: str, title_key: str, path: str | None, config: dict[str, Any]
) -> str:
    """A page of the app's own that no spec page stands for (a record's, the login page)."""
    page = {"title": values["t"](title_key), "path": path}
    template = _html_env().get_template(f"app/templates/{name}.html.j2")
    return _tidy(template.render(**values, page=page, config=config))


def render_devops(spec: AppSpec) -> dict[str, str]:
    """Dockerfile, compose file, CI workflow, env example, ignore files, README, pyproject.toml."""
    values = _values(build_context(spec))
    names = {
        "Dockerfile": "Dockerfile.j2",
        "docker-compose.yml": "docker-compose.yml.j2",
        ".github/workflows/ci.yml": "github/workflows/ci.yml.j2",
        ".env.example": "env.example.j2",
        ".gitignore": "gitignore.j2",
        ".dockerignore": "dockerignore.j2",
        "README.md": "README.md.j2",
        "pyproject.toml": "pyproject.toml.j2",
    }
    return _sorted({path: _code(template, values) for path, template in names.items()})


def _first(spec: AppSpec) -> dict[str, str]:
    entity = spec.entities[0]
    return {"name": entity.name, "table": entity.table, "field": entity.fields[0].name}


def render_tests(spec: AppSpec) -> dict[str, str]:
    """The generated project's pytest suite: factories, one module per entity, pages, stats."""
    ctx = build_context(spec)
    values = _values(ctx)
    files = {
        "tests/__init__.py": '"""Tests of the generated app; run `pytest` from the project root."""\n',
        "tests/conftest.py": _code("tests/conftest.py.j2", values),
        "tests/factories.py": _code("tests/factories.py.j2", values),
        "tests/test_pages.py": _code("tests/test_pages.py.j2", values),
        "tests/test_sample_data.py": _code("tests/test_sample_data.py.j2", values),
        "tests/test_database.py": _code(
            "tests/test_database.py.j2",
            {**values, "first": _first(spec)},
        ),
    }
    if ctx.charts:
        files["tests/test_stats.py"] = _code("tests/test_stats.py.j2", values)
    if values["live"]:
        files["tests/test_live.py"] = _code("tests/test_live.py.j2", values)
    if values["owned"]:
        files["tests/test_accounts.py"] = _code("tests/test_accounts.py.j2", values)
    if ctx.forms:  # what the public fills in: stored, refused field by field, counted
        charts = [c for c in ctx.charts if c.entity in ctx.forms]
        made = {f"{e.snake}_payload" for e in ctx.forms}
        form_values = {"form_charts": charts, "form_factories": sorted(made)}
        files["tests/test_forms.py"] = _code("tests/test_forms.py.j2", {**values, **form_values})
    for switch, module in _FEATURE_MODULES:
        if values[switch]:
            files[f"tests/test_{module}.py"] = _code(f"tests/test_{module}.py.j2", values)
    if ctx.checkout is not None:
        if values["stripe"]:
            files["tests/test_checkout.py"] = _code("tests/test_checkout_stripe.py.j2", values)
            files["tests/fake_stripe.py"] = _code("tests/fake_stripe.py.j2", values)
        else:
            files["tests/test_checkout.py"] = _code("tests/test_checkout.py.j2", values)
    for entity in ctx.entities:
        path = f"tests/test_{entity.table}.py"
        if path in files:  # a table named "pages": its tests must not replace the pages' tests
            path = f"tests/test_{entity.table}_api.py"
        if path in files:
            raise AssertionError(f"two test modules would be written to {path}")
        files[path] = _code(
            "tests/test_entity.py.j2", {**values, **_entity_values(entity, ctx.spec.has("export"))}
        )
    return _sorted(files)


def render_project(spec: AppSpec) -> dict[str, str]:
    """The whole project: the union of the four roles' files (their paths never overlap)."""
    parts = (render_backend(spec), render_frontend(spec), render_devops(spec), render_tests(spec))
    merged: dict[str, str] = {}
    for part in parts:
        overlap = merged.keys() & part.keys()
        if overlap:
            raise AssertionError(f"two roles render the same files: {sorted(overlap)}")
        merged.update(part)
    return _sorted(merged)


# --- template values ---------------------------------------------------------------------------


def _values(ctx: Context) -> dict[str, Any]:
    spec = ctx.spec
    # With accounts, records belong to their author; a contact form's messages are anyone's.
    public = (ctx.contact, *ctx.forms)  # what the public fills in: form pages and the contact form
    owned = [e for e in ctx.entities if spec.has("auth") and e not in public]
    language = spec.language
    column_types = {c.type for e in ctx.entities for c in e.columns}
    patterns = [kind for kind in ("email", "url", "phone") if kind in column_types]
    if ctx.checkout is not None and "email" not in patterns:
        patterns.insert(0, "email")
    return {
        "spec": spec,
        "entities": ctx.entities,
        "pages": ctx.pages,
        "charts": ctx.charts,
        "checkout": ctx.checkout,
        "export": spec.has("export"),
        "live": spec.has("realtime"),
        **chat_values(ctx),
        "auth": spec.has("auth"),
        # URL fields named for a file (image_url, cv_url) take uploads when the app asks for them.
        "uploads": bool(spec.upload_fields),
        "upload_fields": sorted({field for _, field in spec.upload_fields}),
        "owned": owned,
        # Records people vote for (app/votes.py), one vote per person and record.
        "voted": [e for e in ctx.entities if any(v.name == e.name for v in spec.voted)],
        # Menu links to lists filtered by a state ("Open calls"), after their list's own link.
        "view_links": _view_links(ctx),
        # Accounts earn points for what they add (app/points.py) and a leaderboard ranks them.
        "points": spec.points,
        "per_record": POINTS_PER_RECORD,
        "per_vote": POINTS_PER_VOTE,
        "points_rules": points_rules(ctx) if spec.points else "",
        # Accounts invite people with a link (app/invites.py).
        "invites": spec.invites,
        "per_invite": POINTS_PER_INVITE,
        "invite_rules": invite_rules(ctx) if spec.invites else "",
        # The contact form's table: anyone writes to it; with accounts, administrators read it.
        "contact": ctx.contact,
        # Entities with a public fill-in form page (survey responses, requests, applications).
        "forms": ctx.forms,
        # What the profile page lists: the records of each kind an account created.
        "mine": [
            {
                "model": e.name,
                "display": e.display.name,
                "label": e.label_plural,
                "api": f"/api/{e.table}",
                "path": page_path(ctx, e.name),
            }
            for e in owned
        ],
        "t": lambda key, **kw: i18n.text(language, key, **kw),
        "msg": lambda key, **kw: i18n.message(language, key, **kw),
        "uses_dt": bool(column_types & {"date", "datetime"}) or _takes_payments(ctx) or spec.has("auth"),
        "stripe": _takes_payments(ctx),
        "cart_page": _cart_page(ctx),
        "patterns": patterns,
        "enum_aliases": [
            (choice_alias(e, c), c.choices) for e in ctx.entities for c in e.columns if c.type == "enum"
        ],
        "enums": any(c.type == "enum" for e in ctx.entities for c in e.columns),
        "any_not_null": any(not_null_fields(e) for e in ctx.entities),
        "router_modules": _router_modules(ctx),
        "currency": "EUR" if language == "es" else "USD",
        "payment_integrations": [
            i for i in spec.integrations if re.search(r"pay|pag|stripe|checkout|cobro", i.requested, re.I)
        ],
        # What was asked for and what stands in for it, worded in the app's language.
        "integrations": [integrations.in_language(i, language) for i in spec.integrations],
        "css": css_variables(spec.theme),
        "psycopg": pin("psycopg[binary]"),
        "stats_factories": sorted({f"create_{chart.entity.snake}" for chart in ctx.charts}),
        **arcade.values(ctx),
    }


def _view_links(ctx: Context) -> dict[str, list[tuple[str, str]]]:
    """(title, href) of the spec's views, by the path of the list page they filter."""
    links: dict[str, list[tuple[str, str]]] = {}
    for view in ctx.spec.views:
        path = page_path(ctx, view.entity)
        if path is not None:
            href = f"{path}?{urlencode({view.field: view.value})}"
            links.setdefault(path, []).append((view.title, href))
    return links


def _cart_page(ctx: Context) -> str | None:
    """The path of the page that lists the products (the cart lives there, and Stripe returns to it)."""
    if not _takes_payments(ctx):
        return None
    assert ctx.checkout is not None and ctx.checkout.product is not None
    product = ctx.checkout.product.name
    return next((p.path for p in ctx.pages if p.entity is not None and p.entity.name == product), "/")


def _packages(ctx: Context) -> tuple[str, ...]:
    """What the project installs: the runtime, Stripe's SDK for a shop that takes payments, and
    pwdlib (Argon2 password hashes) for an app with accounts."""
    return (
        RUNTIME_PACKAGES
        + (("stripe",) if _takes_payments(ctx) else ())
        + (("pwdlib[argon2]",) if ctx.spec.has("auth") else ())
    )


def _takes_payments(ctx: Context) -> bool:
    """A priced product to buy: the cart, Stripe Checkout and its webhook. Without one the
    checkout stays the stub that records what was asked (nothing to price on the server)."""
    return ctx.checkout is not None and ctx.checkout.product is not None


def _router_modules(ctx: Context) -> list[str]:
    modules = [e.table for e in ctx.entities] + (["checkout"] if ctx.checkout is not None else [])
    modules += ["auth"] if ctx.spec.has("auth") else []
    if _MAIN_NAMES.intersection(modules):
        return [f"{module} as {module}_api" for module in modules]
    return modules


def _entity_values(entity: EntityView, export: bool) -> dict[str, Any]:
    checks = bool(entity.links or entity.unique_columns)
    crud = ["get_or_404", "order_by", "paginate", "save"]
    if entity.searchable:
        crud.append("search")
    if entity.links:
        crud.append("check_references")
    if entity.unique_columns:
        crud.append("check_unique")
    if entity.used_by:
        crud.append("check_not_used")
    # The search and filters are one dependency, shared by the list and the CSV export.
    filters: list[str] = []
    if entity.searchable:
        filters.append("q: Annotated[str | None, Query(max_length=200)] = None")
    for column in entity.column_filters:
        kind = f"schemas.{choice_alias(entity, column)}" if column.type == "enum" else "bool"
        filters.append(f"{column.name}: {kind} | None = None")
    filters.extend(f"{link.field}: int | None = None" for link in entity.link_filters)
    shared = ["session: SessionDep", *(["conditions: ConditionsDep"] if filters else [])]
    params = [
        *shared,
        "page: Annotated[int, Query(ge=1)] = 1",
        "page_size: Annotated[int, Query(ge=1, le=100)] = 20",
        'sort: str = "-id"',
    ]
    invalid = [
        (column.name, value, f"{column.name}-{slug}")
        for column in entity.columns
        for value, slug in column.invalid_values()
    ]
    invalid.extend((link.field, '"abc"', f"{link.field}-not-a-number") for link in entity.links)
    factories = {
        "assert_error",
        f"create_{entity.snake}",
        f"{entity.snake}_payload",
        f"{entity.snake}_values",
    }
    factories.update(f"create_{usage.snake}" for usage in entity.used_by if usage.followed)
    # Search and filter values the list test uses too: rows[1] for the search, rows[0] for filters.
    export_cases = [f'{{"q": rows[1]["{entity.search_probe.name}"]}}'] if entity.search_probe else []
    export_cases.extend(f'{{"{c.name}": rows[0]["{c.name}"]}}' for c in entity.column_filters)
    export_cases.extend(
        f'{{"{lk.field}": rows[0]["{lk.field}"]}}' for lk in entity.link_filters if lk in entity.sample_links
    )
    if export:
        factories.add("read_csv")
    return {
        "entity": entity,
        "checks": checks,
        "crud_imports": sorted(crud),
        "fastapi_imports": ["APIRouter", "Query", "Response", *(["Depends"] if filters else [])],
        "filter_params": filters,
        "list_params": params,
        "export_params": [*shared, 'sort: str = "-id"'],
        "csv_columns": (
            "id",
            *(c.name for c in entity.columns),
            *(lk.field for lk in entity.links),
            "created_at",
            "updated_at",
        ),
        "export_cases": export_cases,
        "formula_column": next((c for c in entity.columns if c.type in ("string", "text")), None),
        "invalid_cases": invalid,
        "not_null": not_null_fields(entity),
        "factory_imports": sorted(factories),
    }


# --- Jinja environments ------------------------------------------------------------------------


def _configure(env: Environment) -> Environment:
    env.filters.update(
        pystr=py_str,
        pyvalue=py_value,
        tomlstr=toml_str,
        pydoc=pydoc,
        sentence=sentence,
        period=period,
        docwrap=docwrap,
        pystr_wrap=pystr_wrap,
        add_suffix=str.__add__,
        md=md_text,
        mdquote=md_quote,
        pascal=pascal,
    )
    env.globals.update(
        py_def=py_def,
        py_import=py_import,
        schema_field=schema_field,
        read_type=read_type,
        choice_alias=choice_alias,
        not_null_fields=not_null_fields,
    )
    return env


@cache
def _code_env() -> Environment:
    loader = FileSystemLoader(TEMPLATES_DIR)
    env = Environment(
        loader=loader,
        autoescape=False,  # noqa: S701 - code, not HTML: spec strings go through pystr/pydoc/md
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return _configure(env)


@cache
def _html_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return _configure(env)


def _code(template: str, values: Mapping[str, Any]) -> str:
    return _tidy(_code_env().get_template(template).render(**values))


_BLANK_RUN = re.compile(r"\n{4,}")


def _tidy(text: str) -> str:
    """No trailing whitespace, at most two blank lines in a row, exactly one final newline."""
    lines = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUN.sub("\n\n\n", lines).strip("\n") + "\n"


def _sorted(files: dict[str, str]) -> dict[str, str]:
    return dict(sorted(files.items()))
