"""Context: an AppSpec seen the way the templates need it (views of entities, pages and charts).

Everything a template would otherwise compute (names of functions and files, which columns are
searchable, which entities point at which) is decided here, once, so templates stay plain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from autocrea.blueprint.columns import Column
from autocrea.blueprint.integrations import PRICE_WORDS, UNIT_PRICE_WORDS
from autocrea.domain.appspec import AppSpec, ChartSpec, EntitySpec, PageSpec, RelationSpec
from autocrea.domain.naming import snake

# Query parameters every list endpoint already has, and names the filter function itself uses
# (`conditions`, `models`, `search`); a filter with one of these names is left out.
LIST_PARAMS = frozenset({"page", "page_size", "q", "sort", "session", "conditions", "models", "search"})
CHECKOUT_MODEL = "CheckoutPayment"
CHECKOUT_TABLE = "checkout_payments"


@dataclass(frozen=True)
class Link:
    """A many-to-one relation as seen from the entity that owns the foreign key."""

    spec: RelationSpec
    target: EntitySpec
    target_snake: str

    @property
    def field(self) -> str:
        return self.spec.field

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def required(self) -> bool:
        return self.spec.required

    @property
    def filterable(self) -> bool:
        return self.field not in LIST_PARAMS


@dataclass(frozen=True)
class Usage:
    """Another entity whose rows point at this one (so those rows block a delete)."""

    entity: EntitySpec
    field: str
    snake: str
    followed: bool  # the other entity's test factory creates a row of this one for `field`


@dataclass(frozen=True)
class EntityView:
    spec: EntitySpec
    snake: str
    columns: tuple[Column, ...]
    links: tuple[Link, ...]
    used_by: tuple[Usage, ...] = ()
    # Relations the test factories fill by creating the target row first; a relation that leads
    # back to this entity (a cycle, e.g. parent_id) is left out of the factories.
    sample_links: tuple[Link, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def table(self) -> str:
        return self.spec.table

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def label_plural(self) -> str:
        return self.spec.label_plural

    @property
    def display(self) -> Column:
        return next(c for c in self.columns if c.name == self.spec.display_field)

    @property
    def searchable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.searchable)

    @property
    def column_filters(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.filterable and c.name not in LIST_PARAMS)

    @property
    def link_filters(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.filterable)

    @property
    def required_fields(self) -> tuple[str, ...]:
        columns = [c.name for c in self.columns if c.required]
        return (*columns, *(link.field for link in self.links if link.required))

    @property
    def unique_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.unique)

    @property
    def sort_keys(self) -> tuple[str, ...]:
        return ("id", *(c.name for c in self.columns), *(lk.field for lk in self.links), "created_at")

    @property
    def search_probe(self) -> Column | None:
        """A searchable column whose sample values differ per row (so a search finds one row)."""
        return next((c for c in self.searchable if c.type != "enum"), None)


@dataclass(frozen=True)
class ChartView:
    spec: ChartSpec
    id: str
    function: str
    entity: EntityView
    group_column: Column | None
    group_link: Link | None
    value_column: Column | None


@dataclass(frozen=True)
class PageView:
    spec: PageSpec
    file: str
    function: str
    entity: EntityView | None

    @property
    def path(self) -> str:
        return self.spec.path

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def kind(self) -> str:
        return self.spec.kind


@dataclass(frozen=True)
class Checkout:
    """The payments stub; `product` is the entity bought by id when one has a price."""

    product: EntityView | None
    price: Column | None
    model: str = CHECKOUT_MODEL
    table: str = CHECKOUT_TABLE


@dataclass(frozen=True)
class Context:
    spec: AppSpec
    entities: tuple[EntityView, ...]
    pages: tuple[PageView, ...]
    charts: tuple[ChartView, ...]
    contact: EntityView | None
    checkout: Checkout | None
    # Entities the public fills in through a form page (survey responses, requests): like the
    # contact form's messages, anyone writes them and, with accounts, administrators read them.
    forms: tuple[EntityView, ...] = ()


@cache
def build_context(spec: AppSpec) -> Context:
    """The template context of `spec` (cached: specs are frozen)."""
    snakes = _snake_names(spec)
    reaches = _reachability(spec)
    entities = tuple(
        EntityView(
            spec=entity,
            snake=snakes[entity.name],
            columns=tuple(Column(f) for f in entity.fields),
            links=tuple(Link(r, spec.entity(r.target), snakes[r.target]) for r in entity.relations),
            used_by=tuple(
                Usage(other, rel.field, snakes[other.name], other.name not in reaches[entity.name])
                for other in spec.entities
                for rel in other.relations
                if rel.target == entity.name
            ),
            sample_links=tuple(
                Link(r, spec.entity(r.target), snakes[r.target])
                for r in entity.relations
                if entity.name not in reaches[r.target]
            ),
        )
        for entity in spec.entities
    )
    by_name = {e.name: e for e in entities}
    pages = tuple(_page_view(page, by_name) for page in spec.pages)
    return Context(
        spec=spec,
        entities=entities,
        pages=pages,
        charts=_chart_views(spec, by_name),
        contact=_contact_entity(spec, by_name) if any(p.kind == "contact" for p in pages) else None,
        checkout=_checkout(entities) if spec.has("payments") else None,
        forms=tuple(dict.fromkeys(p.entity for p in pages if p.kind == "form" and p.entity is not None)),
    )


def _reachability(spec: AppSpec) -> dict[str, set[str]]:
    """For each entity, the entities its relations lead to (directly or through others)."""
    edges = {e.name: {r.target for r in e.relations} for e in spec.entities}
    reach: dict[str, set[str]] = {}
    for start in edges:
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(edges[name])
        reach[start] = seen
    return reach


def _snake_names(spec: AppSpec) -> dict[str, str]:
    """Function-name stem per entity: snake of the class name, or the table if two would clash."""
    names = {e.name: snake(e.name) for e in spec.entities}
    if len(set(names.values())) != len(names):
        return {e.name: e.table for e in spec.entities}
    return names


def _page_view(page: PageSpec, by_name: dict[str, EntityView]) -> PageView:
    stem = page.path.strip("/")
    if not stem:
        file, function = "index.html", "home"
    else:
        file = f"page-{stem}.html" if stem == "index" else f"{stem}.html"
        function = "page_" + stem.replace("-", "_")
    entity = by_name[page.entity] if page.entity is not None else None
    return PageView(spec=page, file=file, function=function, entity=entity)


def _chart_views(spec: AppSpec, by_name: dict[str, EntityView]) -> tuple[ChartView, ...]:
    views: list[ChartView] = []
    seen: set[str] = set()
    for chart in spec.charts:
        entity = by_name[chart.entity]
        stem = f"{entity.table}_by_{chart.group_by}"
        if chart.metric == "sum":
            stem = f"{entity.table}_{chart.value_field}_by_{chart.group_by}"
        unique, n = stem, 2
        while unique in seen:
            unique, n = f"{stem}_{n}", n + 1
        seen.add(unique)
        views.append(
            ChartView(
                spec=chart,
                id=unique.replace("_", "-"),
                function=unique,
                entity=entity,
                group_column=next((c for c in entity.columns if c.name == chart.group_by), None),
                group_link=next((lk for lk in entity.links if lk.field == chart.group_by), None),
                value_column=next((c for c in entity.columns if c.name == chart.value_field), None),
            )
        )
    return tuple(views)


def _contact_entity(spec: AppSpec, by_name: dict[str, EntityView]) -> EntityView | None:
    """The entity a contact page stores messages in: ContactMessage, else a contact/message table."""
    if "ContactMessage" in by_name:
        return by_name["ContactMessage"]
    for entity in spec.entities:
        if "contact" in entity.table or "message" in entity.table or "mensaje" in entity.table:
            return by_name[entity.name]
    return None


def _checkout(entities: tuple[EntityView, ...]) -> Checkout:
    for word in PRICE_WORDS:
        for entity in entities:
            for column in entity.columns:
                if (
                    column.type == "decimal"
                    and word in column.name
                    and (column.required or word in UNIT_PRICE_WORDS)
                ):
                    return Checkout(product=entity, price=column)
    return Checkout(product=None, price=None)
