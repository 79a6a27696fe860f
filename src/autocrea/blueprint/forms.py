"""Forms the public fills in: requests, applications, registrations, enquiries.

An entity the public submits (a quote request, a job application, a registration for an event) gets
a form page of its own in the navigation, besides its list; with accounts, only administrators read
what was sent. When the description says the requests are made from the home page ("through the
website homepage form", "en la página de inicio"), the home page shows that form too.
"""

from __future__ import annotations

from collections.abc import Sequence

from autocrea.blueprint.text import SENTENCE_END, Token
from autocrea.domain.appspec import RESERVED_FIELDS, EntitySpec, FieldSpec, FieldType, Language
from autocrea.domain.naming import snake

# Class names (or their last word) of the records a member of the public sends in.
_SUBMITTED = frozenset(
    {"Request", "Application", "Registration", "Enquiry", "Inquiry", "Solicitud", "Inscripcion"}
    | {"Signup", "Submission", "Candidatura", "Consulta"}
)
_HOME = (("home", "page"), ("homepage",), ("front", "page"), ("landing", "page"))
_HOME_ES = (("pagina", "de", "inicio"), ("pagina", "principal"), ("portada",))
_FORM = frozenset({"form", "forms", "formulario", "formularios"})


def submitted(entity: EntitySpec) -> bool:
    """Does the public send these records in (a QuoteRequest, a JobApplication; in Spanish the head
    comes first: a SolicitudDeMantenimiento)?"""
    words = _split(entity.name)
    return bool(words) and (words[-1] in _SUBMITTED or words[0] in _SUBMITTED)


def _split(name: str) -> list[str]:
    out: list[str] = []
    for char in name:
        if char.isupper() or not out:
            out.append(char)
        else:
            out[-1] += char
    return out


def on_home(tokens: Sequence[Token]) -> bool:
    """Does the description put a form on the home page ("homepage form submission")?"""
    norms = [t.norm for t in tokens]
    if not any(n in _FORM for n in norms):
        return False
    for phrase in (*_HOME, *_HOME_ES):
        for i in range(len(norms) - len(phrase) + 1):
            if tuple(norms[i : i + len(phrase)]) == phrase:
                return True
    return False


def title(entity: EntitySpec, language: Language) -> str:
    """The form page's title: 'Submit a request', 'Enviar solicitud'."""
    label = entity.label[:1].lower() + entity.label[1:]
    if language == "es":
        return f"Enviar {label}"[:80]
    article = "an" if label[:1] in "aeiou" else "a"
    return f"Submit {article} {label}"[:80]


def path(entity: EntitySpec, language: Language, used: set[str]) -> str:
    """The form page's path: /request-form, /formulario-solicitudes."""
    stem = entity.table.replace("_", "-")[:28]
    candidate = f"/formulario-{stem}" if language == "es" else f"/{stem}-form"
    while candidate in used:
        candidate = candidate[:38] + "-2"
    return candidate


_REQUEST_WORDS = frozenset({"request", "requests", "solicitud", "solicitudes", "enquiry", "enquiries"})
_PREFERENCE_WORDS = frozenset({"preference", "preferences", "preferencia", "preferencias"})
_AND = frozenset({"and", "y", "or", "o"})
# Entities read from "customer request handling": the handling of requests, not records.
HANDLING = frozenset({"Handling", "RequestHandling", "Gestion", "GestionDeSolicitudes", "Tramitacion"})
_REQUEST = {
    "en": ("Request", "Requests", ("Name", "E-mail", "Phone", "Preferred date", "Details")),
    "es": (
        "Solicitud",
        "Solicitudes",
        ("Nombre", "Correo electrónico", "Teléfono", "Fecha deseada", "Detalles"),
    ),
}


def asks_requests(tokens: Sequence[Token]) -> bool:
    """Are requests sent from a home-page form ("users initiate requests through the homepage form")?"""
    return on_home(tokens) and any(t.norm in _REQUEST_WORDS for t in tokens)


def _preferences(tokens: Sequence[Token]) -> list[str]:
    """The options listed in the sentence that speaks of preferences ("apply hotel, flight,
    transport, and golf conditions"): single words joined by commas and a final 'and'."""
    ends = [i for i, t in enumerate(tokens) if t.norm in SENTENCE_END] + [len(tokens)]
    start = 0
    for end in ends:
        sentence = tokens[start:end]
        start = end + 1
        if not any(t.norm in _PREFERENCE_WORDS for t in sentence):
            continue
        norms = [t.norm for t in sentence]
        for i in range(len(norms)):
            run = [norms[i]]
            j = i + 1
            while j + 1 < len(norms) and norms[j] == ",":
                if norms[j + 1] in _AND and j + 2 < len(norms):
                    run.append(norms[j + 2])
                    break
                run.append(norms[j + 1])
                j += 2
            else:
                if j + 1 < len(norms) and norms[j] in _AND and len(run) >= 2:
                    run.append(norms[j + 1])
            if len(run) >= 3 and all(w.isalpha() for w in run):
                return run[:6]
    return []


def bare(entity: EntitySpec) -> bool:
    """A request-like entity read from a noun alone (name and description): the home page's
    request form gives it its fields."""
    return submitted(entity) and {f.name for f in entity.fields} <= {"name", "description"}


def request_entity(tokens: Sequence[Token], language: Language, like: EntitySpec | None = None) -> EntitySpec:
    """What a visitor sends from the home page: who they are, when, and the options they want
    (named like the bare entity `like` when the description named one: a Solicitud)."""
    label, plural, names = _REQUEST[language]
    kinds: tuple[FieldType, ...] = ("string", "email", "phone", "date", "text")
    stems = ("name", "email", "phone", "preferred_date", "details")
    fields = [
        FieldSpec(name=stem, label=text, type=kind, required=stem in ("name", "email"))
        for stem, text, kind in zip(stems, names, kinds, strict=True)
    ]
    taken = set(stems)
    for word in _preferences(tokens):
        name = snake(word)
        if name not in taken and name not in RESERVED_FIELDS:
            taken.add(name)
            fields.insert(-1, FieldSpec(name=name, label=word.capitalize(), type="boolean"))
    if like is not None:
        return like.model_copy(update={"fields": tuple(fields), "display_field": "name"})
    return EntitySpec(
        name="Request" if language == "en" else "Solicitud",
        table="requests" if language == "en" else "solicitudes",
        label=label,
        label_plural=plural,
        fields=tuple(fields),
        display_field="name",
    )
