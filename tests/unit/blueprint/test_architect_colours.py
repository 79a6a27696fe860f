"""Theme colours from the prompt: roles, multi-word CSS names, Spanish names, readable text."""

from __future__ import annotations

import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.colours import contrast, text_for
from autocrea.domain.appspec import ThemeSpec


def _theme(colour_sentence: str) -> ThemeSpec:
    return design(f"A library with books and loans. {colour_sentence}").spec.theme


@pytest.mark.parametrize(
    ("sentence", "background", "primary"),
    [
        ("Set the background color to white and the component color to navy.", "white", "navy"),
        ("Use ivory for the background and forest green for components.", "ivory", "forest green"),
        ("Apply mint cream as the background; style all components with teal.", "mint cream", "teal"),
        ("Define the background as ghost white and components as slate gray.", "ghost white", "slate gray"),
        ("Style pages with a light cyan background and cadet blue components.", "light cyan", "cadet blue"),
        ("Set primary background to mint cream and elements to teal.", "mint cream", "teal"),
        ("Apply light goldenrod for layout; use olive drab for buttons.", "light goldenrod", "olive drab"),
        ("Use a light sky blue background with dark slate blue tabs.", "light sky blue", "dark slate blue"),
        ("Initialize the background with whitesmoke, components with dark cyan.", "whitesmoke", "dark cyan"),
        ("Fondo blanco y botones azul marino.", "blanco", "azul marino"),
        ("Con fondo negro y color principal verde bosque.", "negro", "verde bosque"),
        ("Quiero los colores azul y blanco.", "blanco", "azul"),
    ],
)  # fmt: skip
def test_roles_are_read_from_the_sentence(sentence: str, background: str, primary: str) -> None:
    theme = _theme(sentence)
    assert (theme.background_name, theme.primary_name) == (background, primary)


def test_hex_values_and_contrast_text() -> None:
    light = _theme("Use ivory for the background and forest green for components.")
    assert (light.background, light.primary, light.text) == ("#fffff0", "#228b22", "#0f172a")
    dark = _theme("Fondo negro y botones rojos.")
    assert (dark.background, dark.primary) == ("#000000", "#ff0000")
    assert dark.text == "#e2e8f0"
    assert dark.primary_name == "rojo"


def test_default_theme_without_colours() -> None:
    theme = _theme("It should be fast.")
    assert (theme.background, theme.primary, theme.text) == ("#0f172a", "#06b6d4", "#e2e8f0")
    assert theme.background_name is None and theme.primary_name is None


def test_colour_words_without_a_colour_context_paint_nothing() -> None:
    theme = design(
        "A trading post where merchants manage resources, including gold, iron, wood, and wheat."
    ).spec.theme
    assert theme.background == "#0f172a" and theme.background_name is None


def test_only_a_dark_primary_gets_a_light_background() -> None:
    theme = _theme("Make the buttons navy.")
    assert theme.primary == "#000080"
    assert theme.background == "#ffffff"
    assert contrast(theme.background, theme.text) > 7


def test_text_colour_reads_on_any_background() -> None:
    for background in ("#ffffff", "#000000", "#808080", "#ffff00", "#000080", "#0f172a"):
        assert contrast(background, text_for(background)) >= 4.5
