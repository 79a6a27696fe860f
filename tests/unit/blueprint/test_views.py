"""Views: a list the description names by a state of its records is a menu link to that list,
filtered so, never a table of its own; a change to the app keeps only the views that still filter."""

from __future__ import annotations

import re

import pytest

from autocrea.blueprint.amendment import amend
from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_frontend
from autocrea.blueprint.request import read_request
from autocrea.domain.appspec import AppSpec, ViewSpec


def _views(spec: AppSpec) -> list[tuple[str, str, str, str]]:
    return [(v.title, v.entity, v.field, v.value) for v in spec.views]


@pytest.mark.parametrize(
    ("prompt", "entities", "views"),
    [
        (
            "A call logging system: users create call logs, view open calls and view to-do calls.",
            ["Call"],
            [("Open calls", "Call", "status", "Open"), ("To-do calls", "Call", "status", "To do")],
        ),
        (
            "Una app de tareas donde veo las tareas pendientes y las tareas completadas",
            ["Task"],
            [
                ("Tareas pendientes", "Task", "completed", "false"),
                ("Tareas completadas", "Task", "completed", "true"),
            ],
        ),
        (  # a state the status did not have becomes one of its choices
            "A helpdesk with tickets; agents see closed tickets",
            ["Ticket", "Agent"],
            [("Closed tickets", "Ticket", "status", "Closed")],
        ),
        ("A to-do list app with tasks and projects", ["Project", "Task"], []),
        (
            "A tracker for open source projects and their contributors",
            ["OpenSourceProject", "Contributor"],
            [],
        ),
    ],
)
def test_a_list_named_by_a_state_is_a_view_not_a_table(
    prompt: str, entities: list[str], views: list[tuple[str, str, str, str]]
) -> None:
    blueprint = design(prompt)
    spec = blueprint.spec
    assert sorted(e.name for e in spec.entities) == sorted(entities)
    assert _views(spec) == views
    for _title, entity, field, value in views:
        column = spec.entity(entity).field(field)
        assert value in (column.choices if column.type == "enum" else ("true", "false"))
    if views:  # the log says what became of the words
        assert any(v[0] in note for note in blueprint.notes for v in views)


def test_views_are_menu_links_after_their_list() -> None:
    spec = design("A call logging system: users create call logs, view open calls and view to-do calls.").spec
    page = render_frontend(spec)["app/templates/index.html"]
    links = re.findall(r'<li><a href="([^"]+)"[^>]*>([^<]+)</a></li>', page)
    assert links[1:4] == [
        ("/calls", "Calls"),
        ("/calls?status=Open", "Open calls"),
        ("/calls?status=To+do", "To-do calls"),
    ]


def test_a_view_must_filter_by_a_value_its_field_can_take() -> None:
    spec = design("A helpdesk with tickets; agents see closed tickets").spec
    data = spec.model_dump()
    good = ViewSpec(title="Closed", entity="Ticket", field="status", value="Closed").model_dump()
    AppSpec.model_validate({**data, "views": [good]})
    for bad, reason in (
        ({**good, "entity": "Nope"}, "unknown entity"),
        ({**good, "field": "code"}, "not an enum"),
        ({**good, "value": "Nonsense"}, "not a value"),
    ):
        with pytest.raises(ValueError, match=reason):
            AppSpec.model_validate({**data, "views": [bad]})


def test_a_change_keeps_only_the_views_that_still_filter() -> None:
    spec = design("Una app de tareas y proyectos donde veo las tareas pendientes").spec
    assert _views(spec) == [("Tareas pendientes", "Task", "completed", "false")]
    renamed = amend(spec, read_request("añade una fecha de entrega a los proyectos", spec))
    assert renamed.views == spec.views
    gone = amend(spec, read_request("elimina las tareas", spec))
    assert gone.views == ()
