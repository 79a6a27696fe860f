"""Follow-up requests read as amendments of the app's spec, offline, in Spanish and English."""

from __future__ import annotations

import pytest

from autocrea.blueprint.amendment import (
    AddEntity,
    AddField,
    ChangeNotUnderstood,
    RemoveEntity,
    RemoveField,
    RenameEntity,
    RenameField,
    SetFeature,
    SetField,
    SetLanguage,
    SetTheme,
    SetTitle,
    amend,
    describe,
)
from autocrea.blueprint.architect import design
from autocrea.blueprint.request import read_request
from autocrea.domain.appspec import AppSpec


@pytest.fixture(scope="module")
def library() -> AppSpec:
    return design("Biblioteca con libros, socios y préstamos").spec


@pytest.fixture(scope="module")
def shop() -> AppSpec:
    return design("A bike shop with bikes, customers and repairs").spec


def test_a_field_is_added_to_the_entity_named(library: AppSpec) -> None:
    changes = read_request("añade un campo editorial a los libros", library)
    assert len(changes) == 1 and isinstance(changes[0], AddField)
    assert (changes[0].entity, changes[0].field.name, changes[0].field.type) == (
        "Book",
        "editorial",
        "string",
    )
    after = amend(library, changes)
    assert after.entity("Book").fields[-1].label == "Editorial"
    assert describe(library, changes[0]) == "añadir el campo Editorial a Libros"


def test_english_requests_and_known_fields_get_their_types(shop: AppSpec) -> None:
    changes = read_request("add a price and a purchase date to bikes", shop)
    assert [(c.field.name, c.field.type) for c in changes if isinstance(c, AddField)] == [
        ("price", "decimal"),
        ("purchase_date", "date"),
    ]


@pytest.mark.parametrize(
    ("request_text", "kind"),
    [
        ("quita el campo ISBN", RemoveField),
        ("elimina los préstamos", RemoveEntity),
        ("renombra socios a lectores", RenameEntity),
        ("renombra el campo autor de los libros a autora", RenameField),
        ("haz que el ISBN sea único", SetField),
        ("la fecha de publicación debe ser obligatoria", SetField),
        ("añade exportar a CSV", SetFeature),
        ("usa colores verde y blanco", SetTheme),
        ("cambia el título a 'Biblio del barrio'", SetTitle),
        ("pon la app en inglés", SetLanguage),
        ("añade autores con nombre y país", AddEntity),
    ],
)
def test_each_kind_of_change(library: AppSpec, request_text: str, kind: type) -> None:
    changes = read_request(request_text, library)
    assert [type(c) for c in changes] == [kind]
    after = amend(library, changes)  # always a valid spec
    assert after.to_json() != library.to_json()


def test_a_renamed_entity_keeps_its_identifiers_and_a_removed_one_its_links_go(library: AppSpec) -> None:
    renamed = amend(library, read_request("renombra socios a lectores", library))
    member = renamed.entity("Member")
    assert (member.label, member.label_plural, member.table) == ("Lector", "Lectores", "members")
    removed = amend(library, read_request("elimina los socios", library))
    assert "Member" not in [e.name for e in removed.entities]
    assert all(r.target != "Member" for e in removed.entities for r in e.relations)
    assert "/members" not in [p.path for p in removed.pages]


def test_switching_language_relabels_what_the_lexicon_knows(library: AppSpec) -> None:
    english = amend(library, read_request("pon la app en inglés", library))
    assert english.language == "en"
    assert english.entity("Book").label_plural == "Books"
    assert english.entity("Book").field("title").label == "Title"


@pytest.mark.parametrize(
    ("request_text", "reason"),
    [
        ("hazlo más bonito", "unknown"),
        ("   ", "empty"),
        ("quita el campo color de los socios", "not_found"),
        ("añade préstamos", "exists"),
        ("; ".join(["añade un campo x a los libros"] * 11), "too_many"),
    ],
)
def test_requests_the_engine_cannot_map_are_answered_plainly(
    library: AppSpec, request_text: str, reason: str
) -> None:
    with pytest.raises(ChangeNotUnderstood) as caught:
        amend(library, read_request(request_text, library))
    assert caught.value.details["reason"] == reason
    assert caught.value.message


def test_hostile_text_becomes_a_label_never_code(library: AppSpec) -> None:
    changes = read_request("añade un campo <script>alert(1)</script> a los libros", library)
    after = amend(library, changes)
    field = after.entity("Book").fields[-1]
    assert field.name.isidentifier() and "<" not in field.name


def test_removing_every_field_or_entity_is_refused(library: AppSpec) -> None:
    with pytest.raises(ChangeNotUnderstood):
        amend(library, [RemoveEntity(e.name) for e in library.entities])


@pytest.mark.parametrize(
    "request_text",
    [
        "add a /version endpoint that returns the app version",
        "add a button that sends an email to the members",
        "añade un botón que envíe un correo a los socios",
        "pon un pie de página con el teléfono",
    ],
)
def test_code_and_pages_are_a_model_s_job_not_new_records(request_text: str, library: AppSpec) -> None:
    # Before: the relative clause's verb or object became an entity ("Returns", "Email").
    with pytest.raises(ChangeNotUnderstood) as refused:
        read_request(request_text, library)
    assert refused.value.details["reason"] == "needs_model"
    assert "modelo" in refused.value.message or "model" in refused.value.message


def test_a_relative_clause_that_lists_attributes_keeps_them(library: AppSpec) -> None:
    changes = read_request("añade autores que tengan nombre y país", library)
    assert [c.entity.name for c in changes if isinstance(c, AddEntity)] == ["Author"]
    added = next(c.entity for c in changes if isinstance(c, AddEntity))
    assert {"name", "country"} <= {f.name for f in added.fields}


@pytest.mark.parametrize("request_text", ["añade inicio de sesión", "add user accounts with login"])
def test_accounts_can_be_switched_on_by_a_change(request_text: str, library: AppSpec) -> None:
    assert read_request(request_text, library) == [SetFeature(feature="auth", on=True)]


@pytest.mark.parametrize("request_text", ["añade subida de fotos", "add file uploads"])
def test_a_feature_only_stubbed_offline_is_refused_not_claimed(request_text: str, library: AppSpec) -> None:
    with pytest.raises(ChangeNotUnderstood) as refused:
        read_request(request_text, library)
    assert refused.value.details == {"reason": "needs_model", "features": ["file_upload"]}
    assert "No se ha cobrado nada" in refused.value.message  # the app's language: Spanish
