"""Which engine makes a change: the model asked for (checked as a generation's), else the project's
builder while the user can still use it, else the Blueprint."""

from __future__ import annotations

import pytest

from autocrea.errors import InvalidInput, ProviderNotConfigured
from autocrea.jobs.changes import change_model
from autocrea.storage.tables import Project

MODEL = "openai:gpt-4o-mini"


class Keys:
    """The user's usable models, as `check_model_for_user` would find them; records what it checked."""

    def __init__(self, *usable: str) -> None:
        self.usable = set(usable) | {"blueprint"}
        self.checked: list[str] = []

    async def __call__(self, spec: str) -> None:
        self.checked.append(spec)
        if spec not in self.usable:
            raise ProviderNotConfigured(f"{spec} needs a key: check OPENAI_API_KEY")


def built_by(model: str) -> Project:
    return Project(id="p", user_id="u", name="Todo", slug="todo", prompt="a todo app", model=model)


async def test_a_named_model_is_checked_and_used_or_refused() -> None:
    assert await change_model(MODEL, project=built_by("blueprint"), check_model=Keys(MODEL)) == MODEL
    assert await change_model(" blueprint ", project=built_by(MODEL), check_model=Keys()) == "blueprint"
    with pytest.raises(ProviderNotConfigured, match="OPENAI_API_KEY"):
        await change_model(MODEL, project=built_by(MODEL), check_model=Keys())


async def test_without_one_the_projects_builder_while_usable_else_the_blueprint() -> None:
    assert await change_model(None, project=built_by(MODEL), check_model=Keys(MODEL)) == MODEL
    assert await change_model("", project=built_by(MODEL), check_model=Keys(MODEL)) == MODEL
    keys = Keys()  # the key is gone
    assert await change_model(None, project=built_by(MODEL), check_model=keys) == "blueprint"
    assert keys.checked == [MODEL]
    offline = built_by(f"built offline: {MODEL} failed (its answers were not in the required format)")
    keys = Keys(MODEL)
    assert await change_model(None, project=offline, check_model=keys) == "blueprint"
    assert keys.checked == []  # not a model name: nothing to check
    assert await change_model(None, project=built_by("blueprint"), check_model=Keys()) == "blueprint"


async def test_an_unknown_model_name_is_refused_as_for_a_generation() -> None:
    async def strict(spec: str) -> None:
        raise InvalidInput(f"unknown model {spec!r}")

    with pytest.raises(InvalidInput, match="unknown model"):
        await change_model("gpt-5", project=built_by("blueprint"), check_model=strict)
