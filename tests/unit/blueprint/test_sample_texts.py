"""Sample titles and texts read like content about the app's subject, never like "Sample article 1",
in the app's language; the vocabulary is complete for both languages."""

from __future__ import annotations

import re

import pytest

from autocrea.blueprint import sample_texts
from autocrea.blueprint.architect import design
from autocrea.blueprint.sample_texts import _vocabulary
from autocrea.blueprint.samples import sample_records
from autocrea.domain.appspec import AppSpec

_PLACEHOLDER = re.compile(r"\bsample\b|\bde ejemplo\b|\b(record|registro)\b \d|\{|\}", re.IGNORECASE)


def _rows(prompt: str) -> dict[str, list[dict[str, object]]]:
    spec = design(prompt).spec
    return {t.entity.name: [dict(r) for r in t.rows] for t in sample_records(spec)}


def _texts(spec: AppSpec) -> list[str]:
    """Every title and prose value of the sample rows."""
    out: list[str] = []
    for table in sample_records(spec):
        for row in table.rows:
            for field in table.entity.fields:
                value = row[field.name]
                if field.type in ("string", "text") and isinstance(value, str):
                    out.append(value)
    return out


@pytest.mark.parametrize(
    ("prompt", "domain"),
    [
        ("A technical website with articles and solutions to software problems", "technology"),
        ("Web de una consultoría de liderazgo con talleres y un blog", "business"),
        ("A poetry blog where users post poems and comment", "literature"),
        ("Un recetario con recetas y comentarios", "food"),
        ("An app to track my stock investments and budget", "finance"),
        ("A to-do list with projects and tasks", "general"),
    ],
)
def test_the_description_picks_the_topics(prompt: str, domain: str) -> None:
    vocabulary = _vocabulary()["domains"][domain]
    language = "es" if prompt.split()[0] in ("Web", "Un") else "en"
    assert sample_texts.topics(prompt, language) == tuple(vocabulary[language])
    assert sample_texts.has_domain(prompt) == (domain != "general")


def test_titles_follow_the_kind_of_record_and_texts_the_same_topic() -> None:
    rows = _rows("A technical website to browse technical articles, search solutions and workshops")
    article = rows["TechnicalArticle"][0]
    assert article["title"] == "A practical guide to network troubleshooting"
    assert "network troubleshooting" in str(article["content"])
    workshop = rows["Workshop"][0]["title"]
    assert workshop.endswith("essentials") or workshop.startswith("Introduction to"), workshop
    poems = _rows("A poetry blog with poems and comments on poems")
    assert poems["Poem"][0]["title"] == "Autumn evenings"
    assert "\n" in str(poems["Poem"][0]["content"])  # verses, not an essay
    assert poems["Comment"][0]["content"] == "Loved this, thank you for sharing!"


def test_a_description_without_a_subject_names_things_after_themselves() -> None:
    rows = _rows("A shop that sells bikes")
    assert rows["Bike"][0]["name"] == "Classic bike"
    assert "bikes" in str(rows["Bike"][0]["description"])
    tasks = _rows("Una lista de tareas")["Task"]
    assert tasks[0]["title"] == "Preparar el informe mensual"


@pytest.mark.parametrize(
    "prompt",
    [
        "Please implement a technical website to display technical information and solutions.",
        "A consulting business website with workshops, online classes, podcasts and blogs",
        "Un blog de recetas con comentarios y valoraciones",
        "A library system with books, members and loans",
        "An event site with talks, speakers and tickets",
        "Una tienda de mascotas con productos y pedidos",
    ],
)
def test_no_sample_value_reads_as_a_placeholder(prompt: str) -> None:
    spec = design(prompt).spec
    texts = _texts(spec)
    assert texts
    placeholders = [t for t in texts if _PLACEHOLDER.search(t)]
    assert not placeholders, placeholders
    for table in sample_records(spec):  # titles differ between rows
        titles = [row[table.entity.display_field] for row in table.rows]
        assert len(set(titles)) == len(titles), titles


def test_the_vocabulary_is_complete_in_both_languages() -> None:
    vocabulary = _vocabulary()
    for name, domain in vocabulary["domains"].items():
        for language in ("es", "en"):
            topics = domain[language]
            assert len(set(topics)) == len(topics) >= 6, name
    for section in ("titles", "texts"):
        for name, kind in vocabulary[section].items():
            for language in ("es", "en"):
                templates = kind[language]
                assert len(set(templates)) == len(templates), name
                assert len(templates) == 1 or len(templates) >= 6, name
                for template in templates:  # only the known placeholders
                    template.format(topic="t", Topic="T", label="l", Label="L")


def test_stocks_are_listed_companies_and_messages_have_real_subjects() -> None:
    stocks = _rows("A portfolio tracker for my stocks with name, symbol, market and price")["Stock"]
    assert (stocks[0]["name"], stocks[0]["symbol"], stocks[0]["market"]) == ("Apple Inc.", "AAPL", "NASDAQ")
    assert len({row["symbol"] for row in stocks}) == len(stocks)
    messages = _rows("A landing page with a contact form")["ContactMessage"]
    assert messages[0]["subject"] == "Question about opening hours"
