"""The unseen description set and its scorer's matcher; never runs the architect."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from bench.architect_eval import (
    DATA,
    KEYS,
    KINDS,
    half,
    load,
    named_things,
    singular,
    thing_matches,
    wrong_senses,
)


@dataclass(frozen=True)
class Entity:
    name: str
    label: str
    label_plural: str


def test_every_line_is_json_with_the_keys() -> None:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    for line in lines:
        raw = json.loads(line)
        assert set(raw) == set(KEYS), raw
        assert raw["kind"] in KINDS
        assert isinstance(raw["things"], list)
        assert isinstance(raw["not_entities"], list)
        assert 0 < len(raw["text"]) < 600
    assert len(lines) == len(load())


def test_ids_are_unique_and_in_order() -> None:
    ids = [item.id for item in load()]
    assert len(ids) == len(set(ids))
    assert ids == [f"u{n:03d}" for n in range(1, len(ids) + 1)]


def test_records_are_many_in_both_languages_and_list_lower_case_things() -> None:
    items = load()
    records = [i for i in items if i.kind == "records"]
    assert len(records) >= 230
    by_lang = Counter(i.lang for i in records)
    assert by_lang["en"] >= 100
    assert by_lang["es"] >= 100
    for item in records:
        assert item.things, item.id
        assert len(set(item.things)) == len(item.things), item.id
        for thing in (*item.things, *item.not_entities):
            assert thing == thing.lower() == thing.strip(), (item.id, thing)
    for item in items:
        if item.kind != "records":
            assert item.things == (), item.id


def test_the_split_is_fixed_and_roughly_even() -> None:
    items = load()
    assert half("u001") == half("u001")
    share = sum(half(i.id) == "dev" for i in items) / len(items)
    assert 0.4 <= share <= 0.6
    records = [i for i in items if i.kind == "records"]
    share = sum(i.half == "dev" for i in records) / len(records)
    assert 0.4 <= share <= 0.6


def test_light_singulars() -> None:
    assert singular("harvests", "en") == "harvest"
    assert singular("categories", "en") == "category"
    assert singular("boxes", "en") == "box"
    assert singular("classes", "en") == "class"
    assert singular("reparaciones", "es") == "reparacion"
    assert singular("voces", "es") == "voz"
    assert singular("profesores", "es") == "profesor"
    assert singular("clientes", "es") == "cliente"


def test_an_english_thing_matches_on_its_last_word() -> None:
    entity = Entity("HoneyHarvest", "Honey harvest", "Honey harvests")
    assert thing_matches("honey harvest", entity, "en")
    assert thing_matches("harvest", entity, "en")
    assert not thing_matches("hive", entity, "en")
    # the name alone is enough when the labels say something else
    assert thing_matches("booking", Entity("Booking", "Reservation", "Reservations"), "en")


def test_a_spanish_thing_matches_on_its_first_word_without_accents() -> None:
    entity = Entity("WorkOrder", "Orden de trabajo", "Órdenes de trabajo")
    assert thing_matches("orden de trabajo", entity, "es")
    assert not thing_matches("trabajo", Entity("Order", "Orden", "Órdenes"), "es")
    assert thing_matches("préstamo", Entity("Loan", "Prestamo", "Prestamos"), "es")
    assert thing_matches("lista de la compra", Entity("ShoppingList", "Lista", "Listas"), "es")
    assert thing_matches("sanción", Entity("Penalty", "Sanciones", "Sanciones"), "es")


def test_all_content_words_in_the_label_also_match() -> None:
    entity = Entity("Item", "Budget item", "Budget items")
    assert thing_matches("item", entity, "en")
    # head differs ("score" vs the label's words) but every content word is in the label
    assert thing_matches("box score", Entity("Stat", "Score of the box", "Box stats"), "en")


def test_named_things_and_wrong_senses() -> None:
    entities = [
        Entity("Product", "Product", "Products"),
        Entity("Stock", "Stock", "Stock"),
        Entity("Supplier", "Supplier", "Suppliers"),
    ]
    things = ["product", "supplier", "purchase order"]
    assert named_things(things, entities, "en") == ["product", "supplier"]
    assert wrong_senses(things, ["stock quantity", "price"], entities, "en") == ["Stock"]
    # an entity that matches an expected thing is never a wrong sense
    assert (
        wrong_senses(["price list"], ["price"], [Entity("PriceList", "Price list", "Price lists")], "en")
        == []
    )
