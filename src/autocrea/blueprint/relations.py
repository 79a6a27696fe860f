"""Relations: many-to-one links between the chosen entities.

Sources, strongest first: the lexicon's typical links (a loan belongs to a book and a member), an
attribute that names another entity ("products with price and supplier"), a name made of another
entity's ("customer preferences"), and nouns the prompt joins with "of/de/to/a" ("préstamos de
libros a socios"). A link is never added against an existing one or
if it would close a cycle, so every row can be created (parents first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

from autocrea.blueprint.entities import Draft
from autocrea.blueprint.nouns import Mention
from autocrea.blueprint.text import Token, fold
from autocrea.domain.appspec import RelationSpec
from autocrea.domain.naming import snake

MAX_RELATIONS = 4
# Heads that sort other records into kinds: the records point at them, not the other way round.
_KINDS = frozenset(
    {"category", "type", "kind", "group", "tag", "genre", "categoria", "tipo", "genero", "grupo", "etiqueta"}
)
_MAX_GAP = 3


def _reaches(drafts: dict[str, Draft], start: str, goal: str) -> bool:
    by_name = {d.name: k for k, d in drafts.items()}
    seen: set[str] = set()
    stack = [start]
    while stack:
        key = stack.pop()
        if key == goal:
            return True
        if key not in seen:
            seen.add(key)
            stack += [by_name[r.target] for r in drafts[key].relations if r.target in by_name]
    return False


def link(drafts: dict[str, Draft], source: str, target: str, *, required: bool) -> bool:
    """Add source -> target unless it repeats, reverses or closes a loop. Returns whether it was added."""
    if source == target or source not in drafts or target not in drafts:
        return False
    owner, parent = drafts[source], drafts[target]
    if len(owner.relations) >= MAX_RELATIONS or any(r.target == parent.name for r in owner.relations):
        return False
    if _reaches(drafts, target, source):
        return False
    base = snake(parent.name)[:37]
    column = f"{base}_id"
    if any(f.name == column for f in owner.fields):
        return False
    owner.relations.append(
        RelationSpec(field=column, target=parent.name, label=parent.label, required=required)
    )
    # The relation replaces a free-text field of the same meaning ("author" once Author is an entity).
    replaced = {base, f"{base}_name"}
    kept = [f for f in owner.fields if f.name not in replaced]
    if kept and owner.display in {f.name for f in kept}:
        owner.fields = kept
    return True


def lexicon_links(drafts: dict[str, Draft]) -> None:
    for key, draft in drafts.items():
        concept = draft.concept
        if concept is None:
            continue
        for target in concept.belongs_to:
            link(drafts, key, target, required=target in concept.required_parents)
        about = next((t for t in concept.about if t in drafts and t != key), None)
        if about is not None:
            link(drafts, key, about, required=concept.about_required)


def compound_links(drafts: dict[str, Draft]) -> None:
    """'customer preferences' belong to a Customer, 'preferencias del cliente' to a Cliente: an
    entity named by another entity's name plus a head noun points at that entity."""
    labels = {key: " ".join(fold(d.label).split()) for key, d in drafts.items()}
    for key, label in labels.items():
        if drafts[key].name == "ContactMessage":
            continue  # the contact form is for visitors: it shows them no other table
        for other, name in labels.items():
            if other == key:
                continue
            if label.startswith(name + " "):
                head = label.rsplit(" ", 1)[-1]
            elif label.endswith((f" de {name}", f" del {name}")):
                head = label.split(" ", 1)[0]
            else:
                continue
            if head in _KINDS:  # "product categories": a product has a category
                link(drafts, other, key, required=False)
            else:
                link(drafts, key, other, required=False)


def joined_nouns(
    tokens: Sequence[Token], mentions: Sequence[Mention], connectors: frozenset[str]
) -> Iterable[tuple[str, str]]:
    """Pairs the prompt joins: "loans of books to members" -> (Loan, Book), (Loan, Member)."""
    ordered = sorted(mentions, key=lambda m: m.start)
    head: Mention | None = None
    for previous, current in pairwise(ordered):
        between = [t.norm for t in tokens[previous.end : current.start]]
        if 0 < len(between) <= _MAX_GAP and all(w in connectors for w in between):
            head = head or previous
            if current.key != head.key:
                yield head.key, current.key
        else:
            head = None
