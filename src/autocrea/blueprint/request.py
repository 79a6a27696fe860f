"""Requests: a follow-up message ("añade un campo editorial a los libros") read as amendments.

    request -> clauses -> one reading per clause, by its verb (add / remove / rename / make) and by
               the entities and fields of the app it names -> amendments (amendment.py)

Pure and deterministic. A request the engine cannot map raises ChangeNotUnderstood saying what it
could not do, so the caller answers plainly and charges nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from autocrea.blueprint import colours
from autocrea.blueprint.amendment import (
    AddEntity,
    AddField,
    AddRelation,
    Amendment,
    ChangeNotUnderstood,
    RemoveEntity,
    RemoveField,
    RemoveRelation,
    RenameEntity,
    RenameField,
    SetFeature,
    SetField,
    SetLanguage,
    SetTheme,
    SetTitle,
)
from autocrea.blueprint.architect import design
from autocrea.blueprint.entities import column_name, infer_type
from autocrea.blueprint.lexicon import Lexicon, lexicon
from autocrea.blueprint.reading import singular_word
from autocrea.blueprint.text import Token, fold, original, tokenize
from autocrea.domain.appspec import STUBBED_FEATURES, AppSpec, EntitySpec, FieldSpec, FieldType, Language
from autocrea.domain.naming import plural, snake
from autocrea.errors import PromptRejected

Verb = Literal["add", "remove", "rename", "make"]

_VERBS: dict[str, Verb] = {
    **dict.fromkeys(
        [
            "add",
            "adds",
            "added",
            "include",
            "insert",
            "put",
            "create",
            "new",
            "anade",
            "anadir",
            "anadi",
            "agrega",
            "agregar",
            "agregue",
            "incluye",
            "incluir",
            "incluya",
            "pon",
            "poner",
            "ponle",
            "crea",
            "crear",
            "mete",
            "meter",
            "anadele",
            "agregale",
        ],
        "add",
    ),
    **dict.fromkeys(
        [
            "remove",
            "delete",
            "drop",
            "erase",
            "quita",
            "quitar",
            "quite",
            "elimina",
            "eliminar",
            "elimine",
            "borra",
            "borrar",
            "borre",
            "saca",
            "sacar",
            "suprime",
            "suprimir",
        ],
        "remove",
    ),
    **dict.fromkeys(["rename", "renombra", "renombrar", "renombre", "call", "llama", "llamar"], "rename"),
    **dict.fromkeys(
        [
            "make",
            "set",
            "change",
            "turn",
            "convert",
            "haz",
            "hacer",
            "hazlo",
            "cambia",
            "cambiar",
            "cambie",
            "convierte",
            "convertir",
            "should",
            "must",
            "debe",
            "deben",
            "sea",
            "sean",
            "que",
        ],
        "make",
    ),
}
_FIELD_WORDS = frozenset({"field", "fields", "column", "columns", "attribute", "campo", "campos", "columna"})
_ENTITY_WORDS = frozenset(
    {"entity", "entities", "table", "tables", "model", "section", "entidad", "tabla", "modelo", "seccion"}
)
_TO = frozenset({"to", "into", "in", "on", "a", "al", "en", "for", "para"})
_ARTICLES = frozenset({"the", "los", "las", "el", "la", "each", "cada"})
_AS = frozenset({"to", "as", "a", "por", "como", "into", "en"})
_SKIP = frozenset(
    {
        "a", "an", "the", "new", "un", "una", "el", "la", "los", "las", "nuevo", "nueva", "otro", "otra",
        "field", "campo", "column", "columna", "attribute", "atributo", "de", "called", "named", "llamado",
        "llamada", "also", "tambien", "please", "por", "favor", "me", "le", "les",
    }
)  # fmt: skip
_TYPES: tuple[tuple[FieldType, frozenset[str]], ...] = (
    ("datetime", frozenset({"datetime", "timestamp", "fecha y hora", "date and time"})),
    ("date", frozenset({"date", "fecha", "dia", "day"})),
    (
        "integer",
        frozenset({"integer", "whole number", "entero", "numero entero", "number", "numero", "count"}),
    ),
    ("decimal", frozenset({"decimal", "money", "amount", "price", "dinero", "importe", "precio", "float"})),
    ("boolean", frozenset({"boolean", "checkbox", "yes no", "si no", "casilla", "true false"})),
    ("email", frozenset({"email", "correo", "e mail"})),
    ("url", frozenset({"url", "link", "enlace", "web address"})),
    ("phone", frozenset({"phone", "telefono", "phone number"})),
    ("text", frozenset({"long text", "texto largo", "paragraph", "parrafo", "textarea"})),
    ("string", frozenset({"text", "texto", "string", "short text", "texto corto"})),
)
_REQUIRED = frozenset({"required", "mandatory", "obligatorio", "obligatoria", "obligatorios", "obligatorias"})
_OPTIONAL = frozenset({"optional", "opcional", "opcionales", "not required", "no obligatorio"})
_UNIQUE = frozenset(
    {"unique", "unico", "unica", "unicos", "unicas", "distinct", "no repetido", "no repetida"}
)
_LANGUAGES: dict[str, Language] = {
    "english": "en", "ingles": "en", "spanish": "es", "espanol": "es", "castellano": "es",
}  # fmt: skip
_TITLE_WORDS = frozenset({"title", "titulo", "name of the app", "nombre de la app", "app name", "app title"})
# Parts of an app's code or pages, not records it keeps: adding one needs a model.
_CODE_WORDS = frozenset(
    {
        "endpoint", "endpoints", "route", "routes", "ruta", "rutas", "api", "button", "buttons", "boton",
        "botones", "page", "pages", "pagina", "paginas", "footer", "pie", "header", "cabecera",
        "encabezado", "menu", "banner", "screen", "pantalla", "modal", "popup", "tooltip", "icon",
        "icono", "logo", "animation", "animacion", "font", "fuente", "layout", "sidebar", "navbar",
        "tab", "pestana", "webhook", "script", "function", "funcion", "middleware", "widget",
    }
)  # fmt: skip
_RELATIVE = frozenset(
    {"that", "which", "who", "whose", "where", "que", "quien", "quienes", "donde", "cuyo", "cuya",
     "cuyos", "cuyas"}
)  # fmt: skip
# After a relative word, these keep listing what the thing has ("authors that have a name").
_HAVING = frozenset(
    {"have", "has", "contain", "contains", "include", "includes", "tienen", "tiene", "tengan", "tenga",
     "contienen", "contiene", "incluyen", "incluye", "llevan", "lleva"}
)  # fmt: skip
_CLAUSE = re.compile(r"[.;\n]+|\s(?:and then|and also|y luego|y ademas|y tambien)\s", re.I)
_MAX_CLAUSES = 10


@dataclass(frozen=True)
class _Mention:
    kind: Literal["entity", "field"]
    entity: str
    field: str | None
    start: int
    end: int


def _forms(entity: EntitySpec) -> list[tuple[str, ...]]:
    forms = {
        entity.label,
        entity.label_plural,
        snake(entity.name).replace("_", " "),
        entity.table.replace("_", " "),
    }
    return [tuple(fold(f).split()) for f in forms if f.strip()]


def _field_forms(field: FieldSpec) -> list[tuple[str, ...]]:
    return [tuple(fold(f).split()) for f in {field.label, field.name.replace("_", " ")} if f.strip()]


def _mentions(tokens: Sequence[Token], spec: AppSpec) -> list[_Mention]:
    """Entities and fields of the app the clause names, longest first, without overlaps."""
    norms = [t.norm for t in tokens]
    found: list[_Mention] = []
    candidates: list[tuple[tuple[str, ...], _Mention]] = []
    for entity in spec.entities:
        for form in _forms(entity):
            candidates.append((form, _Mention("entity", entity.name, None, 0, 0)))
        for field in entity.fields:
            for form in _field_forms(field):
                candidates.append((form, _Mention("field", entity.name, field.name, 0, 0)))
    candidates.sort(key=lambda c: -len(c[0]))
    taken: set[int] = set()
    for form, mention in candidates:
        n = len(form)
        for i in range(len(norms) - n + 1):
            if tuple(norms[i : i + n]) == form and not taken & set(range(i, i + n)):
                found.append(replace(mention, start=i, end=i + n))
                taken |= set(range(i, i + n))
    return sorted(found, key=lambda m: m.start)


def _verb(tokens: Sequence[Token]) -> tuple[Verb, int] | None:
    for i, token in enumerate(tokens):
        verb = _VERBS.get(token.norm)
        if verb is not None:
            return verb, i
    return None


def _phrase(text: str, tokens: Sequence[Token], start: int, end: int) -> tuple[str, tuple[str, ...]]:
    """The words of tokens[start:end] without articles and 'field': ('Editorial', ('editorial',))."""
    while start < end and tokens[start].norm in _SKIP:
        start += 1
    while end > start and tokens[end - 1].norm in _SKIP:
        end -= 1
    words = original(text, tokens, start, end).strip(" \"'“”«»")
    return words, tuple(t.norm for t in tokens[start:end] if t.is_word)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _type_named(norms: Sequence[str]) -> FieldType | None:
    joined = " " + " ".join(norms) + " "
    for type_, words in _TYPES:
        if any(f" {w} " in joined for w in words):
            return type_
    return None


def _new_field(label: str, norms: Sequence[str], lex: Lexicon, language: Language) -> FieldSpec:
    key = lex.field_index.get(" ".join(norms))
    if key is not None:
        known = lex.fields[key]
        return FieldSpec(
            name=known.column,
            label=known.label(language),
            type=known.type,
            choices=known.choice_list(language) if known.type == "enum" else (),
        )
    type_ = infer_type(list(norms), lex)
    choices = lex.fields["type"].choice_list(language) if type_ == "enum" else ()
    return FieldSpec(name=column_name(norms), label=_capital(label)[:60], type=type_, choices=choices)


class _Reader:
    def __init__(self, spec: AppSpec, lex: Lexicon) -> None:
        self.spec, self.lex, self.language = spec, lex, spec.language

    def clause(self, text: str) -> list[Amendment]:
        tokens = [t for t in tokenize(text) if t.norm not in {",", ":", "!", "?", "¿", "¡"} or t.norm == ","]
        if not any(t.is_word for t in tokens):
            return []
        mentions = _mentions(tokens, self.spec)
        theme = self._theme(text, tokens)
        if theme is not None:
            return [theme]
        found = _verb(tokens)
        verb, at = found if found is not None else ("make", -1)
        for attempt in (self._language, self._title, self._feature, self._relation):
            result = attempt(text, tokens, mentions, verb)
            if result:
                return result
        if verb == "add":
            return self._add(text, tokens, mentions, at)
        if verb == "remove":
            return self._remove(tokens, mentions)
        if verb == "rename":
            return self._rename(text, tokens, mentions, at)
        return self._make(tokens, mentions)

    def _theme(self, text: str, tokens: Sequence[Token]) -> SetTheme | None:
        if not self.lex.colour_index.find(tokens):
            return None
        theme, _ = colours.extract(text, tokens, self.lex)
        if theme.background_name is None and theme.primary_name is None:
            return None
        return SetTheme(theme)

    def _language(
        self, text: str, tokens: Sequence[Token], mentions: list[_Mention], verb: Verb
    ) -> list[Amendment]:
        named = [_LANGUAGES[t.norm] for t in tokens if t.norm in _LANGUAGES]
        asks = {"language", "idioma", "translate", "traduce", "traducir", "lengua"}
        if named and (any(t.norm in asks for t in tokens) or verb in {"make", "rename"} or len(tokens) <= 5):
            return [SetLanguage(named[-1])]
        return []

    def _title(
        self, text: str, tokens: Sequence[Token], mentions: list[_Mention], verb: Verb
    ) -> list[Amendment]:
        norms = [t.norm for t in tokens]
        joined = f" {' '.join(norms)} "
        titled = any(f" {w} " in joined for w in _TITLE_WORDS)
        renamed_app = verb == "rename" and any(w in norms for w in ("app", "aplicacion", "site", "web"))
        if not (titled or renamed_app):
            return []
        quoted = re.search(r"[\"“«']([^\"”»']{1,80})[\"”»']", text)
        if quoted:
            return [SetTitle(quoted.group(1).strip())]
        last_to = max((i for i, t in enumerate(tokens) if t.norm in _AS), default=-1)
        if last_to < 0:
            return []
        name, _ = _phrase(text, tokens, last_to + 1, len(tokens))
        return [SetTitle(name)] if name else []

    def _feature(
        self, text: str, tokens: Sequence[Token], mentions: list[_Mention], verb: Verb
    ) -> list[Amendment]:
        if verb not in {"add", "remove"} or any(t.norm in _FIELD_WORDS for t in tokens):
            return []
        if any(
            m.kind == "entity" and m.start > 0 and tokens[m.start - 1].norm in _TO | _ARTICLES
            for m in mentions
        ):
            return []  # "add a price and a purchase date to bikes": fields of an entity, not payments
        fields = {(m.start, m.end) for m in mentions if m.kind == "field"}
        wanted = [
            m.value
            for m in self.lex.feature_index.find(tokens)
            if not any(s <= m.start < e for s, e in fields)
        ]
        stubbed = [f for f in dict.fromkeys(wanted) if f in STUBBED_FEATURES]
        if verb == "add" and stubbed:  # switching on a placeholder would claim what is not built
            raise ChangeNotUnderstood(
                self._say("stub"), details={"reason": "needs_model", "features": stubbed}
            )
        return [SetFeature(f, verb == "add") for f in dict.fromkeys(wanted)]

    def _relation(
        self, text: str, tokens: Sequence[Token], mentions: list[_Mention], verb: Verb
    ) -> list[Amendment]:
        norms = {t.norm for t in tokens}
        relation_words = {
            "relation",
            "relacion",
            "link",
            "relaciona",
            "relacionar",
            "vincula",
            "belongs",
            "pertenece",
        }
        entities = [m.entity for m in mentions if m.kind == "entity"]
        if not norms & relation_words or len(entities) < 2:
            return []
        source, target = entities[0], entities[1]
        return [RemoveRelation(source, target) if verb == "remove" else AddRelation(source, target)]

    def _add(self, text: str, tokens: Sequence[Token], mentions: list[_Mention], at: int) -> list[Amendment]:
        entity_after = [m for m in mentions if m.kind == "entity" and m.start > at]
        to_at = next(
            (
                i
                for i in range(at + 1, len(tokens))
                if tokens[i].norm in _TO
                and any(
                    m.start == i + 1
                    or (
                        m.start == i + 2
                        and tokens[i + 1].norm in {"los", "las", "the", "el", "la", "each", "cada"}
                    )
                    for m in entity_after
                )
            ),
            None,
        )
        named = [
            m for m in mentions if m.kind == "entity" and at < m.start and (to_at is None or m.start < to_at)
        ]
        if named and not any(t.norm in _FIELD_WORDS for t in tokens):
            return self._entities(text, tokens, at)  # "añade préstamos de libros": maybe one it has
        if to_at is not None:  # "añade un campo editorial a los libros", "add a rating to books"
            owner = next(m for m in entity_after if m.start > to_at)
            words, norms = _phrase(text, tokens, at + 1, to_at)
            explicit = any(t.norm in _FIELD_WORDS for t in tokens)
            return self._fields(owner.entity, words, norms, explicit=explicit)
        if any(t.norm in _FIELD_WORDS for t in tokens) and entity_after:
            owner = entity_after[-1]  # "libros: añade el campo editorial"
            rest = [t for t in range(at + 1, len(tokens)) if not owner.start <= t < owner.end]
            words, norms = _phrase(text, tokens, rest[0], rest[-1] + 1) if rest else ("", ())
            return self._fields(owner.entity, words, norms, explicit=True)
        if any(t.norm in _FIELD_WORDS for t in tokens):  # a field for something the app does not have
            raise ChangeNotUnderstood(self._say("not_found"), details={"reason": "not_found"})
        return self._entities(text, tokens, at)

    def _fields(self, entity: str, words: str, norms: tuple[str, ...], *, explicit: bool) -> list[Amendment]:
        """Fields named by `words`; `explicit` when the request said "field"/"campo" (then whatever
        it names is a field's label, even "script")."""
        if not norms:
            raise ChangeNotUnderstood(self._say("no_field"), details={"reason": "no_field"})
        if not explicit and set(norms) & _CODE_WORDS:  # "add a button that sends an email to members"
            raise ChangeNotUnderstood(self._say("code"), details={"reason": "needs_model"})
        if not explicit and set(norms) & _RELATIVE:  # "add a rating that goes from 1 to 5 to books"
            raise ChangeNotUnderstood(self._say("unknown"), details={"reason": "unknown"})
        parts = [p.strip() for p in re.split(r",|\sand\s|\sy\s|\se\s", words) if p.strip()]
        out: list[Amendment] = []
        for part in parts[:10]:
            part_norms = tuple(t.norm for t in tokenize(part) if t.is_word and t.norm not in _SKIP)
            if part_norms:
                label = " ".join(w for w in part.split() if fold(w) not in _SKIP) or part
                out.append(AddField(entity, _new_field(label, part_norms, self.lex, self.language)))
        return out

    def _entities(self, text: str, tokens: Sequence[Token], at: int) -> list[Amendment]:
        """New entities named by what is added: the object of "add", up to a relative clause that is
        not an attribute phrase ("add a button that sends an email" adds no Email; "authors that
        have a name" keeps its fields). Pages, buttons or endpoints are code, not records: a model's job."""
        end = next(
            (
                i
                for i in range(at + 1, len(tokens) - 1)
                if tokens[i].norm in _RELATIVE and tokens[i + 1].norm not in _HAVING
            ),
            len(tokens),
        )
        if any(t.norm in _CODE_WORDS for t in tokens[at + 1 : end]):
            raise ChangeNotUnderstood(self._say("code"), details={"reason": "needs_model"})
        cut = text[: tokens[end].start] if end < len(tokens) else text
        try:
            drafted = design(cut).spec
        except PromptRejected as exc:
            raise ChangeNotUnderstood(self._say("unknown"), details={"reason": "unknown"}) from exc
        known = {fold(e.label) for e in self.spec.entities} | {e.name for e in self.spec.entities}
        new = [e for e in drafted.entities if fold(e.label) not in known and e.name not in known]
        if not new:
            raise ChangeNotUnderstood(self._say("exists"), details={"reason": "exists"})
        names = {e.name for e in self.spec.entities} | {e.name for e in new}
        out: list[Amendment] = []
        for entity in new:
            relations = tuple(r for r in entity.relations if r.target in names)
            out.append(AddEntity(entity.model_copy(update={"relations": relations})))
        return out

    def _remove(self, tokens: Sequence[Token], mentions: list[_Mention]) -> list[Amendment]:
        fields = [m for m in mentions if m.kind == "field"]
        entities = [m for m in mentions if m.kind == "entity"]
        if not fields and any(t.norm in _FIELD_WORDS for t in tokens):
            raise ChangeNotUnderstood(self._say("not_found"), details={"reason": "not_found"})
        if fields:
            owner = entities[-1].entity if entities else fields[0].entity
            return [
                RemoveField(
                    owner
                    if any(f.name == m.field for m in fields for f in self.spec.entity(owner).fields)
                    else m.entity,
                    m.field or "",
                )
                for m in fields
            ]
        if entities:
            return [RemoveEntity(m.entity) for m in entities]
        raise ChangeNotUnderstood(self._say("not_found"), details={"reason": "not_found"})

    def _rename(
        self, text: str, tokens: Sequence[Token], mentions: list[_Mention], at: int
    ) -> list[Amendment]:
        if not mentions:
            raise ChangeNotUnderstood(self._say("not_found"), details={"reason": "not_found"})
        subject = next((m for m in mentions if m.kind == "field"), mentions[0])
        to_at = next((i for i in range(subject.end, len(tokens)) if tokens[i].norm in _AS), None)
        if to_at is None:
            raise ChangeNotUnderstood(self._say("rename_to"), details={"reason": "rename_to"})
        label, _ = _phrase(text, tokens, to_at + 1, len(tokens))
        if not label:
            raise ChangeNotUnderstood(self._say("rename_to"), details={"reason": "rename_to"})
        label = _capital(label)[:60]
        if subject.kind == "field" and subject.field is not None:
            return [RenameField(subject.entity, subject.field, label)]
        one = _capital(singular_word(label, self.language))
        many = label if one != label else _capital(_plural(label, self.language))
        return [RenameEntity(subject.entity, one[:60], many[:60])]

    def _make(self, tokens: Sequence[Token], mentions: list[_Mention]) -> list[Amendment]:
        fields = [m for m in mentions if m.kind == "field" and m.field is not None]
        norms = [t.norm for t in tokens]
        joined = " " + " ".join(norms) + " "
        required = True if any(f" {w} " in joined for w in _REQUIRED) else None
        if any(f" {w} " in joined for w in _OPTIONAL):
            required = False
        unique = True if any(f" {w} " in joined for w in _UNIQUE) else None
        after = max((m.end for m in fields), default=0)
        type_ = _type_named(norms[after:]) if fields else None
        if fields and (required is not None or unique is not None or type_ is not None):
            return [SetField(m.entity, m.field or "", type_, required, unique) for m in fields]
        raise ChangeNotUnderstood(self._say("unknown"), details={"reason": "unknown"})

    def _say(self, reason: str) -> str:
        return _MESSAGES[self.language][reason]


def _plural(label: str, language: Language) -> str:
    first, _, rest = label.partition(" ")
    return (plural(first, language) + " " + rest).strip() if language == "es" else plural(label, language)


_EXAMPLES = {
    "en": "'add a publisher field to books', 'remove the notes field', 'rename members to partners', "
    "'make the ISBN unique', 'add search', 'use green and white'",
    "es": "'añade un campo editorial a los libros', 'quita el campo notas', 'renombra socios a miembros', "
    "'haz que el ISBN sea único', 'añade búsqueda', 'usa colores verde y blanco'",
}
_NOTHING = {"en": " Nothing was charged.", "es": " No se ha cobrado nada."}
_OFFLINE = {"en": "I can't do this offline: ", "es": "No puedo hacerlo sin modelo: "}
_MESSAGES: dict[Language, dict[str, str]] = {
    "en": {
        "unknown": _OFFLINE["en"] + "I couldn't map the request to a change of the app. Try, for example, "
        + _EXAMPLES["en"] + ". A model understands more." + _NOTHING["en"],
        "not_found": _OFFLINE["en"] + "the request names no entity or field of this app." + _NOTHING["en"],
        "no_field": _OFFLINE["en"] + "say which field to add, e.g. 'add a publisher field to books'."
        + _NOTHING["en"],
        "rename_to": _OFFLINE["en"] + "say the new name, e.g. 'rename members to partners'." + _NOTHING["en"],
        "exists": "Nothing to change: the app already has that." + _NOTHING["en"],
        "empty": "Write what to change, e.g. " + _EXAMPLES["en"] + ".",
        "too_many": "One request can hold at most 10 changes; split it." + _NOTHING["en"],
        "stub": _OFFLINE["en"] + "the offline engine does not build accounts or file uploads yet (only a "
        "placeholder). A model can: choose one for the change." + _NOTHING["en"],
        "code": _OFFLINE["en"] + "this changes the app's code or pages (an endpoint, a button, a page…), "
        "not its records and fields. A model can: choose one for the change." + _NOTHING["en"],
    },
    "es": {
        "unknown": _OFFLINE["es"] + "no he sabido convertir la petición en un cambio de la app. Prueba, por "
        "ejemplo, " + _EXAMPLES["es"] + ". Un modelo entiende más." + _NOTHING["es"],
        "not_found": _OFFLINE["es"] + "la petición no nombra ninguna entidad ni campo de esta app."
        + _NOTHING["es"],
        "no_field": _OFFLINE["es"] + "di qué campo añadir, p. ej. 'añade un campo editorial a los libros'."
        + _NOTHING["es"],
        "rename_to": _OFFLINE["es"] + "di el nombre nuevo, p. ej. 'renombra socios a miembros'."
        + _NOTHING["es"],
        "exists": "No hay nada que cambiar: la app ya lo tiene." + _NOTHING["es"],
        "empty": "Escribe qué cambiar, p. ej. " + _EXAMPLES["es"] + ".",
        "too_many": "Una petición puede tener como mucho 10 cambios; divídela." + _NOTHING["es"],
        "stub": _OFFLINE["es"] + "el motor sin modelo aún no construye cuentas ni subida de archivos (solo "
        "un marcador). Un modelo sí puede: elige uno para el cambio." + _NOTHING["es"],
        "code": _OFFLINE["es"] + "esto cambia el código o las páginas de la app (un endpoint, un botón, "
        "una página…), no sus registros y campos. Un modelo sí puede: elige uno para el cambio."
        + _NOTHING["es"],
    },
}  # fmt: skip


def read_request(request: str, spec: AppSpec) -> list[Amendment]:
    """The changes a follow-up request asks for. Raises ChangeNotUnderstood when it maps to none."""
    text = " ".join(request.split()) if "\n" not in request else request.strip()
    if not text:
        raise ChangeNotUnderstood(_MESSAGES[spec.language]["empty"], details={"reason": "empty"})
    clauses = [c.strip(" ,") for c in _CLAUSE.split(text) if c and c.strip(" ,")]
    if len(clauses) > _MAX_CLAUSES:
        raise ChangeNotUnderstood(_MESSAGES[spec.language]["too_many"], details={"reason": "too_many"})
    reader = _Reader(spec, lexicon())
    out: list[Amendment] = []
    for clause in clauses:
        out += reader.clause(clause)
    if not out:
        raise ChangeNotUnderstood(_MESSAGES[spec.language]["unknown"], details={"reason": "unknown"})
    return out
