import json
from typing import Any

import pytest
from pydantic import ValidationError

from autocrea.domain.appspec import AppSpec, appspec_json_schema


def library(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "Biblioteca",
        "slug": "biblioteca",
        "summary": "Libros, socios y préstamos.",
        "language": "es",
        "prompt": "biblioteca con libros, socios y préstamos",
        "entities": [
            {
                "name": "Book",
                "table": "books",
                "label": "Libro",
                "label_plural": "Libros",
                "display_field": "title",
                "fields": [
                    {"name": "title", "label": "Título", "type": "string", "required": True},
                    {"name": "isbn", "label": "ISBN", "type": "string", "unique": True},
                ],
            },
            {
                "name": "Member",
                "table": "members",
                "label": "Socio",
                "label_plural": "Socios",
                "display_field": "name",
                "fields": [{"name": "name", "label": "Nombre", "type": "string"}],
            },
            {
                "name": "Loan",
                "table": "loans",
                "label": "Préstamo",
                "label_plural": "Préstamos",
                "display_field": "status",
                "fields": [
                    {"name": "due_date", "label": "Vence", "type": "date"},
                    {"name": "status", "label": "Estado", "type": "enum", "choices": ["activo", "devuelto"]},
                ],
                "relations": [
                    {"field": "book_id", "target": "Book", "label": "Libro"},
                    {"field": "member_id", "target": "Member", "label": "Socio"},
                ],
            },
        ],
        "pages": [
            {"path": "/", "title": "Inicio", "kind": "home"},
            {"path": "/books", "title": "Libros", "kind": "entity", "entity": "Book"},
        ],
        "charts": [{"title": "Préstamos por estado", "entity": "Loan", "kind": "bar", "group_by": "status"}],
    }
    spec.update(overrides)
    return spec


def test_valid_spec_round_trips_through_json() -> None:
    spec = AppSpec.model_validate(library())
    again = AppSpec.model_validate(json.loads(spec.to_json()))
    assert again == spec
    assert spec.to_json() == again.to_json()
    assert spec.entity("Loan").relations[0].target == "Book"


def _entities_with(index: int, **changes: Any) -> list[dict[str, Any]]:
    entities = library()["entities"]
    entities[index] = {**entities[index], **changes}
    return entities


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "Not A Slug"}, "kebab-case"),
        ({"entities": []}, "at least 1"),
        (
            {
                "entities": _entities_with(
                    2, relations=[{"field": "book_id", "target": "Ghost", "label": "x"}]
                )
            },
            "unknown entity 'Ghost'",
        ),
        (
            {
                "entities": _entities_with(
                    0, fields=[{"name": "id", "label": "Id", "type": "integer"}], display_field="id"
                )
            },
            "reserved",
        ),
        (
            {
                "entities": _entities_with(
                    0, fields=[{"name": "kind", "label": "K", "type": "enum"}], display_field="kind"
                )
            },
            "needs choices",
        ),
        ({"entities": _entities_with(0, name="books")}, "PascalCase"),
        ({"entities": _entities_with(1, table="books")}, "unique"),
        ({"entities": _entities_with(0, display_field="nope")}, "display_field"),
        ({"pages": [{"path": "/books", "title": "x", "kind": "entity", "entity": "Book"}]}, "home page"),
        (
            {
                "pages": [
                    {"path": "/", "title": "x", "kind": "home"},
                    {"path": "/../etc", "title": "x", "kind": "home"},
                ]
            },
            "page path",
        ),
        ({"charts": [{"title": "x", "entity": "Loan", "kind": "bar", "group_by": "nope"}]}, "unknown column"),
        (
            {
                "charts": [
                    {
                        "title": "x",
                        "entity": "Loan",
                        "kind": "bar",
                        "group_by": "status",
                        "metric": "sum",
                        "value_field": "status",
                    }
                ]
            },
            "non-numeric",
        ),
        ({"theme": {"background": "red"}}, "#rrggbb"),
        ({"unexpected": 1}, "Extra inputs"),
    ],
)
def test_broken_specs_are_refused_with_a_reason(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AppSpec.model_validate(library(**overrides))


@pytest.mark.parametrize("name", ["dt", "sa"])
def test_module_aliases_of_the_generated_code_are_reserved_fields(name: str) -> None:
    fields = [
        {"name": "title", "label": "T", "type": "string"},
        {"name": name, "label": "X", "type": "string"},
    ]
    with pytest.raises(ValidationError, match="reserved"):
        AppSpec.model_validate(library(entities=_entities_with(0, fields=fields)))


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "CheckoutPayment"},
        {"table": "checkout_payments"},
        {"table": "checkout"},
        {"table": "stats"},
    ],
)
def test_names_of_the_payments_stub_and_stats_api_are_reserved(changes: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="reserved"):
        AppSpec.model_validate(library(entities=_entities_with(1, **changes)))


def test_a_required_link_to_its_own_entity_is_refused() -> None:
    parent = {"field": "parent_id", "target": "Member", "label": "Padrino"}
    with pytest.raises(ValidationError, match="own entity"):
        AppSpec.model_validate(library(entities=_entities_with(1, relations=[parent])))
    optional = AppSpec.model_validate(
        library(entities=_entities_with(1, relations=[parent | {"required": False}]))
    )
    assert optional.entity("Member").relations[0].target == "Member"


def test_a_loop_of_required_links_is_refused() -> None:
    back = {"field": "loan_id", "target": "Loan", "label": "Préstamo"}
    with pytest.raises(ValidationError, match=r"loop \(.*Loan.*Book.*\)"):
        AppSpec.model_validate(library(entities=_entities_with(0, relations=[back])))
    AppSpec.model_validate(library(entities=_entities_with(0, relations=[back | {"required": False}])))


def test_json_schema_is_exported_for_model_output() -> None:
    schema = appspec_json_schema()
    assert schema["title"] == "AppSpec"
    assert {"entities", "pages", "language", "theme"} <= set(schema["properties"])
    json.dumps(schema)


def test_features_split_into_what_is_built_and_what_is_only_stubbed() -> None:
    spec = AppSpec.model_validate(library(features=["auth", "search", "file_upload", "export"]))
    assert spec.built_features == ("auth", "search", "export")
    assert spec.stubbed_features == ("file_upload",)
    assert spec.features == ("auth", "search", "file_upload", "export")  # what was asked, kept whole
    plain = AppSpec.model_validate(library(features=["search"]))
    assert (plain.built_features, plain.stubbed_features) == (("search",), ())


def test_points_and_invitations_are_built_only_with_accounts() -> None:
    spec = AppSpec.model_validate(library(features=["auth", "points"]))
    assert spec.points and spec.built_features == ("auth", "points")
    alone = AppSpec.model_validate(library(features=["search", "points", "invites"]))
    assert not alone.points and not alone.invites
    assert alone.built_features == ("search",)  # nor points nobody can earn, nor invitations to nothing


def test_an_entity_that_takes_votes_keeps_vote_count_for_itself() -> None:
    from autocrea.domain.appspec import EntitySpec, FieldSpec

    def idea(*fields: FieldSpec) -> EntitySpec:
        return EntitySpec(
            name="Idea", table="ideas", label="Idea", label_plural="Ideas", fields=fields,
            display_field="title", votes=True,
        )  # fmt: skip

    title = FieldSpec(name="title", type="string", label="Title")
    assert idea(title).votes
    with pytest.raises(ValueError, match="vote_count"):
        idea(title, FieldSpec(name="vote_count", type="integer", label="Votes"))


_HOME = {"path": "/", "title": "Inicio", "kind": "home"}


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ({"path": "/form", "title": "x", "kind": "form"}, "form pages name an entity"),
        (
            {"path": "/dashboard", "title": "x", "kind": "dashboard", "entity": "Book"},
            "dashboard pages name no entity",
        ),
        (
            {"path": "/contact", "title": "x", "kind": "contact", "entity": "Book"},
            "contact pages name no entity",
        ),
        ({"path": "/form", "title": "x", "kind": "form", "entity": "Nope"}, "unknown entity"),
        (
            {"path": "/form", "title": "x", "kind": "survey", "entity": "Book"},
            "literal_error|Input should be",
        ),
    ],
)
def test_bad_form_pages_are_refused(page: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AppSpec.model_validate(library(pages=[_HOME, page]))


def test_a_form_page_and_a_home_page_with_its_form_name_their_entity() -> None:
    pages = [
        {"path": "/", "title": "Inicio", "kind": "home", "entity": "Book"},
        {"path": "/proponer", "title": "Proponer un libro", "kind": "form", "entity": "Book"},
        {"path": "/contacto", "title": "Contacto", "kind": "contact"},
    ]
    spec = AppSpec.model_validate(library(pages=pages))
    assert [(p.kind, p.entity) for p in spec.pages] == [("home", "Book"), ("form", "Book"), ("contact", None)]
    assert AppSpec.model_validate_json(spec.to_json()) == spec


def _with_chat(features: list[str], page: bool) -> dict[str, Any]:
    spec = library()
    spec["features"] = features
    if page:
        spec["pages"] = [*spec["pages"], {"path": "/chat", "title": "Chat", "kind": "chat"}]
    return spec


def test_a_chat_and_its_page_go_together() -> None:
    community = AppSpec.model_validate(_with_chat(["chat"], page=True))
    assert community.chat == "community" and "chat" in community.built_features
    support = AppSpec.model_validate(_with_chat(["auth", "support_chat"], page=True))
    assert support.chat == "support"
    assert AppSpec.model_validate(library()).chat is None
    with pytest.raises(ValidationError, match="chat page"):
        AppSpec.model_validate(_with_chat(["chat"], page=False))
    with pytest.raises(ValidationError, match="chat page"):
        AppSpec.model_validate(_with_chat([], page=True))


@pytest.mark.parametrize("table", ["chat", "chat_messages", "chat_conversations"])
def test_the_chat_tables_are_reserved(table: str) -> None:
    spec = library()
    spec["entities"][1]["table"] = table
    with pytest.raises(ValidationError, match="reserved"):
        AppSpec.model_validate(spec)
