"""Notes: the human-readable lines the architect leaves in the run log, in the prompt's language."""

from __future__ import annotations

from collections.abc import Sequence

from autocrea.blueprint import integrations
from autocrea.domain.appspec import AppSpec, Language

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "language": "Language: English.",
        "entities": "Entities: {items}.",
        "from_prompt": "{entity}: fields from the prompt: {items}.",
        "inferred": "No entities named; using the usual ones for {kind}: {items}.",
        "completed": "Added the usual companions for {kind}: {items}.",
        "contact": "Added {entity} to store the contact form's messages.",
        "views": "Menu links to filtered lists: {items}.",
        "views_dropped": "{items}: lists of another entity's records in one state, not tables of their own.",
        "contact_usual": "A contact page, usual for {kind}: added {entity} to store its messages.",
        "dropped": "Also mentioned but left out to keep the app small: {items}.",
        "relations": "Relations: {items}.",
        "features": "Features: {items}.",
        "charts": "Dashboard charts: {items}.",
        "reports": "{page} are computed from the data (charts and their tables), not typed in by hand.",
        "survey": "A survey is the main thing: its records are the responses ({entity}), its questions "
        "the fields ({topic} questions: {items}).",
        "forms": "Filled in by the public on a form page: {items}.",
        "home_form": "The home page shows the form of {entity}.",
        "chat": "{page}: a community chat (rooms; new messages appear live) built from '{words}'.",
        "support_chat": "{page}: a customer support chat (each visitor's own conversation with the "
        "staff, an honest automatic first reply, answered live) built from '{words}'.",
        "chat_dropped": "{items}: left out, the chat keeps its own messages.",
        "integration": "{requested} → {provided} ({kind}).",
        "theme": "Theme: background {background}, components {primary}, text {text}.",
        "default_theme": "Theme: default dark slate and cyan (no colours requested).",
    },
    "es": {
        "language": "Idioma: español.",
        "entities": "Entidades: {items}.",
        "from_prompt": "{entity}: campos indicados en la descripción: {items}.",
        "inferred": "No se nombran entidades; se usan las habituales de {kind}: {items}.",
        "completed": "Se añaden las habituales de {kind}: {items}.",
        "contact": "Se añade {entity} para guardar los mensajes del formulario de contacto.",
        "views": "Enlaces del menú a listas filtradas: {items}.",
        "views_dropped": "{items}: registros de otra entidad en un estado, no una tabla aparte.",
        "contact_usual": "Página de contacto, habitual en {kind}: se añade {entity} para sus mensajes.",
        "dropped": "También se mencionan, pero se dejan fuera para que la app sea pequeña: {items}.",
        "relations": "Relaciones: {items}.",
        "features": "Funciones: {items}.",
        "charts": "Gráficos del panel: {items}.",
        "reports": "{page}: se calculan con los datos (gráficos y sus tablas), no se escriben a mano.",
        "survey": "Lo principal es una encuesta: sus registros son las respuestas ({entity}) y sus "
        "preguntas, los campos (preguntas de {topic}: {items}).",
        "forms": "El público los rellena en una página de formulario: {items}.",
        "home_form": "La página de inicio muestra el formulario de {entity}.",
        "chat": "{page}: un chat de comunidad (salas; los mensajes nuevos aparecen al momento) a "
        "partir de '{words}'.",
        "support_chat": "{page}: un chat de atención al cliente (cada visitante tiene su conversación "
        "con el personal, una primera respuesta automática que lo dice, respuestas al momento) a "
        "partir de '{words}'.",
        "chat_dropped": "{items}: se deja fuera, el chat guarda sus propios mensajes.",
        "integration": "{requested} → {provided} ({kind}).",
        "theme": "Tema: fondo {background}, componentes {primary}, texto {text}.",
        "default_theme": "Tema: oscuro pizarra y cian por defecto (no se piden colores).",
    },
}
_KIND = {
    "en": {"substitution": "substitution", "stub": "stub"},
    "es": {"substitution": "sustitución", "stub": "simulado"},
}


def line(language: Language, key: str, **values: str) -> str:
    return _TEXT[language][key].format(**values)


def items(values: Sequence[str]) -> str:
    return ", ".join(values)


def describe(spec: AppSpec, language: Language) -> list[str]:
    """Lines that describe a finished spec (what was inferred is noted by the architect itself)."""
    out = [line(language, "entities", items=items([f"{e.label} ({e.name})" for e in spec.entities]))]
    relations = [f"{e.name}.{r.field} → {r.target}" for e in spec.entities for r in e.relations]
    if relations:
        out.append(line(language, "relations", items=items(relations)))
    out.append(line(language, "features", items=items(list(spec.features)) or "—"))
    if spec.charts:
        out.append(line(language, "charts", items=items([c.title for c in spec.charts])))
    for integration in (integrations.in_language(i, language) for i in spec.integrations):
        out.append(
            line(
                language,
                "integration",
                requested=integration.requested,
                kind=_KIND[language][integration.kind],
                provided=integration.provided,
            )
        )
    theme = spec.theme
    if theme.background_name or theme.primary_name:
        background = f"{theme.background_name or '—'} ({theme.background})"
        primary = f"{theme.primary_name or '—'} ({theme.primary})"
        out.append(line(language, "theme", background=background, primary=primary, text=theme.text))
    else:
        out.append(line(language, "default_theme"))
    return out
