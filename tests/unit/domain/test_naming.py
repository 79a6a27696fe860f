import pytest

from autocrea.domain.naming import ascii_fold, pascal, plural, slug, snake


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Due Date", "due_date"),
        ("FechaDePréstamo", "fecha_de_prestamo"),
        ("2048 game", "n_2048_game"),
        ("class", "class_"),
        ("¡¡!!", "item"),
    ],
)
def test_snake(text: str, expected: str) -> None:
    assert snake(text) == expected


def test_pascal_slug_fold() -> None:
    assert pascal("contact message") == "ContactMessage"
    assert slug("Biblioteca Municipal!") == "biblioteca-municipal"
    assert slug("¿?") == "app"
    assert ascii_fold("Gráficos añadidos") == "Graficos anadidos"


@pytest.mark.parametrize(
    ("word", "language", "expected"),
    [
        ("book", "en", "books"),
        ("category", "en", "categories"),
        ("box", "en", "boxes"),
        ("day", "en", "days"),
        ("libro", "es", "libros"),
        ("canción", "es", "canciones"),
        ("lápiz", "es", "lápices"),
        ("mensaje de contacto", "es", "mensajes de contacto"),
        ("usuario", "es", "usuarios"),
        ("red", "es", "redes"),
    ],
)
def test_plural(word: str, language: str, expected: str) -> None:
    assert plural(word, language) == expected
