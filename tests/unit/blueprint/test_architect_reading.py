"""The architect reads a description's structure: the things it lists, in its own words.

The examples here are written for these tests; the architect is measured on unseen descriptions by
bench/architect_eval.py (a development half it was tuned on and a test half it was not).
"""

from __future__ import annotations

import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.reading import is_plural, singular_word
from autocrea.domain.appspec import AppSpec
from autocrea.errors import PromptRejected


def _labels(spec: AppSpec) -> list[str]:
    return [e.label for e in spec.entities]


@pytest.mark.parametrize(
    ("prompt", "labels"),
    [
        (
            "Kennel app: kennels, puppies, litters and vaccinations",
            ["Kennel", "Puppy", "Litter", "Vaccination"],
        ),
        ("An organiser with beehives, harvests and honey jars", ["Beehive", "Harvest", "Honey jar"]),
        ("Coro parroquial — cantores, ensayos, partituras", ["Cantor", "Ensayo", "Partitura"]),
        (
            "Gestión de un vivero: plantones, bandejas de siembra y encargos",
            ["Plantón", "Bandeja de siembra", "Encargo"],
        ),
        ("I want to log my climbs, the crags I visit and my partners", ["Climb", "Crag", "Partner"]),
    ],
)
def test_every_listed_thing_becomes_an_entity_in_the_users_words(prompt: str, labels: list[str]) -> None:
    assert _labels(design(prompt).spec)[: len(labels)] == labels


def test_a_concept_lends_its_fields_but_never_renames_the_users_word() -> None:
    spec = design("A bakery app to keep track of patrons and their purchases").spec
    patron = spec.entities[0]
    assert (patron.name, patron.label, patron.table) == ("Patron", "Patron", "patrons")
    assert "Purchase" in [e.name for e in spec.entities]


def test_attributes_are_fields_and_plural_items_after_with_are_records_of_their_own() -> None:
    spec = design("Ferretería: herramientas con stock, precio y proveedores").spec
    tool = spec.entities[0]
    assert tool.label == "Herramienta"
    assert tool.field("stock").type == "integer"  # a quantity here, not a stock-market share
    assert "Proveedor" in _labels(spec)
    assert "Stock" not in [e.name for e in spec.entities]


def test_a_languages_own_plurals_are_read_with_its_dictionary() -> None:
    assert [singular_word(w, "es") for w in ("Órdenes", "luces", "huéspedes", "canciones")] == [
        "Orden",
        "luz",
        "huésped",
        "canción",
    ]
    assert [singular_word(w, "en") for w in ("wineries", "knives", "children", "sales")] == [
        "winery",
        "knife",
        "child",
        "sale",
    ]
    assert not is_plural("análisis", "es") and not is_plural("business", "en")


@pytest.mark.parametrize(
    ("prompt", "language"),
    [
        ("Ich brauche eine Verwaltung für unseren Sportverein mit Mitgliedern und Beiträgen", "German"),
        ("Quero um sistema para a minha padaria com clientes e encomendas", "Portuguese"),
        ("Je voudrais une application pour gérer les adhérents de notre association", "French"),
    ],
)
def test_another_language_is_told_which_languages_are_understood(prompt: str, language: str) -> None:
    with pytest.raises(PromptRejected) as caught:
        design(prompt)
    assert caught.value.details == {"reason": "language", "language": language}
    assert "español o inglés" in caught.value.message and "Spanish and English" in caught.value.message


@pytest.mark.parametrize(
    "prompt",
    [
        "A unit converter for cooking",
        "Un cronómetro para mis entrenamientos",
        "A memory game with cards for kids",
    ],
)
def test_apps_that_keep_no_records_need_a_model_and_say_so(prompt: str) -> None:
    with pytest.raises(PromptRejected) as caught:
        design(prompt)
    assert caught.value.details["reason"] == "needs_model"
    assert "model" in caught.value.message or "modelo" in caught.value.message


def test_a_game_that_also_names_records_builds_them_and_stubs_the_game() -> None:
    spec = design("A poker game: players, tables and hands with the pot and the winner").spec
    assert {"Player", "Table", "Hand"} <= {e.label for e in spec.entities}
    stub = next(i for i in spec.integrations if i.requested == "Game")
    assert stub.kind == "stub" and "needs a model" in stub.provided


def test_descriptions_without_function_words_still_get_their_language() -> None:
    assert design("Regatta — boats, crews, races").spec.language == "en"
    assert design("Regata — barcos, tripulaciones, regatas").spec.language == "es"


def test_possessives_and_their_make_relations() -> None:
    spec = design("Pet sitting: pets and their keepers, a sitter's visits with date and notes").spec
    targets = {e.label: {r.target for r in e.relations} for e in spec.entities}
    names = {e.label: e.name for e in spec.entities}
    assert names["Keeper"] in targets["Pet"]  # "pets and their keepers": a pet has a keeper
    assert names["Sitter"] in targets["Visit"]  # "a sitter's visits"
    assert spec.entity(names["Sitter"]).label_plural == "Sitters"
    visit = spec.entity(names["Visit"])
    assert {"notes"} <= {f.name for f in visit.fields}


def test_a_sentence_that_opens_with_a_list_lists_things_and_each_counts() -> None:
    labels = _labels(design("Choir app. Singers, rehearsals and concerts; attendance at each show.").spec)
    assert labels[:3] == ["Singer", "Rehearsal", "Concert"]


@pytest.mark.parametrize(
    ("prompt", "labels"),
    [
        # a list of -ing actions names their objects, not "Marking task" or "Deleting task"
        (
            "A planner with functions for adding new chores, marking chores as done, deleting chores "
            "and searching chores.",
            ["Chore"],
        ),
        (
            "A site for browsing recipes, posting recipes, and commenting on recipes.",
            ["Recipe", "Comment"],  # commenting asks for comments
        ),
        # a colour sentence paints the page: its role words are not records
        (
            "A kennel app with dogs and owners. "
            "Give teal to the body backgrounds and coral to the main widgets.",
            ["Dog", "Owner"],
        ),
        # pages are named for what they show; a home page shows no records
        (
            "A club site with a home page, match pages and player pages.",
            ["Match", "Player"],
        ),
    ],
)
def test_actions_colours_and_pages_are_not_records(prompt: str, labels: list[str]) -> None:
    assert sorted(_labels(design(prompt).spec)) == sorted(labels)


def test_nominal_gerunds_still_name_things_and_adverbs_never_do() -> None:
    spec = design("A hotel system with guests, booking confirmations and training sessions.").spec
    assert {"Booking confirmation", "Training session", "Guest"} <= set(_labels(spec))
    spec = design("A tours app: tours and guides, and prices dynamically apply discounts.").spec
    assert not any(label.lower().startswith("dynamically") for label in _labels(spec))


def test_plural_labels_of_uncountable_and_latin_words() -> None:
    from autocrea.domain.naming import plural

    assert [plural(w, "en") for w in ("Analysis", "Financial data", "Poetry", "News", "Task")] == [
        "Analyses",
        "Financial data",
        "Poetry",
        "News",
        "Tasks",
    ]


@pytest.mark.parametrize(
    ("prompt", "names"),
    [
        ("A community site where members register, post tips and earn points", ["Member", "Tip"]),
        ("A site where players register and post scores", ["Player", "Score"]),
        ("An online store selling shoes", ["Shoe"]),
        ("A members register, with dues and payments", ["Member", "Due", "Payment"]),
    ],
)
def test_people_and_what_they_do_are_not_one_thing(prompt: str, names: list[str]) -> None:
    assert [e.name for e in design(prompt).spec.entities] == names


def test_a_word_after_a_modal_is_an_action_even_when_the_reader_does_not_know_it() -> None:
    names = [
        e.name
        for e in design("A portal where clients can initiate requests and upload documents").spec.entities
    ]
    assert "Request" in names and not any(n.startswith("Initiate") for n in names)


@pytest.mark.parametrize(
    ("prompt", "named", "not_named"),
    [
        ("A studio site allowing members to reserve rooms", "Room", "ReserveRoom"),
        ("A market where buyers can compare and purchase vouchers", "Voucher", "PurchaseVoucher"),
        ("A bank app where clients conduct transfers and see balances", "Transfer", "ConductTransfer"),
    ],
)
def test_actions_the_reader_does_not_know_are_still_actions(prompt: str, named: str, not_named: str) -> None:
    names = [e.name for e in design(prompt).spec.entities]
    assert named in names and not_named not in names, names
