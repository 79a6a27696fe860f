"""Activities: the games a description asks for (a prize wheel, a quiz, word games) and the records
they play with.

    prompt -> activities asked for (lexicon/activities.yml, in the prompt's order)
           -> the entity each draws from, given the fields it reads (Word: term, definition, ...;
              Question: question, answer; Prize, and the wins linked to it)
           -> the activity pages; entities that only named an activity ("WordGame") go

Pure and deterministic, like the rest of the architect. `sample_rows` gives the real words,
questions and prizes an activity's records start with, so every activity works on the first start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast, get_args

import yaml

from autocrea.blueprint.text import fold
from autocrea.domain.appspec import (
    STANDALONE_GAMES,
    Activity,
    AppSpec,
    ChartSpec,
    EntitySpec,
    FieldSpec,
    FieldType,
    Language,
    PageSpec,
    RelationSpec,
    stock_field,
)

_DATA = Path(__file__).with_name("lexicon") / "activities.yml"
WORD_ACTIVITIES: frozenset[Activity] = frozenset(
    {"flashcards", "unjumble", "fill_blank", "synonyms", "crossword"}
)
_ORDER: tuple[Activity, ...] = get_args(Activity)
# The stub integration an activity replaces when it is the game the prompt asked for.
GAMEPLAY = "Interactive gameplay"
# Fields the activities read, with their type and labels; `term` and `question` are required.
_FIELDS: dict[str, tuple[FieldType, str, str]] = {
    "term": ("string", "Word", "Palabra"),
    "definition": ("text", "Definition", "Definición"),
    "example": ("text", "Example sentence", "Frase de ejemplo"),
    "synonym": ("string", "Synonym", "Sinónimo"),
    "antonym": ("string", "Antonym", "Antónimo"),
    "question": ("text", "Question", "Pregunta"),
    "answer": ("string", "Correct answer", "Respuesta correcta"),
    "quantity": ("integer", "Quantity", "Cantidad"),
    "player_name": ("string", "Player", "Jugador"),
    "name": ("string", "Name", "Nombre"),
    "description": ("text", "Description", "Descripción"),
}
_REQUIRED = frozenset({"term", "question", "answer", "player_name", "name"})
# Fields of a question or win entity that the activity's own fields replace.
_TITLE_FIELDS = frozenset({"title", "name", "content", "text", "body", "description", "titulo", "nombre"})
# New entities: class name, and table, singular and plural label in each language.
_NEW: dict[str, tuple[str, dict[str, tuple[str, str, str]]]] = {
    "word": ("Word", {"en": ("words", "Word", "Words"), "es": ("palabras", "Palabra", "Palabras")}),
    "question": (
        "Question",
        {"en": ("questions", "Question", "Questions"), "es": ("preguntas", "Pregunta", "Preguntas")},
    ),
    "prize": ("Prize", {"en": ("prizes", "Prize", "Prizes"), "es": ("premios", "Premio", "Premios")}),
    "win": (
        "Win",
        {
            "en": ("wins", "Winning record", "Winning records"),
            "es": ("premios_ganados", "Premio ganado", "Premios ganados"),
        },
    ),
}
_WORD_NAMES = re.compile(r"^(word|vocabulary|vocabularyword|palabra|vocabulario|term|termino)s?$")
_QUESTION_NAMES = re.compile(r"question|pregunta")
_PRIZE_NAMES = re.compile(r"^(prize|reward|premio|recompensa|gift|regalo)s?$")
_WIN_NAMES = re.compile(r"win|winner|ganad|ganador")


@dataclass(frozen=True)
class Plan:
    """What the activities make of an app: its entities, its activity pages and the run log's lines."""

    entities: tuple[EntitySpec, ...]
    pages: tuple[PageSpec, ...]
    notes: tuple[str, ...]
    other_games: bool  # the prompt names a game no activity builds ("play a simple game")


@cache
def _data() -> dict[str, Any]:
    with _DATA.open(encoding="utf-8") as fh:
        return cast(dict[str, Any], yaml.safe_load(fh))


@cache
def _phrase(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted(
        (re.escape(fold(str(w))).replace(r"\ ", r"[\s-]+") for w in words), key=len, reverse=True
    )
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


def detect(text: str) -> tuple[Activity, ...]:
    """The activities the description asks for. "quizzes and word games, such as ..." names the word
    games: then a quiz is their umbrella, not a page of its own."""
    folded = fold(text)
    found = [a for a in _ORDER if _phrase(tuple(_data()["activities"][a]["words"])).search(folded)]
    if WORD_ACTIVITIES & set(found):
        found = [a for a in found if a != "quiz"]
    if not STANDALONE_GAMES & set(found) and _phrase(tuple(_data()["simple_game"])).search(folded):
        found.append("game_2048")  # "play a simple game": the app's own 2048
    return tuple(found)


def other_games(text: str, built: Sequence[str] = ()) -> bool:
    """Whether the description names a game besides its activities (chess, sudoku). When a game of
    its own (2048) is built, "the game", "a new game" are that game."""
    folded = fold(text)
    if STANDALONE_GAMES & set(built):
        folded = _phrase(tuple(_data()["generic_games"])).sub(" ", folded)
    for activity in _ORDER:
        folded = _phrase(tuple(_data()["activities"][activity]["words"])).sub(" ", folded)
    folded = _phrase(tuple(_data()["simple_game"])).sub(" ", folded)
    folded = _phrase(("word game", "word games", "juegos de palabras", "juego de palabras")).sub(" ", folded)
    return bool(_phrase(tuple(_data()["games"])).search(folded))


def _field(name: str, language: Language) -> FieldSpec:
    kind, en, es = _FIELDS[name]
    return FieldSpec(name=name, label=en if language == "en" else es, type=kind, required=name in _REQUIRED)


def _new(kind: str, language: Language, fields: Sequence[str]) -> EntitySpec:
    name, labels = _NEW[kind]
    table, label, plural = labels[language]
    specs = tuple(_field(f, language) for f in fields)
    return EntitySpec(
        name=name, table=table, label=label, label_plural=plural, fields=specs, display_field=fields[0]
    )


def _names(entity: EntitySpec) -> str:
    return fold(f"{entity.name} {entity.table} {entity.label}")


def covers(tool: str, pages: Sequence[PageSpec]) -> bool:
    """Whether the built activities are the tool (a game, a quiz) the description names."""
    built = {p.activity for p in pages}
    generic = fold(tool) in {fold(str(w)) for w in _data()["generic_games"]}
    return bool(built) and (bool(detect(tool)) or (generic and bool(STANDALONE_GAMES & built)))


def _junk(entity: EntitySpec, standalone: bool = False) -> bool:
    """An entity that only names an activity: a "WordGame" of names and descriptions; beside a game
    of its own, the pieces of its play too ("Tiles", "Left")."""
    label = fold(entity.label)
    words = {fold(str(w)) for w in _data()["junk"]}
    if standalone:
        words |= {fold(str(w)) for w in _data()["game_pieces"]}
    plain = {f.name for f in entity.fields} <= _TITLE_FIELDS | {
        "category",
        "difficulty",
        "game_status",
        "status",
        "started_at",
    }
    return plain and (
        label in words or any(label.endswith(" " + w) or label.startswith(w + " ") for w in words)
    )


def _named_for_activity(entity: EntitySpec) -> bool:
    """A "Flashcard" entity that holds words: it is the word list, under the name of an activity."""
    return fold(entity.label) in {fold(w) for w in _data()["junk"]}


def _identity(entity: EntitySpec) -> dict[str, str]:
    return {
        "name": entity.name,
        "table": entity.table,
        "label": entity.label,
        "label_plural": entity.label_plural,
    }


def _renamed(work: list[EntitySpec], old: EntitySpec, like: EntitySpec) -> list[EntitySpec]:
    """`work` without `old`, its records now those of `like` (links to `old` follow)."""

    def relinked(entity: EntitySpec) -> EntitySpec:
        relations = tuple(
            r.model_copy(update={"target": like.name}) if r.target == old.name else r
            for r in entity.relations
        )
        return entity.model_copy(update={"relations": relations})

    return [relinked(e) for e in work if e is not old]


def _with_fields(
    entity: EntitySpec, needed: Sequence[str], language: Language, *, replace: bool
) -> EntitySpec:
    """`entity` with the fields an activity reads first (a title or text of its own replaced when
    `replace`), its other fields after them."""
    kept = [f for f in entity.fields if f.name not in needed and not (replace and f.name in _TITLE_FIELDS)]
    have = {f.name: f for f in entity.fields}
    front = [
        have[n] if n in have and have[n].type in ("string", "text") else _field(n, language) for n in needed
    ]
    fields = tuple([*front, *kept][:30])
    return entity.model_copy(update={"fields": fields, "display_field": needed[0]})


def _find(entities: Sequence[EntitySpec], pattern: re.Pattern[str], field: str) -> EntitySpec | None:
    by_field = next((e for e in entities if field in {f.name for f in e.fields} and not _junk(e)), None)
    if by_field is not None:
        return by_field
    return next((e for e in entities if pattern.search(fold(e.name).lower()) and not _junk(e)), None)


def _page(
    activity: Activity, language: Language, used: set[str], source: tuple[str | None, str | None], text: str
) -> PageSpec:
    entity, results = source
    info = _data()["activities"][activity]
    room = _data()["waiting_room"]
    if activity == "game_2048" and _phrase(tuple(room["words"])).search(fold(text)):
        info = room  # the game of the waiting room the prompt describes
    path = "/" + str(info["path"][language])
    if path in used:
        path += "-play" if language == "en" else "-jugar"
    used.add(path)
    return PageSpec(
        path=path,
        title=str(info["title"][language]),
        kind="activity",
        entity=entity,
        activity=activity,
        results=results,
    )


def plan(text: str, entities: Sequence[EntitySpec], language: Language, used_paths: set[str]) -> Plan:
    """The entities and activity pages for what the description asks (none asked: unchanged)."""
    asked = detect(text)
    if not asked:
        return Plan(tuple(entities), (), (), other_games(text))
    standalone = bool(STANDALONE_GAMES & set(asked))
    work = [e for e in entities if not _junk(e, standalone)]
    dropped = [e for e in entities if _junk(e, standalone)]
    if not work and not set(asked) - STANDALONE_GAMES:  # an app needs a table: keep the first
        work, dropped = [entities[0]], dropped[1:]
    sources: dict[Activity, tuple[str, str | None]] = {}
    if WORD_ACTIVITIES & set(asked):
        work, word = _words(work, language)
        sources.update({a: (word.name, None) for a in asked if a in WORD_ACTIVITIES})
    if "quiz" in asked:
        found = _find(work, _QUESTION_NAMES, "question")
        needed = ["question", "answer"]
        question = (
            _with_fields(found, needed, language, replace=True)
            if found
            else _new("question", language, needed)
        )
        work = _put(work, found, question)
        sources["quiz"] = (question.name, None)
    if "wheel" in asked:
        work, prize, win = _wheel(work, language)
        sources["wheel"] = (prize.name, win.name)
    kept = {e.name for e in work}
    work = [
        e.model_copy(update={"relations": tuple(r for r in e.relations if r.target in kept)}) for e in work
    ]
    used = set(used_paths) | {"/" + e.table.replace("_", "-") for e in work}
    pages = tuple(_page(a, language, used, sources.get(a, (None, None)), text) for a in asked)
    notes = [_note(language, "activities", items=", ".join(p.title for p in pages))]
    if dropped:
        notes.append(_note(language, "junk", items=", ".join(e.label for e in dropped)))
    return Plan(tuple(work), pages, tuple(notes), other_games(text, asked))


def _words(work: list[EntitySpec], language: Language) -> tuple[list[EntitySpec], EntitySpec]:
    """The entity of the words the word games play with: the app's own, or a new Word."""
    needed = ["term", "definition", "example", "synonym", "antonym"]
    found = _find(work, _WORD_NAMES, "term")
    base = found
    if found is not None and _named_for_activity(found) and not any(e.name == "Word" for e in work):
        fresh = _new("word", language, needed)  # "Flashcards" of words: they are the Words
        work = _renamed(work, found, fresh)
        base = found.model_copy(update=_identity(fresh))
        found = None
    word = _with_fields(base, needed, language, replace=False) if base else _new("word", language, needed)
    return _put(work, found, word), word


def _wheel(work: list[EntitySpec], language: Language) -> tuple[list[EntitySpec], EntitySpec, EntitySpec]:
    """The prizes a wheel draws (with a stock) and the wins it stores, linked to them."""
    found = _find(work, _PRIZE_NAMES, "__none__")
    prize = found or _new("prize", language, ["name", "description", "quantity"])
    if stock_field(prize) is None:
        prize = prize.model_copy(update={"fields": (*prize.fields, _field("quantity", language))[:30]})
    work = _put(work, found, prize)
    linked = next((e for e in work if any(r.target == prize.name for r in e.relations)), None)
    found_win = linked or next((e for e in work if _WIN_NAMES.search(fold(e.name)) and e is not prize), None)
    win = (
        _with_fields(found_win, ["player_name"], language, replace=True)
        if found_win
        else _new("win", language, ["player_name"])
    )
    # The wheel fills in only who won and what: nothing else of a win can be required.
    fields = tuple(
        f if f.name == "player_name" else f.model_copy(update={"required": False}) for f in win.fields
    )
    relations = tuple(
        r.model_copy(update={"required": False}) if r.target != prize.name else r for r in win.relations
    )
    if not any(r.target == prize.name for r in relations):
        relations += (RelationSpec(field=f"{_snake(prize.name)}_id", target=prize.name, label=prize.label),)
    win = win.model_copy(update={"fields": fields, "relations": relations})
    return _put(work, found_win, win), prize, win


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _put(work: list[EntitySpec], old: EntitySpec | None, new: EntitySpec) -> list[EntitySpec]:
    if old is None:
        return [*work, new]
    return [new if e is old else e for e in work]


def charts(
    found: Sequence[ChartSpec], entities: Sequence[EntitySpec], pages: Sequence[PageSpec]
) -> tuple[ChartSpec, ...]:
    """The dashboard's charts beside the activities' progress: without the stand-in that only counts
    rows by their title ("Words by word"), which says nothing when the progress is there."""
    by_name = {e.name: e for e in entities}
    if pages and len(found) == 1:
        chart = found[0]
        if chart.metric == "count" and chart.group_by == by_name[chart.entity].display_field:
            return ()
    return tuple(found)


def summary(text: str, pages: Sequence[PageSpec], language: Language) -> str:
    """The app's summary, saying what can be played in it (when it fits in the 400 characters)."""
    if not pages:
        return text
    games = ", ".join(p.title for p in pages)
    said = f"{text} {'To play' if language == 'en' else 'Para jugar'}: {games}."
    return said if len(said) <= 400 else text


_NOTES = {
    "en": {
        "activities": "Activities built from the records: {items}; every finished game stores its score.",
        "junk": "Left out, the activities stand for them: {items}.",
    },
    "es": {
        "activities": (
            "Actividades construidas con los registros: {items}; cada partida terminada guarda su puntuación."
        ),
        "junk": "Se dejan fuera, las actividades ocupan su lugar: {items}.",
    },
}


def _note(language: Language, key: str, **values: str) -> str:
    return _NOTES[language][key].format(**values)


def sample_rows(spec: AppSpec, entity: EntitySpec) -> tuple[Mapping[str, str | int], ...]:
    """The real words, questions or prizes an activity's records start with (none for others)."""
    kinds = []
    for page in spec.activities:
        if page.entity == entity.name:
            kinds.append(
                "prizes" if page.activity == "wheel" else "questions" if page.activity == "quiz" else "words"
            )
    if not kinds:
        return ()
    rows: list[dict[str, Any]] = _data()["samples"][kinds[0]][spec.language]
    if kinds[0] != "prizes":
        return tuple(rows)
    stock = stock_field(entity)
    return tuple(
        {entity.display_field: row["name"], **({stock: row["quantity"]} if stock else {})} for row in rows
    )


def starts_empty(spec: AppSpec, entity: EntitySpec) -> bool:
    """Whether `entity` has no sample records: a wheel's wins (no record needs one)."""
    wins = {p.results for p in spec.activities if p.results is not None}
    needed = any(r.target == entity.name and r.required for e in spec.entities for r in e.relations)
    return entity.name in wins and not needed
