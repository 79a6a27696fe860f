"""AppSpec: the structured description of an application.

The architect role produces it (offline or with a model); every later role only reads it. Rules that
keep the generated code valid (identifiers, references between entities) are checked here, so a
spec that validates always renders to a project that imports.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION: Literal[1] = 1

FieldType = Literal[
    "string",  # short text (<= 200)
    "text",  # long text
    "integer",
    "decimal",  # money, measures: stored as float, shown with 2 decimals
    "boolean",
    "date",
    "datetime",
    "email",
    "url",
    "phone",
    "enum",  # one of `choices`
]

Feature = Literal[
    "auth",  # accounts / login were asked for
    "search",  # free-text search on list pages
    "filters",  # filter lists by enum / relation / boolean fields
    "dashboard",  # a dashboard page with charts
    "contact_form",  # a public contact form that stores messages
    "payments",  # checkout / payments (stub integration offline)
    "file_upload",  # attachments / images
    "realtime",  # live updates (polling offline)
    "export",  # CSV export of lists
    "votes",  # votes / likes on records, one per person (EntitySpec.votes says which)
    "points",  # accounts earn points for what they add and the votes it gets; a leaderboard (needs auth)
    "invites",  # accounts invite people to join with a link (needs auth)
    "chat",  # a community chat: rooms where people talk to each other (app/chat.py)
    "support_chat",  # customer support: each visitor's own conversation with the staff (app/chat.py)
]
# The chat's two shapes (customer support wins when both are named) and its one "chat" page.
CHAT_FEATURES: frozenset[Feature] = frozenset({"chat", "support_chat"})

# Features an app may be asked for and not get, on either path (Blueprint or a model): uploads need a
# URL field named for a file (`upload_fields`) to put the upload in. Without one, asking for them
# records a stub integration (blueprint/integrations.py, pipeline/architect_model.py), so it is
# listed as "not built yet", never as a feature of the app. Every other feature is built.
STUBBED_FEATURES: frozenset[Feature] = frozenset({"file_upload"})
# A URL field whose name says it holds a file (a photo, a cover, a document) takes uploads.
_UPLOAD_NAME = re.compile(
    r"image|imagen|photo|foto|picture|cover|portada|avatar|logo|banner|thumbnail|file|fichero|archivo"
    r"|attachment|adjunto|document|cv|resume|curriculum"
)


def upload_fields(entities: Sequence[EntitySpec]) -> tuple[tuple[str, str], ...]:
    """(entity, field) of each URL field that takes uploads when an app asks for them."""
    return tuple(
        (e.name, f.name)
        for e in entities
        for f in e.fields
        if f.type == "url" and _UPLOAD_NAME.search(f.name)
    )


Language = Literal["es", "en"]

# Activities a page may be (PageSpec.kind "activity"): games played with the app's records. The
# generated app builds each (app/activities.py, app/static/activities.js).
Activity = Literal[
    "wheel", "quiz", "flashcards", "unjumble", "fill_blank", "synonyms", "crossword", "game_2048", "tictactoe"
]
# Games that play with no records (their page names no entity); they keep points, not answers.
STANDALONE_GAMES: frozenset[str] = frozenset({"game_2048", "tictactoe"})
# The fields (by name) an activity reads from the records it draws from; the wheel draws from any
# records (by their display field) and needs a results entity with a link to them instead.
ACTIVITY_FIELDS: dict[str, tuple[str, ...]] = {
    "wheel": (),
    "quiz": ("question", "answer"),
    "flashcards": ("term", "definition"),
    "unjumble": ("term", "definition"),
    "fill_blank": ("term", "example"),
    "synonyms": ("term", "synonym", "antonym"),
    "crossword": ("term", "definition"),
    "game_2048": (),
    "tictactoe": (),
}
# A wheel's prizes may have a stock: an integer field with one of these names goes down with each win.
STOCK_FIELDS = ("quantity", "stock", "cantidad", "existencias", "units_available")

_IDENT = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CLASS = re.compile(r"^[A-Z][A-Za-z0-9]{0,39}$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# Columns every entity has, names SQLAlchemy's models already use, and the module aliases of the
# generated code (`import datetime as dt`, `import sqlalchemy as sa`); fields may not reuse them.
RESERVED_FIELDS = frozenset({"id", "created_at", "updated_at", "metadata", "registry", "query", "dt", "sa"})
# Class names that would shadow what the generated app imports or defines (the payments stub's model).
RESERVED_ENTITIES = frozenset({"Base", "Session", "Page", "Settings", "App", "CheckoutPayment"})
# Tables (and so URL and module names) the generated app uses itself: the payments stub's table and
# its /api/checkout router, the dashboard's /api/stats, the live updates' stream /api/live, and
# the accounts' tables and /api/auth router; sample_data_loads remembers that the sample records
# were added (app/sample_data.py).
RESERVED_TABLES = frozenset(
    {
        "checkout_payments",
        "checkout",
        "stats",
        "live",
        "uploads",
        "auth",
        "auth_users",
        "auth_sessions",
        "sample_data_loads",
        "record_votes",
        "points",
        "invites",
        "auth_invites",
        "activities",
        "activity_results",
        "chat",
        "chat_messages",
        "chat_conversations",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    name: str = Field(description="snake_case column name")
    label: str = Field(min_length=1, max_length=60, description="label shown in the UI")
    type: FieldType
    required: bool = False
    unique: bool = False
    choices: tuple[str, ...] = Field(default=(), description="allowed values for enum fields")

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if not _IDENT.match(self.name) or keyword.iskeyword(self.name):
            raise ValueError(f"field name {self.name!r} is not a snake_case identifier")
        if self.name in RESERVED_FIELDS:
            raise ValueError(f"field name {self.name!r} is reserved")
        if self.type == "enum":
            if not self.choices:
                raise ValueError(f"enum field {self.name!r} needs choices")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError(f"enum field {self.name!r} has repeated choices")
            if any(not c.strip() or len(c) > 40 for c in self.choices):
                raise ValueError(f"enum field {self.name!r} has an empty or over-long choice")
        elif self.choices:
            raise ValueError(f"only enum fields take choices ({self.name!r} is {self.type})")
        return self

    @property
    def searchable(self) -> bool:
        return self.type in ("string", "text", "email", "enum", "phone", "url")


class RelationSpec(_Strict):
    """Many-to-one: each row of the owning entity points at one row of `target`."""

    field: str = Field(description="foreign-key column, e.g. book_id")
    target: str = Field(description="name of the target entity")
    label: str = Field(min_length=1, max_length=60)
    required: bool = True

    @model_validator(mode="after")
    def _check(self) -> RelationSpec:
        if not _IDENT.match(self.field) or not self.field.endswith("_id"):
            raise ValueError(f"relation field {self.field!r} must be snake_case ending in _id")
        return self


class EntitySpec(_Strict):
    name: str = Field(description="PascalCase singular class name, e.g. Book")
    table: str = Field(description="snake_case plural table and URL name, e.g. books")
    label: str = Field(min_length=1, max_length=60, description="singular label in the prompt's language")
    label_plural: str = Field(min_length=1, max_length=60)
    fields: tuple[FieldSpec, ...] = Field(min_length=1, max_length=30)
    relations: tuple[RelationSpec, ...] = ()
    display_field: str = Field(description="field used as the row's title")
    votes: bool = Field(default=False, description="people vote for (like) these records; needs 'votes'")

    @model_validator(mode="after")
    def _check(self) -> EntitySpec:
        if not _CLASS.match(self.name) or self.name in RESERVED_ENTITIES:
            raise ValueError(f"entity name {self.name!r} must be PascalCase and not reserved")
        if not _IDENT.match(self.table) or self.table in RESERVED_TABLES:
            raise ValueError(f"table {self.table!r} must be a snake_case identifier and not reserved")
        names = [f.name for f in self.fields] + [r.field for r in self.relations]
        if len(names) != len(set(names)):
            raise ValueError(f"entity {self.name} repeats a field name")
        if self.votes and "vote_count" in names:
            raise ValueError(f"entity {self.name} takes votes: vote_count is the app's own field")
        if self.display_field not in {f.name for f in self.fields}:
            raise ValueError(f"display_field {self.display_field!r} is not a field of {self.name}")
        for rel in self.relations:
            if rel.target == self.name and rel.required:
                message = "is a required link to its own entity: no first row could be created"
                raise ValueError(f"{self.name}.{rel.field} {message}")
        return self

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


class PageSpec(_Strict):
    path: str = Field(description="URL path, e.g. / or /books")
    title: str = Field(min_length=1, max_length=80)
    # "form": the public fill-in form of `entity` (a survey's responses, a request, an application);
    # a home page that names an entity shows that entity's form too.
    kind: Literal["home", "entity", "dashboard", "contact", "activity", "form", "chat"]
    entity: str | None = Field(default=None, description="entity listed, or that an activity draws from")
    activity: Activity | None = Field(default=None, description="which activity an activity page is")
    results: str | None = Field(default=None, description="entity a wheel's wins are stored in")

    @model_validator(mode="after")
    def _check(self) -> PageSpec:
        if not re.match(r"^/([a-z0-9-]{1,40})?$", self.path):
            raise ValueError(f"page path {self.path!r} must be / or /lowercase-words")
        if self.kind in ("entity", "form") and self.entity is None:
            raise ValueError(f"{self.kind} pages name an entity")
        if self.kind in ("dashboard", "contact", "chat") and self.entity is not None:
            raise ValueError(f"{self.kind} pages name no entity")
        if self.kind == "activity" and (self.activity not in STANDALONE_GAMES) != (self.entity is not None):
            raise ValueError("activities with records, and only they, name an entity")
        if (self.kind == "activity") != (self.activity is not None):
            raise ValueError("activity pages, and only they, name an activity")
        if (self.activity == "wheel") != (self.results is not None):
            raise ValueError("a wheel, and only a wheel, names the entity its wins are stored in")
        return self


class ViewSpec(_Strict):
    """A menu link to an entity's list filtered by one of its enum or yes/no fields ("Open calls")."""

    title: str = Field(min_length=1, max_length=80)
    entity: str
    field: str = Field(description="an enum or boolean field of the entity")
    value: str = Field(description="one of the enum's choices, or 'true'/'false' for a boolean")


class ChartSpec(_Strict):
    title: str = Field(min_length=1, max_length=80)
    entity: str
    kind: Literal["bar", "line", "doughnut"]
    group_by: str = Field(description="field or relation column to group rows by")
    metric: Literal["count", "sum"] = "count"
    value_field: str | None = Field(default=None, description="numeric field summed when metric=sum")


class IntegrationSpec(_Strict):
    """Something the prompt asked for that the offline engine substitutes or stubs. Never dropped."""

    requested: str = Field(min_length=1, max_length=80)
    kind: Literal["substitution", "stub"]
    provided: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=400)


class ThemeSpec(_Strict):
    background: str = "#0f172a"
    primary: str = "#06b6d4"
    text: str = "#e2e8f0"
    background_name: str | None = None
    primary_name: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ThemeSpec:
        for colour in (self.background, self.primary, self.text):
            if not _HEX.match(colour):
                raise ValueError(f"colour {colour!r} must be #rrggbb")
        return self


class AppSpec(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    name: str = Field(min_length=1, max_length=80, description="display name of the app")
    slug: str = Field(description="kebab-case project name")
    summary: str = Field(min_length=1, max_length=400)
    language: Language
    prompt: str = Field(max_length=20_000)
    entities: tuple[EntitySpec, ...] = Field(min_length=1, max_length=12)
    pages: tuple[PageSpec, ...] = Field(min_length=1)
    features: tuple[Feature, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    views: tuple[ViewSpec, ...] = Field(default=(), max_length=8)
    integrations: tuple[IntegrationSpec, ...] = ()
    theme: ThemeSpec = ThemeSpec()

    @model_validator(mode="after")
    def _check(self) -> AppSpec:
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,47}$", self.slug):
            raise ValueError(f"slug {self.slug!r} must be kebab-case")
        names = [e.name for e in self.entities]
        tables = [e.table for e in self.entities]
        if len(set(names)) != len(names) or len(set(tables)) != len(tables):
            raise ValueError("entity names and tables must be unique")
        by_name = {e.name: e for e in self.entities}
        for entity in self.entities:
            for rel in entity.relations:
                if rel.target not in by_name:
                    raise ValueError(f"{entity.name}.{rel.field} points at unknown entity {rel.target!r}")
        cycle = _required_cycle(self.entities)
        if cycle:
            loop = " -> ".join(cycle)
            raise ValueError(f"required relations form a loop ({loop}): no first row could be created")
        paths = [p.path for p in self.pages]
        if len(set(paths)) != len(paths) or "/" not in paths:
            raise ValueError("pages need unique paths and a home page '/'")
        reserved_paths = {
            "/api",
            "/static",
            "/docs",
            "/redoc",
            "/openapi-json",
            "/health",
            "/uploads",
            "/login",
            "/profile",
            "/leaderboard",
            "/invite",
        }
        for page in self.pages:
            if page.path in reserved_paths:
                raise ValueError(f"page path {page.path!r} is reserved")
            if page.entity is not None and page.entity not in by_name:
                raise ValueError(f"page {page.path} shows unknown entity {page.entity!r}")
            if page.activity is not None:
                _check_activity(page, by_name)
        chats = [f for f in self.features if f in CHAT_FEATURES]
        if bool(chats) != any(p.kind == "chat" for p in self.pages):
            raise ValueError("the chat page and a chat feature ('chat', 'support_chat') go together")
        for chart in self.charts:
            target = by_name.get(chart.entity)
            if target is None:
                raise ValueError(f"chart {chart.title!r} uses unknown entity {chart.entity!r}")
            columns = {f.name for f in target.fields} | {r.field for r in target.relations}
            if chart.group_by not in columns:
                raise ValueError(f"chart {chart.title!r} groups by unknown column {chart.group_by!r}")
            if chart.metric == "sum":
                numeric = {f.name for f in target.fields if f.type in ("integer", "decimal")}
                if chart.value_field not in numeric:
                    raise ValueError(f"chart {chart.title!r} sums a non-numeric field")
        self._check_views(by_name)
        return self

    def _check_views(self, by_name: dict[str, EntitySpec]) -> None:
        for view in self.views:
            target = by_name.get(view.entity)
            if target is None:
                raise ValueError(f"view {view.title!r} lists unknown entity {view.entity!r}")
            field = next((f for f in target.fields if f.name == view.field), None)
            if field is None or field.type not in ("enum", "boolean"):
                raise ValueError(
                    f"view {view.title!r} filters by {view.field!r}, not an enum or yes/no field"
                )
            allowed = field.choices if field.type == "enum" else ("true", "false")
            if view.value not in allowed:
                raise ValueError(f"view {view.title!r}: {view.value!r} is not a value of {view.field}")

    def entity(self, name: str) -> EntitySpec:
        return next(e for e in self.entities if e.name == name)

    def has(self, feature: Feature) -> bool:
        return feature in self.features

    @property
    def activities(self) -> tuple[PageSpec, ...]:
        """The activity pages, in the order of the navigation."""
        return tuple(p for p in self.pages if p.activity is not None)

    @property
    def voted(self) -> tuple[EntitySpec, ...]:
        """The entities people vote for; none unless votes were asked for."""
        return tuple(e for e in self.entities if e.votes) if "votes" in self.features else ()

    @property
    def points(self) -> bool:
        """Accounts earn points: only with accounts to earn them."""
        return "points" in self.features and "auth" in self.features

    @property
    def invites(self) -> bool:
        """Accounts invite people: only with accounts to invite them to."""
        return "invites" in self.features and "auth" in self.features

    @property
    def chat(self) -> Literal["community", "support"] | None:
        """The chat the app has: customer support, a community chat, or none."""
        if "support_chat" in self.features:
            return "support"
        return "community" if "chat" in self.features else None

    @property
    def upload_fields(self) -> tuple[tuple[str, str], ...]:
        """(entity, field) of the URL fields that take uploads; none unless uploads were asked for."""
        return upload_fields(self.entities) if "file_upload" in self.features else ()

    def _stubbed(self, feature: Feature) -> bool:
        return feature in STUBBED_FEATURES and not (feature == "file_upload" and self.upload_fields)

    @property
    def built_features(self) -> tuple[Feature, ...]:
        """The features the generated app really has: what a summary may claim (votes only when
        some entity takes them)."""
        return tuple(
            f
            for f in self.features
            if not self._stubbed(f)
            and (f != "votes" or self.voted)
            and (f != "points" or self.points)
            and (f != "invites" or self.invites)
        )

    @property
    def stubbed_features(self) -> tuple[Feature, ...]:
        """Features the description asked for that are recorded as stubs, not built."""
        return tuple(f for f in self.features if self._stubbed(f))

    def to_json(self) -> str:
        """Stable JSON, as committed to `autocrea.json`."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _check_activity(page: PageSpec, by_name: dict[str, EntitySpec]) -> None:
    """An activity page draws from records that have the fields it reads (a wheel: wins linked to them)."""
    if page.entity is None:  # a game of its own (2048): it reads no records
        return
    assert page.activity is not None
    source = by_name[page.entity]
    names = {f.name for f in source.fields}
    missing = [name for name in ACTIVITY_FIELDS[page.activity] if name not in names]
    if missing:
        raise ValueError(f"activity {page.path} needs fields {missing} on {source.name}")
    texts = {f.name for f in source.fields if f.type in ("string", "text")}
    if not set(ACTIVITY_FIELDS[page.activity]) <= texts:
        raise ValueError(f"activity {page.path} reads text fields of {source.name}")
    if page.results is not None:
        results = by_name.get(page.results)
        if results is None or not any(r.target == source.name for r in results.relations):
            raise ValueError(f"wheel {page.path} stores its wins in an entity linked to {source.name}")


def stock_field(entity: EntitySpec) -> str | None:
    """The integer field a wheel's prize stock is kept in, if the entity has one."""
    return next((f.name for f in entity.fields if f.type == "integer" and f.name in STOCK_FIELDS), None)


def _required_cycle(entities: tuple[EntitySpec, ...]) -> list[str]:
    """Entity names along a loop of required relations (A needs a B, B needs an A), or []."""
    edges = {e.name: [r.target for r in e.relations if r.required] for e in entities}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return []
        for target in edges.get(name, []):
            found = visit(target, [*path, name])
            if found:
                return found
        done.add(name)
        return []

    for name in edges:
        found = visit(name, [])
        if found:
            return found
    return []


def appspec_json_schema() -> dict[str, Any]:
    """JSON schema a model's architect output is validated against."""
    return AppSpec.model_json_schema()
