"""The architect reads long prose: actions, states, qualities and the business itself are no records.

The wordings here are written for these tests (not taken from bench/descriptions or WebGen-Bench);
the architect is measured on bench/descriptions/prose.jsonl by bench/architect_eval.py --data.
"""

from __future__ import annotations

import pytest

from autocrea.blueprint.architect import design


def _names(prompt: str) -> list[str]:
    return [e.name for e in design(prompt).spec.entities]


def test_a_bare_noun_of_an_action_in_a_list_of_functions_keeps_what_it_acts_on() -> None:
    prompt = (
        "A website for a pottery studio. The website should have functionalities for kiln scheduling, "
        "glaze identification and firing confirmation."
    )
    assert _names(prompt) == ["Kiln", "Glaze", "Firing"]


def test_in_spanish_the_action_before_de_and_a_plural_is_no_record() -> None:
    prompt = (
        "Web de una cestería. La web debe tener funcionalidades para la venta de cestas, la recogida de "
        "encargos y la emisión de vales."
    )
    names = _names(prompt)
    assert names[:2] == ["Cesta", "Encargo"]
    assert "Sale" not in names  # "la venta" is what is done with the baskets


def test_a_singular_noun_with_of_and_a_plural_names_what_is_done_with_them() -> None:
    prompt = "A bakery site where customers order cakes and choose the handling of deliveries."
    names = _names(prompt)
    assert "Delivery" in names and "Handling" not in names


@pytest.mark.parametrize(
    ("prompt", "names"),
    [
        # plural: it counts records again
        (
            "A pottery site. It should support kiln reservations and glaze orders.",
            ["KilnReservation", "GlazeOrder"],
        ),
        # one mass noun among records is no action: only beside other actions would it be one
        ("Care home: residents, rooms and medication", ["Resident", "Room", "Medication"]),
    ],
)
def test_nouns_of_actions_that_count_or_stand_among_records_stay_things(
    prompt: str, names: list[str]
) -> None:
    assert _names(prompt) == names


@pytest.mark.parametrize(
    ("prompt", "names"),
    [
        (
            "A repair desk app with tickets. Staff should be able to view open tickets, closed tickets and "
            "escalated tickets.",
            ["Ticket"],
        ),
        (
            "Una app para el servicio técnico con incidencias. El equipo debe poder ver las incidencias "
            "abiertas y las incidencias resueltas.",
            ["Incidencia", "Team"],
        ),
    ],
)
def test_records_in_a_state_are_a_view_of_those_records(prompt: str, names: list[str]) -> None:
    assert _names(prompt) == names


def test_a_participle_that_says_what_listed_records_are_stays_in_their_name() -> None:
    assert _names("Seed library: borrowed seeds, members and harvests") == [
        "BorrowedSeed",
        "Member",
        "Harvest",
    ]


def test_a_log_of_things_named_elsewhere_is_those_things() -> None:
    prompt = (
        "A ferry company app to manage crossings and passengers. "
        "The crew should be able to create crossing logs."
    )
    assert _names(prompt) == ["Crossing", "Passenger"]
    # a log of something named nowhere else is a record of its own
    assert _names("Boat app: fuel logs, trips and repairs") == ["FuelLog", "Trip", "Repair"]


def test_formats_sizes_and_types_are_choices_not_tables() -> None:
    prompt = (
        "A print shop site. Customers should be able to order posters and select paper sizes "
        "and finish types."
    )
    assert _names(prompt) == ["Customer", "Poster"]


def test_a_bare_word_joined_to_a_compound_shares_its_head() -> None:
    names = _names("A site for a firm that provides audit and tax advisory services to clients.")
    assert names == ["TaxAdvisoryService", "Client"]  # no "Audit": it qualifies the services too


def test_a_bare_noun_refers_back_to_the_compound_named_before_it() -> None:
    prompt = (
        "A dispatch app to manage ambulance calls. Operators should be able to view calls and answer calls."
    )
    assert _names(prompt) == ["AmbulanceCall", "Operator"]


def test_the_business_a_site_is_for_is_no_record() -> None:
    prompt = (
        "Please build a website for a bicycle courier company. Couriers should be able to record deliveries "
        "and invoices."
    )
    assert _names(prompt) == ["Courier", "Delivery", "Invoice"]


def test_what_a_list_is_sorted_by_are_fields_of_its_records() -> None:
    prompt = (
        "A plumbing app to manage jobs and plumbers. "
        "Users should be able to sort jobs by urgency and district."
    )
    assert _names(prompt) == ["Job", "Plumber"]


def test_in_spanish_what_a_list_is_filtered_by_are_fields_too() -> None:
    prompt = (
        "Una app para gestionar bicicletas y talleres. "
        "Los usuarios deben poder filtrar bicicletas por marca y barrio."
    )
    assert _names(prompt) == ["Bicicleta", "Workshop"]  # no "Area": the neighbourhood is a field


def test_a_gerund_that_names_a_kind_stays_inside_the_compound() -> None:
    prompt = (
        "A firm that provides safety and first aid training courses. Staff should be able to manage trainers."
    )
    names = _names(prompt)
    assert "Safety" not in names and any(n.endswith("Course") for n in names)
