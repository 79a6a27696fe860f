"""Score the offline architect on descriptions written apart from it (bench/descriptions/unseen.jsonl).

    .venv/bin/python bench/architect_eval.py                     # the dev half (default)
    .venv/bin/python bench/architect_eval.py --half all          # both halves, each on its own
    .venv/bin/python bench/architect_eval.py --show              # per item: things, entities, missing
    .venv/bin/python bench/architect_eval.py --half test --show  # test items, only when asked by name
    .venv/bin/python bench/architect_eval.py --kind records      # one kind only
    .venv/bin/python bench/architect_eval.py --data bench/descriptions/prose.jsonl  # long prose set

Each description has a `kind`:

- records: an app that keeps records of things; `things` lists every noun the text names as kept,
  in the text's own words and language. A thing is *named* when some designed entity matches it
  (see `thing_matches`). `not_entities` lists attributes a careless reader could take for records;
  an entity whose head word is one of them, and that matches no thing, is a *wrong sense*.
- no_records: calculators, timers, games, landing pages: refusing or designing are both reported.
- other_language: a records description in a language the architect does not speak (de, pt, fr, ...).
- nothing: names nothing an app could keep or do; should be refused.

The split is fixed by the id alone (`half`), so it cannot drift towards results. Per-description
lines of the test half (texts, expected things, designed entities) are printed only with an
explicit `--half test`, so that someone tuning on the dev half does not read test items by accident.
The script always exits 0: it is a report, not a gate.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

DATA = Path(__file__).resolve().parent / "descriptions" / "unseen.jsonl"
KINDS = ("records", "no_records", "other_language", "nothing")
KEYS = ("id", "lang", "kind", "text", "things", "not_entities")
Half = Literal["dev", "test"]

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        {"a", "an", "the", "of", "for", "to", "in", "on", "with", "and", "or", "per", "by"}
        | {"from", "my", "our", "their", "his", "her", "its", "at", "as"}
    ),
    "es": frozenset(
        {"de", "del", "la", "las", "el", "los", "lo", "a", "al", "en", "y", "e", "o", "u"}
        | {"con", "para", "por", "un", "una", "unos", "unas", "mi", "mis", "su", "sus"}
    ),
}


def half(item_id: str) -> Half:
    """The fixed split: dev or test, from a hash of the id only."""
    return "dev" if int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


@dataclass(frozen=True)
class Description:
    id: str
    lang: str
    kind: str
    text: str
    things: tuple[str, ...]
    not_entities: tuple[str, ...]

    @property
    def half(self) -> Half:
        return half(self.id)


def load(path: Path = DATA) -> list[Description]:
    items: list[Description] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        missing = [key for key in KEYS if key not in raw]
        if missing:
            raise ValueError(f"{path}:{number}: missing keys {missing}")
        items.append(
            Description(
                id=str(raw["id"]),
                lang=str(raw["lang"]),
                kind=str(raw["kind"]),
                text=str(raw["text"]),
                things=tuple(str(t) for t in raw["things"]),
                not_entities=tuple(str(t) for t in raw["not_entities"]),
            )
        )
    return items


# --- matching -----------------------------------------------------------------------------------


class EntityLike(Protocol):
    """What the matcher reads from an entity: the architect's EntitySpec, or a test's dataclass."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def label_plural(self) -> str: ...


def fold(text: str) -> str:
    """Lower case without accents: 'Préstamos' -> 'prestamos'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def camel_words(name: str) -> list[str]:
    """'WorkOrder' -> ['work', 'order']; 'HTTPLog' -> ['http', 'log']."""
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)
    return [fold(p) for p in parts] or words(name)


def singular(word: str, lang: str) -> str:
    """A light singular of one folded word; the same rule is applied to both sides of a comparison."""
    w = word
    if lang == "es":
        if len(w) > 5 and w.endswith("iones"):
            return w[:-5] + "ion"
        if len(w) > 4 and w.endswith("ces"):
            return w[:-3] + "z"
        if len(w) > 3 and w.endswith("es") and w[-3] in "lnrdzjy":
            return w[:-2]
        if len(w) > 2 and w.endswith("s"):
            return w[:-1]
        return w
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes", "zes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def forms(word: str, lang: str) -> set[str]:
    return {word, singular(word, lang)}


def content_words(phrase_words: Sequence[str], lang: str) -> list[str]:
    stop = STOPWORDS.get(lang, STOPWORDS["en"])
    kept = [w for w in phrase_words if w not in stop]
    return kept or list(phrase_words)


def head(phrase_words: Sequence[str], lang: str) -> str:
    """English: the last content word ('box score' -> 'score'); Spanish: the first ('lista de la compra')."""
    kept = content_words(phrase_words, lang)
    if not kept:
        return ""
    return kept[0] if lang == "es" else kept[-1]


def entity_words(entity: EntityLike, lang: str) -> set[str]:
    """Every word of the label, the plural label and the CamelCase name, with their singular forms."""
    out: set[str] = set()
    for w in [*words(entity.label), *words(entity.label_plural), *camel_words(entity.name)]:
        out |= forms(w, lang)
    return out


def entity_heads(entity: EntityLike, lang: str) -> set[str]:
    out: set[str] = set()
    for ws in (words(entity.label), words(entity.label_plural), camel_words(entity.name)):
        h = head(ws, lang)
        if h:
            out |= forms(h, lang)
    return out


def thing_matches(thing: str, entity: EntityLike, lang: str) -> bool:
    """The thing's head word is a word of the entity, or all its content words are in the entity's label."""
    thing_words = words(thing)
    if not thing_words:
        return False
    if forms(head(thing_words, lang), lang) & entity_words(entity, lang):
        return True
    label_forms: set[str] = set()
    for w in words(entity.label):
        label_forms |= forms(w, lang)
    return all(forms(w, lang) & label_forms for w in content_words(thing_words, lang))


def named_things(things: Iterable[str], entities: Sequence[EntityLike], lang: str) -> list[str]:
    return [t for t in things if any(thing_matches(t, e, lang) for e in entities)]


def wrong_senses(
    things: Sequence[str], not_entities: Sequence[str], entities: Sequence[EntityLike], lang: str
) -> list[str]:
    """Entities that match no thing and whose head word is a word of a not_entities item."""
    bad: set[str] = set()
    for item in not_entities:
        for w in content_words(words(item), lang):
            bad |= forms(w, lang)
    found: list[str] = []
    for entity in entities:
        if any(thing_matches(t, entity, lang) for t in things):
            continue
        if entity_heads(entity, lang) & bad:
            found.append(entity.label)
    return found


def extra_entities(things: Sequence[str], entities: Sequence[EntityLike], lang: str) -> list[str]:
    """Entities that match no thing the description names: what precision is lost to."""
    return [e.label for e in entities if not any(thing_matches(t, e, lang) for t in things)]


# --- running the architect ----------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """An entity as designed, kept as plain strings."""

    name: str
    label: str
    label_plural: str


@dataclass
class Outcome:
    item: Description
    ms: float
    refused: str | None = None  # details["reason"] of PromptRejected
    error: str | None = None  # any other exception, by type and message
    language: str | None = None
    entities: list[Seen] = field(default_factory=list)

    @property
    def named(self) -> list[str]:
        return named_things(self.item.things, self.entities, self.item.lang)

    @property
    def missing(self) -> list[str]:
        named = set(self.named)
        return [t for t in self.item.things if t not in named]

    @property
    def wrong(self) -> list[str]:
        return wrong_senses(self.item.things, self.item.not_entities, self.entities, self.item.lang)

    @property
    def extra(self) -> list[str]:
        return extra_entities(self.item.things, self.entities, self.item.lang)


def run(item: Description) -> Outcome:
    from autocrea.blueprint.architect import design
    from autocrea.errors import PromptRejected

    started = time.perf_counter()
    try:
        blueprint = design(item.text)
    except PromptRejected as exc:
        ms = (time.perf_counter() - started) * 1000
        return Outcome(item, ms, refused=str(exc.details.get("reason", "?")))
    except Exception as exc:  # a crash is reported, never hidden
        ms = (time.perf_counter() - started) * 1000
        return Outcome(item, ms, error=f"{type(exc).__name__}: {exc}"[:200])
    ms = (time.perf_counter() - started) * 1000
    spec = blueprint.spec
    seen = [Seen(e.name, e.label, e.label_plural) for e in spec.entities]
    return Outcome(item, ms, language=str(spec.language), entities=seen)


# Not part of the set (the issue's own example): loads whatever the architect loads lazily, per language.
WARM_UP = ("A library with books, members and loans", "Una biblioteca con libros, socios y préstamos")


def warm_up() -> None:
    for text in WARM_UP:
        run(Description("warm-up", "", "records", text, (), ()))


# --- report -------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def records_summary(label: str, outcomes: Sequence[Outcome]) -> str:
    records = [o for o in outcomes if o.item.kind == "records"]
    refused = sum(o.refused is not None for o in records)
    errors = sum(o.error is not None for o in records)
    things = sum(len(o.item.things) for o in records)
    named = sum(len(o.named) for o in records)
    mostly = sum(len(o.named) >= 0.8 * len(o.item.things) for o in records if o.item.things)
    wrong = sum(len(o.wrong) for o in records)
    entities = sum(len(o.entities) for o in records)
    extra = sum(len(o.extra) for o in records)
    times = [o.ms for o in records]
    timing = f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms" if times else "-"
    return (
        f"records [{label}]: {len(records)} descriptions, {refused} refused, {errors} errors, "
        f"{things} things, {named} named ({percent(named, things)}), "
        f">=80% named in {mostly}/{len(records)} ({percent(mostly, len(records))}), "
        f"{wrong} wrong senses, {extra}/{entities} entities match no thing ({percent(extra, entities)}), "
        f"design {timing}"
    )


def outcome_text(o: Outcome) -> str:
    if o.refused is not None:
        return f"refused ({o.refused})"
    if o.error is not None:
        return f"ERROR {o.error}"
    labels = ", ".join(e.label for e in o.entities)
    return f"designed [{o.language}]: {labels}"


def other_summary(label: str, outcomes: Sequence[Outcome], show_items: bool) -> list[str]:
    lines: list[str] = []
    for kind in ("no_records", "other_language", "nothing"):
        group = [o for o in outcomes if o.item.kind == kind]
        if not group:
            continue
        refused = [o for o in group if o.refused is not None]
        designed = [o for o in group if o.refused is None and o.error is None]
        errors = len(group) - len(refused) - len(designed)
        if kind == "other_language":
            not_no_domain = sum(o.refused != "no_domain" for o in refused)
            counts = (
                f"{len(refused)} refused ({not_no_domain} with a reason other than no_domain), "
                f"{len(designed)} designed"
            )
        else:
            counts = f"{len(refused)} refused, {len(designed)} designed"
        lines.append(f"{kind} [{label}]: {len(group)} descriptions, {counts}, {errors} errors")
        if show_items:
            lines.extend(f"  {o.item.id} ({o.item.lang}) {outcome_text(o)}" for o in group)
    return lines


def show(o: Outcome) -> list[str]:
    text = o.item.text.replace("\n", " / ")
    found = ", ".join(e.label for e in o.entities) if o.entities else outcome_text(o)
    lines = [
        f"{o.item.id} [{o.item.lang} {o.item.kind}] {text[:100]}",
        f"    expected: {', '.join(o.item.things) or '-'}",
        f"    found:    {found}",
    ]
    if o.item.kind == "records":
        lines.append(f"    missing:  {', '.join(o.missing) or '-'}")
        if o.wrong:
            lines.append(f"    wrong:    {', '.join(o.wrong)}")
        if o.extra:
            lines.append(f"    extra:    {', '.join(o.extra)}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--half", choices=("dev", "test", "all"), default="dev")
    parser.add_argument(
        "--show", action="store_true", help="per-description detail (dev items only unless --half test)"
    )
    parser.add_argument("--kind", choices=KINDS, default=None)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)

    items = load(args.data)
    if args.kind:
        items = [i for i in items if i.kind == args.kind]
    halves: list[Half] = ["dev", "test"] if args.half == "all" else [args.half]
    chosen = [i for i in items if i.half in halves]

    warm_up()
    outcomes = [run(i) for i in chosen]

    def visible(o: Outcome) -> bool:
        return o.item.half == "dev" or args.half == "test"

    if args.show:
        for o in outcomes:
            if visible(o):
                print("\n".join(show(o)))
        print()
    for name in halves:
        group = [o for o in outcomes if o.item.half == name]
        if any(o.item.kind == "records" for o in group):
            print(records_summary(name, group))
        for line in other_summary(name, group, show_items=name == "dev" or args.half == "test"):
            print(line)
    if len(halves) > 1:
        if any(o.item.kind == "records" for o in outcomes):
            print(records_summary("all", outcomes))
        hidden = sum(not visible(o) for o in outcomes)
        if hidden:
            print(f"({hidden} test-half items not listed one by one; use --half test to see them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
