"""The architect's YAML vocabulary is complete and every concept makes a valid entity."""

from __future__ import annotations

from typing import get_args

import pytest
import yaml

from autocrea.blueprint import integrations
from autocrea.blueprint.entities import draft_for
from autocrea.blueprint.lexicon import DATA_DIR, lexicon
from autocrea.blueprint.render import RENDERED_FEATURES
from autocrea.blueprint.text import tokenize
from autocrea.domain.appspec import STUBBED_FEATURES, EntitySpec, Feature, Language


def test_lexicon_loads_and_is_cached() -> None:
    assert lexicon() is lexicon()
    assert 80 <= len(lexicon().concepts) <= 200


def test_all_148_css_colour_names_are_known() -> None:
    css = yaml.safe_load((DATA_DIR / "colours.yml").read_text())["css"]
    assert len(css) == 148
    index = lexicon().colour_index
    for name, hexa in css.items():
        for spelling in (name, name.replace(" ", "")):
            found = index.find(tokenize(spelling))
            assert [m.value.hex for m in found] == [hexa], spelling


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_concept_makes_a_valid_entity(language: Language) -> None:
    lex = lexicon()
    tables: set[str] = set()
    for name in lex.concepts:
        draft = draft_for(name, lex, {}, language)
        entity = EntitySpec(
            name=draft.name,
            table=draft.table,
            label=draft.label,
            label_plural=draft.label_plural,
            fields=tuple(draft.fields),
            display_field=draft.display,
        )
        assert entity.name == name
        assert entity.table not in tables, entity.table
        tables.add(entity.table)
        assert entity.label_plural != entity.label or name in {"Species", "Education"}


def test_spanish_labels_keep_their_accents() -> None:
    lex = lexicon()
    assert lex.concepts["Loan"].label("es") == "Préstamo"
    assert lex.concepts["Category"].label_plural("es") == "Categorías"
    assert lex.concepts["ContactMessage"].label_plural("es") == "Mensajes de contacto"
    assert lex.fields["title"].label("es") == "Título"


def test_relations_and_app_type_defaults_name_known_concepts() -> None:
    lex = lexicon()
    for concept in lex.concepts.values():
        assert set(concept.belongs_to) | set(concept.about) <= set(lex.concepts)
    for app in lex.apptypes.values():
        assert set(app.defaults) <= set(lex.concepts)


def test_every_integration_group_has_a_provision() -> None:
    for rule in lexicon().integrations:
        assert rule.kind in {"substitution", "stub"}
        assert rule.provided
        if rule.when is not None:  # a text that needs some entities has one for when they are missing
            assert rule.when in integrations.CONDITIONS and rule.otherwise, rule


def test_features_and_integration_groups_point_at_each_other() -> None:
    rules = lexicon().integrations
    groups = {rule.group for rule in rules}
    assert set(integrations.GROUP_FEATURES) <= groups
    requested = {rule.requested: rule for rule in rules}
    assert set(integrations.IMPLIED_REQUESTS.values()) <= set(requested)
    for feature in STUBBED_FEATURES:
        assert requested[integrations.IMPLIED_REQUESTS[feature]].kind == "stub", feature
    assert RENDERED_FEATURES.isdisjoint(STUBBED_FEATURES)
    assert set(get_args(Feature)) == RENDERED_FEATURES | STUBBED_FEATURES
