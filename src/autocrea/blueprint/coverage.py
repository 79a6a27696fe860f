"""Does a design name the prompt's nouns? (pure; used by tests and benchmarks)"""

from __future__ import annotations

from autocrea.blueprint import survey
from autocrea.blueprint.architect import Blueprint
from autocrea.blueprint.lexicon import lexicon
from autocrea.blueprint.text import fold, tokenize, words


def unmatched_entities(prompt: str, blueprint: Blueprint) -> list[str]:
    """Entities whose label (or a lexicon synonym) is not in the prompt and were not noted as inferred
    (the responses to a survey the prompt is about are what that survey is made of)."""
    text = " " + " ".join(words(prompt)) + " "
    lex = lexicon()
    notes = " ".join(blueprint.notes)
    inferred_note = "usual" in notes or "habitual" in notes
    missing = []
    for entity in blueprint.spec.entities:
        concept = lex.concepts.get(entity.name)
        names = [entity.label, entity.label_plural]
        if concept is not None:
            names += list(concept.forms()) + list(concept.aliases)
        if any(f" {' '.join(words(n))} " in text for n in names if words(n)):
            continue
        if inferred_note and fold(entity.label) in fold(notes):
            continue
        if survey.is_response(entity) and survey.is_main(tokenize(prompt)):
            continue
        missing.append(entity.name)
    return missing
