"""A Spanish app is Spanish everywhere its user looks, an English app English: the integration notes
of the home page and README, the run notes and the API's validation messages. Fast checks on the
rendered text; test_render_generated_language.py boots the apps."""

from __future__ import annotations

import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.integrations import in_language
from autocrea.blueprint.lexicon import lexicon
from autocrea.blueprint.render import render_project
from autocrea.domain.appspec import IntegrationSpec


def test_the_stub_note_of_a_spanish_job_board_is_spanish() -> None:
    # No field of the app holds a CV, so the upload it asks for is a stub, said in Spanish.
    blueprint = design("Portal de empleo donde los candidatos suben su CV en PDF")
    files = render_project(blueprint.spec)
    for text in (files["app/templates/index.html"], files["README.md"]):
        assert "Subida de ficheros" in text
        assert "sin almacenamiento de subidas; no se pueden adjuntar ficheros" in text
        assert "pedido como «pdf»" in text
    assert any(note.startswith("Subida de ficheros → no incluido") for note in blueprint.notes)


def test_the_stub_note_of_an_english_job_board_stays_english() -> None:
    blueprint = design("A job board where candidates upload their CV as a PDF")
    home = render_project(blueprint.spec)["app/templates/index.html"]
    assert "File uploads" in home
    assert "no upload storage; files cannot be attached" in home
    assert "asked for as &#34;upload&#34;" in home


@pytest.mark.parametrize(
    ("prompt", "requested", "provided"),
    [
        ("API REST con MongoDB", "MongoDB", "SQLite con SQLAlchemy (DATABASE_URL cambia a PostgreSQL)"),
        (
            "Dashboard con gráficos en tiempo real",
            "Actualizaciones en tiempo real",
            "las listas y el panel se actualizan en cuanto cambian los datos",
        ),
        (
            "Tienda de bicicletas con productos con precio y pagos con PayPal",
            "PayPal",
            "Stripe Checkout en lugar de PayPal",
        ),
        ("El juego del ahorcado con jugadores y partidas", "Juego", "«juego» en sí necesita un modelo"),
    ],
)
def test_spanish_prompts_get_spanish_integration_notes(prompt: str, requested: str, provided: str) -> None:
    spec = design(prompt).spec
    shown = [in_language(i, spec.language) for i in spec.integrations]
    assert any(i.requested == requested and provided in i.provided for i in shown), shown


def test_every_integration_text_has_its_spanish() -> None:
    for rule in lexicon().integrations:
        texts = {rule.provided: rule.provided_es, rule.otherwise: rule.otherwise_es}
        for english, spanish in texts.items():
            if not english:
                continue
            integration = IntegrationSpec(requested=rule.requested, kind="stub", provided=english)
            assert spanish and in_language(integration, "es").provided == spanish, rule
            assert in_language(integration, "en") == integration


def test_a_text_no_rule_has_is_shown_as_written() -> None:
    written = IntegrationSpec(requested="Pagos con Stripe", kind="stub", provided="Checkout simulado.")
    assert in_language(written, "es") == written


@pytest.mark.parametrize(
    ("prompt", "required", "too_long", "invalid"),
    [
        (
            "Blog con CMS y autenticación",
            "Este campo es obligatorio.",
            "Usa como máximo {max_length} caracteres.",
            "Este valor no es válido.",
        ),
        (
            "A blog with posts",
            "This field is required.",
            "Use at most {max_length} characters.",
            "This value is not valid.",
        ),
    ],
)
def test_the_error_handler_words_validation_errors_in_the_app_language(
    prompt: str, required: str, too_long: str, invalid: str
) -> None:
    errors = render_project(design(prompt).spec)["app/errors.py"]
    assert f'"missing": "{required}",' in errors
    assert f'"string_too_long": "{too_long}",' in errors
    assert f'INVALID_MESSAGE = "{invalid}"' in errors
