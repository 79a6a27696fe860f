"""Pure helpers that turn words from a prompt into identifiers, slugs and plurals."""

from __future__ import annotations

import keyword
import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def ascii_fold(text: str) -> str:
    """'Gráficos añadidos' -> 'Graficos anadidos'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def snake(text: str) -> str:
    """'Due Date' -> 'due_date'; 'FechaDePréstamo' -> 'fecha_de_prestamo'."""
    folded = ascii_fold(text)
    folded = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", folded).lower()
    out = _NON_WORD.sub("_", folded).strip("_")
    if not out:
        return "item"
    if out[0].isdigit():
        out = "n_" + out
    if keyword.iskeyword(out):
        out += "_"
    return out


def pascal(text: str) -> str:
    """'contact message' -> 'ContactMessage'."""
    return "".join(part.capitalize() for part in snake(text).split("_") if part) or "Item"


def slug(text: str, *, max_length: int = 48) -> str:
    """'Biblioteca Municipal!' -> 'biblioteca-municipal'."""
    out = _NON_WORD.sub("-", ascii_fold(text).lower()).strip("-")
    return (out[:max_length].rstrip("-")) or "app"


# Nouns with no plural of their own: a list of them is still "news", "equipment".
_UNCOUNTABLE_WORDS = """
data information news equipment software hardware feedback poetry music furniture advice research
staff series species media content evidence luggage baggage homework knowledge traffic weather
money inventory merchandise clothing jewelry jewellery livestock mail
"""
_UNCOUNTABLE_EN = frozenset(_UNCOUNTABLE_WORDS.split())


def plural_en(word: str) -> str:
    if word.lower() in _UNCOUNTABLE_EN:
        return word
    if word.endswith("is") and len(word) > 4:
        return word[:-2] + "es"  # analysis -> analyses, diagnosis -> diagnoses
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def plural_es(word: str) -> str:
    if word.endswith(("a", "e", "i", "o", "u", "á", "é", "ó")):
        return word + "s"
    if word.endswith("z"):
        return word[:-1] + "ces"
    if word.endswith(("ión", "ón")):
        return word[:-2] + "ones" if word.endswith("ón") else word + "es"
    return word + "es"


def plural(word: str, language: str) -> str:
    """Plural of the last word of a label in the given language ('es' or 'en')."""
    if language == "es":
        head, _, last = word.rpartition(" ")
        # Spanish compounds pluralise the head noun: 'mensaje de contacto' -> 'mensajes de contacto'.
        if " de " in f" {word} ":
            first, _, rest = word.partition(" ")
            return f"{plural_es(first)} {rest}"
        return f"{head} {plural_es(last)}".strip()
    head, _, last = word.rpartition(" ")
    return f"{head} {plural_en(last)}".strip()
