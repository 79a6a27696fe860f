"""Every WebGen-Bench development prompt (and the seed prompts) designs to a valid, faithful AppSpec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autocrea.blueprint.architect import MAX_ENTITIES, design
from autocrea.blueprint.coverage import unmatched_entities
from autocrea.domain.appspec import AppSpec
from autocrea.domain.examples import SEED_EXAMPLES

DEVSET = Path(__file__).resolve().parents[4] / "shared" / "benchmarks" / "webgen-bench-instructions.jsonl"
SEEDS = (*SEED_EXAMPLES, "a library system with books, members and loans")


def _rows() -> list[tuple[str, str]]:
    if not DEVSET.exists():
        return []
    rows = [json.loads(line) for line in DEVSET.read_text().splitlines() if line.strip()]
    return [(str(r["id"]), str(r["instruction"])) for r in rows]


def _check(prompt: str) -> AppSpec:
    blueprint = design(prompt)
    spec = AppSpec.model_validate_json(blueprint.spec.model_dump_json())  # round-trips and re-validates
    assert 1 <= len(spec.entities) <= MAX_ENTITIES + 1  # a contact form may add its messages
    assert unmatched_entities(prompt, blueprint) == []
    assert len({e.table for e in spec.entities}) == len(spec.entities)
    assert spec.pages[0].path == "/"
    return spec


@pytest.mark.skipif(not DEVSET.exists(), reason="development set not present")
def test_all_devset_prompts_design_to_valid_specs_naming_the_prompts_nouns() -> None:
    rows = _rows()
    assert len(rows) == 101
    failures = []
    for ident, prompt in rows:
        try:
            _check(prompt)
        except (AssertionError, Exception) as exc:  # collect them all, report once
            failures.append(f"{ident}: {type(exc).__name__}: {exc}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("prompt", SEEDS)
def test_seed_prompts_design_to_valid_specs(prompt: str) -> None:
    _check(prompt)


@pytest.mark.skipif(not DEVSET.exists(), reason="development set not present")
def test_devset_colours_are_understood() -> None:
    rows = dict(_rows())
    expected = {
        "000001": ("white", "#ffffff", "navy", "#000080"),
        "000002": ("ivory", "#fffff0", "forest green", "#228b22"),
        "000003": ("mint cream", "#f5fffa", "teal", "#008080"),
        "000009": ("alice blue", "#f0f8ff", "steel blue", "#4682b4"),
        "000028": ("mint cream", "#f5fffa", "teal", "#008080"),  # "primary background" is a background
        "000070": ("light goldenrod", "#fafad2", "olive drab", "#6b8e23"),
        "000075": ("whitesmoke", "#f5f5f5", "dark cyan", "#008b8b"),
    }
    for ident, (bg_name, bg, primary_name, primary) in expected.items():
        theme = design(rows[ident]).spec.theme
        assert (theme.background_name, theme.background) == (bg_name, bg), ident
        assert (theme.primary_name, theme.primary) == (primary_name, primary), ident
        assert theme.text == "#0f172a", ident  # dark text on these light backgrounds
    # Every prompt but 000030 names a background and a component colour.
    assert design(rows["000030"]).spec.theme.background == "#0f172a"
    for ident, prompt in rows.items():
        if ident != "000030":
            theme = design(prompt).spec.theme
            assert theme.background_name and theme.primary_name, ident


# What the renderer builds; every other feature must come with a stub that says it is not built
# (uploads are built when a field can hold them: `AppSpec.upload_fields`).
RENDERED = frozenset(
    {"search", "filters", "dashboard", "contact_form", "payments", "export", "realtime", "auth"}
)
STUB_FOR = {"file_upload": "File uploads"}


def _unkept_promises(prompt: str) -> list[str]:
    spec = design(prompt).spec
    stubs = {i.requested for i in spec.integrations if i.kind == "stub"}
    built = set(RENDERED) | set(spec.built_features)
    missing = [f for f in spec.features if f not in built and STUB_FOR.get(f) not in stubs]
    return [f"{feature}: neither rendered nor stubbed" for feature in missing]


@pytest.mark.skipif(not DEVSET.exists(), reason="development set not present")
def test_every_devset_feature_is_rendered_or_recorded_as_a_stub() -> None:
    prompts = [prompt for _, prompt in _rows()] + list(SEEDS)
    failures = {prompt[:60]: problems for prompt in prompts if (problems := _unkept_promises(prompt))}
    assert failures == {}


@pytest.mark.parametrize("prompt", SEEDS)
def test_every_seed_feature_is_rendered_or_recorded_as_a_stub(prompt: str) -> None:
    assert _unkept_promises(prompt) == []
