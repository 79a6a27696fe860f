"""The offline architect: a free-text prompt (Spanish or English) -> a valid AppSpec, with no model.

    prompt -> tokens -> language
                     -> nouns (lexicon concepts, "manage X" unknowns) -> attribute lists -> entities
                     -> app type (fallback entities, features) -> relations -> features, charts
                     -> integrations (substituted / stubbed), theme colours, name, pages

Pure and deterministic: the same prompt always gives the same spec, quickly (the lexicon is loaded
once). A prompt with neither a domain noun nor an app type ("hola") raises PromptRejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autocrea.blueprint import (
    activities,
    colours,
    features,
    forms,
    i18n,
    integrations,
    notes,
    survey,
    titles,
    views,
)
from autocrea.blueprint.attributes import AttributeList, attribute, find_lists
from autocrea.blueprint.entities import Draft, add_attributes, draft_for
from autocrea.blueprint.language import detect, foreign
from autocrea.blueprint.lexicon import Lexicon, lexicon
from autocrea.blueprint.nouns import UNKNOWN, Mention, UnknownNoun, concept_mentions, unknown_mentions
from autocrea.blueprint.reading import Reading, grammar, read
from autocrea.blueprint.relations import compound_links, joined_nouns, lexicon_links, link
from autocrea.blueprint.text import SENTENCE_END, Token, fold, tokenize
from autocrea.domain.appspec import (
    AppSpec,
    ChartSpec,
    EntitySpec,
    Feature,
    IntegrationSpec,
    Language,
    PageSpec,
)
from autocrea.domain.naming import slug
from autocrea.domain.prompt import clean_prompt
from autocrea.errors import PromptRejected

MAX_ENTITIES = 8  # from the prompt's nouns; a contact form may add one more
_RESERVED_PATHS = frozenset(
    {"/api", "/static", "/docs", "/redoc", "/openapi-json", "/health", "/dashboard", "/contact", "/profile"}
    | {"/chat", "/support"}
)
_CONTACT = "ContactMessage"
_BARE_REPORTS = frozenset({"report", "informe", "reporte"})
_GENERATE = frozenset(
    {"generate", "generates", "generating", "produce", "produces", "producing"}
    | {"generar", "genera", "generan"}
)
_VOTE_NOUNS = frozenset({"vote", "votes", "voting", "voto", "votos", "votacion", "votaciones"})
_REJECTION = {
    "en": (
        "I couldn't tell what this app should manage. Name the things it keeps track of, for example "
        "'a library with books, members and loans' or 'a to-do app with tasks and due dates'."
    ),
    "es": (
        "No queda claro qué debe gestionar la app. Nombra las cosas que guarda, por ejemplo "
        "'una biblioteca con libros, socios y préstamos' o 'una app de tareas con fecha límite'."
    ),
}
_TOOL = {
    "en": (
        "This looks like a {tool}: an app that keeps no records. Offline, AUTOCREA builds apps that keep "
        "records (lists, forms, dashboards); choose a model to build this one. Nothing was charged."
    ),
    "es": (
        "Esto parece un/a {tool}: una app que no guarda registros. Sin modelo, AUTOCREA construye apps "
        "que guardan datos (listas, formularios, paneles); elige un modelo para construir esta. "
        "No se ha cobrado nada."
    ),
}
_FOREIGN = (
    "Sin modelo, AUTOCREA solo entiende descripciones en español o inglés, y esta parece escrita en "
    "{language}. Escríbela en español o en inglés, o elige un modelo (entiende más idiomas). / Offline, "
    "AUTOCREA only understands Spanish and English, and this looks like {language}: write it in Spanish "
    "or English, or choose a model (models understand more languages)."
)
_PAGE_TITLES = {
    "en": {
        "dashboard": "Dashboard",
        "contact": "Contact",
        "chat": "Chat",
        "support_chat": "Customer Support",
    },
    "es": {
        "dashboard": "Panel",
        "contact": "Contacto",
        "chat": "Chat",
        "support_chat": "Atención al cliente",
    },
}
# The chat page's title in the user's own words, from the words that asked for it.
_CHAT_TITLES = {
    "messages": "Messages",
    "mensajes": "Mensajes",
    "live chat": "Live Chat",
    "chat rooms": "Chat Rooms",
    "chat room": "Chat Rooms",
    "salas de chat": "Salas de chat",
    "help desk chat": "Help Desk",
    "helpdesk chat": "Help Desk",
    "live support": "Live Support",
    "soporte al cliente": "Soporte",
    "soporte en linea": "Soporte",
    "chat de soporte": "Soporte",
}


@dataclass(frozen=True)
class Blueprint:
    spec: AppSpec
    notes: tuple[str, ...]  # what was inferred, substituted or stubbed, for the run log


@dataclass(frozen=True)
class _Choice:
    keys: list[str]
    apptype: str | None  # the app type that supplied or completed the entities
    inferred: list[str]
    dropped: list[str]


def _apptypes(tokens: Sequence[Token], lex: Lexicon) -> list[str]:
    """App types the prompt names, in order of first mention."""
    return list(dict.fromkeys(m.value for m in lex.apptype_index.find(tokens)))


def _choose(mentions: Sequence[Mention], apptypes: Sequence[str], lex: Lexicon) -> _Choice:
    score: dict[str, float] = {}
    first: dict[str, int] = {}
    for m in mentions:
        score[m.key] = score.get(m.key, 0.0) + m.weight
        first.setdefault(m.key, m.start)
    ranked = sorted(score, key=lambda k: (-score[k], first[k]))
    keys = sorted(ranked[:MAX_ENTITIES], key=lambda k: first[k])
    dropped = ranked[MAX_ENTITIES:]
    if not keys:
        for key in apptypes:  # no nouns: the first app type's usual entities
            return _Choice(list(lex.apptypes[key].defaults), key, list(lex.apptypes[key].defaults), dropped)
        return _Choice([], None, [], dropped)
    for key in apptypes:  # "a blog with posts": complete with the blog's usual entities
        defaults = lex.apptypes[key].defaults
        if set(keys) <= set(defaults):
            added = [d for d in defaults if d not in keys]
            return _Choice(keys + added, key, added, dropped)
    return _Choice(keys, None, [], dropped)


def _outside_lists(
    mentions: Sequence[Mention], lists: Sequence[AttributeList], kept: set[str]
) -> list[Mention]:
    """Nouns inside an attribute list are attributes, not entities ("...including diagnosis, comments")."""
    spans = sorted((a.start, a.end) for a in lists)
    return [m for m in mentions if m.key in kept or not any(s <= m.start < e for s, e in spans)]


@dataclass(frozen=True)
class _Read:
    mentions: dict[int, Mention]  # thing index -> its mention, keyed by concept or UNKNOWN + words
    named: dict[str, UnknownNoun]  # the user's words for every key above
    owners: list[tuple[str, str]]  # (thing, owner) from attribute lists: "recipes with ingredients"


def _read_things(reading: Reading, tokens: Sequence[Token], lex: Lexicon) -> _Read:
    mentions: dict[int, Mention] = {}
    named: dict[str, UnknownNoun] = {}
    for n, thing in enumerate(reading.things):
        if not thing.many and any(
            m.start <= thing.head < m.end for m in lex.feature_index.find(tokens, thing.start, thing.end)
        ):
            continue  # "con CMS y autenticación": a feature asked for, not records
        words = {t.norm for t in tokens[thing.start : thing.end]}
        if words & {"user", "usuario"} and any(
            m.value == "auth" for m in lex.feature_index.find(tokens, thing.start, thing.end)
        ):
            continue  # "user accounts", "cuentas de usuario": the accounts feature, not records
        services = lex.integration_index.find(tokens, thing.start, thing.end)
        if any(not m.start <= thing.head < m.end for m in services):
            continue  # "pagos Stripe" asks for a service, it names no records ("pagos" alone does)
        matches = [m for m in lex.concept_index.find(tokens, thing.start, thing.end) if m.value]
        concept = next((m.value for m in matches if m.start <= thing.head < m.end), None)
        key = concept if concept is not None else UNKNOWN + thing.key
        if key in named and named[key].singular != thing.singular:
            key = UNKNOWN + thing.key  # "clients and customers": two things, one concept
        named.setdefault(key, UnknownNoun(key, thing.singular, thing.plural, fold(thing.plural)))
        mentions[n] = Mention(key, thing.start, thing.end, thing.weight)
    owners = [
        (mentions[child].key, mentions[parent].key)
        for child, parent in reading.links
        if child in mentions and parent in mentions
    ]
    return _Read(mentions, named, owners)


def _reader_lists(
    text: str, tokens: Sequence[Token], reading: Reading, found: _Read, lex: Lexicon
) -> list[AttributeList]:
    by_owner: dict[int, list[tuple[int, int]]] = {}
    for start, end, owner in reading.fields:
        if owner in found.mentions:
            by_owner.setdefault(owner, []).append((start, end))
    lists = []
    for owner, spans in by_owner.items():
        mention = found.mentions[owner]
        items = [attribute(text, tokens, span, mention, lex) for span in spans]
        attributes = tuple(a for a in items if a is not None)
        if attributes:
            lists.append(AttributeList(mention.key, attributes, spans[0][0], spans[-1][1]))
    return lists


def _inside(mention: Mention, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s <= mention.start < e or mention.start <= s < mention.end for s, e in spans)


def _build_entities(
    tokens: Sequence[Token],
    choice: _Choice,
    lists: Sequence[AttributeList],
    mentions: Sequence[Mention],
    unknown: dict[str, UnknownNoun],
    lex: Lexicon,
    language: Language,
    owners: Sequence[tuple[str, str]],
) -> dict[str, Draft]:
    drafts: dict[str, Draft] = {}
    names: set[str] = set()
    tables: set[str] = set()
    for key in choice.keys:
        draft = draft_for(key, lex, unknown, language)
        if draft.name in names or draft.table in tables:
            continue  # an unknown word that spells like a known entity
        names.add(draft.name)
        tables.add(draft.table)
        drafts[key] = draft
    related: list[tuple[str, str]] = []
    for found in lists:
        if found.owner in drafts:
            targets = add_attributes(drafts[found.owner], found.attributes, lex, language, set(drafts))
            related += [(found.owner, t) for t in targets]
    lexicon_links(drafts)
    compound_links(drafts)
    for source, target in [*owners, *related, *joined_nouns(tokens, mentions, lex.link_connectors)]:
        link(drafts, source, target, required=False)
    return drafts


def _entity(draft: Draft) -> EntitySpec:
    return EntitySpec(
        name=draft.name,
        table=draft.table,
        label=draft.label,
        label_plural=draft.label_plural,
        fields=tuple(draft.fields),
        relations=tuple(draft.relations),
        display_field=draft.display,
    )


def pages(
    name: str,
    entities: Sequence[EntitySpec],
    feature_set: Sequence[Feature],
    language: Language,
    dashboard_title: str | None = None,
    activity_pages: Sequence[PageSpec] = (),
    home_form: bool = False,
    chat_title: str | None = None,
) -> tuple[PageSpec, ...]:
    """Home, a form page for what the public fills in (a survey's responses, requests), each
    entity's list, the dashboard, the contact page. With `home_form`, the home page shows the first
    form too."""
    public = [e for e in entities if is_public_form(e)]
    home_entity = public[0].name if home_form and public else None
    pages = [PageSpec(path="/", title=name[:80], kind="home", entity=home_entity)]
    used = set(_RESERVED_PATHS)
    for entity in public:
        path, title = survey.page(language) if survey.is_response(entity) else ("", "")
        path = path if path and path not in used else forms.path(entity, language, used)
        used.add(path)
        title = title or forms.title(entity, language)
        pages.append(PageSpec(path=path, title=title, kind="form", entity=entity.name))
    for entity in entities:
        path = "/" + entity.table.replace("_", "-")[:40]
        if path in used:
            path = path[:36] + "-list"
        used.add(path)
        pages.append(PageSpec(path=path, title=entity.label_plural, kind="entity", entity=entity.name))
    pages += [p for p in activity_pages if p.path not in used]
    if "dashboard" in feature_set:
        title = dashboard_title or _PAGE_TITLES[language]["dashboard"]
        pages.append(PageSpec(path="/dashboard", title=title, kind="dashboard"))
    if "contact_form" in feature_set:
        pages.append(PageSpec(path="/contact", title=_PAGE_TITLES[language]["contact"], kind="contact"))
    chat = "support_chat" if "support_chat" in feature_set else "chat" if "chat" in feature_set else None
    if chat is not None:
        path = "/support" if chat == "support_chat" else "/chat"
        title = chat_title or _PAGE_TITLES[language][chat]
        pages.append(PageSpec(path=path, title=title, kind="chat"))
    return tuple(pages)


def is_public_form(entity: EntitySpec) -> bool:
    """Does the public fill these records in on a form page (survey responses, requests)?"""
    return survey.is_response(entity) or forms.submitted(entity)


def _chat_words(tokens: Sequence[Token], lex: Lexicon, feature_set: Sequence[Feature]) -> str:
    """The words that asked for the app's chat ("online customer support", "chatear")."""
    chat = "support_chat" if "support_chat" in feature_set else "chat"
    found = [m for m in lex.feature_index.find(tokens) if m.value == chat]
    return " ".join(t.norm for t in tokens[found[0].start : found[0].end]) if found else chat


def _choice_notes(
    choice: _Choice, nouns: dict[str, UnknownNoun], lex: Lexicon, language: Language
) -> list[str]:
    log = [notes.line(language, "language")]
    if choice.apptype and choice.inferred:
        kind = lex.apptypes[choice.apptype].names[language]
        label = [lex.concepts[k].label(language) for k in choice.inferred]
        key = "inferred" if choice.inferred == choice.keys else "completed"
        log.append(notes.line(language, key, kind=kind, items=notes.items(label)))
    if choice.dropped:
        dropped = [
            lex.concepts[k].label(language) if k in lex.concepts else nouns[k].singular
            for k in choice.dropped
        ]
        log.append(notes.line(language, "dropped", items=notes.items(dropped[:10])))
    return log


def _with_votes(
    entities: tuple[EntitySpec, ...],
    tokens: Sequence[Token],
    lex: Lexicon,
    mentions: Sequence[Mention],
    drafts: dict[str, Draft],
) -> tuple[EntitySpec, ...]:
    """Who takes votes: what a vote word names in its sentence ("vote on pictures"), else the first
    entity that is neither a person (it has an e-mail) nor the contact form's messages; nobody when
    the votes are records of their own ("cast votes")."""
    # A thing named for the voting itself ("cast votes", "voting results") is not voted for.
    names = {key: d.name for key, d in drafts.items() if not features.names_the_voting(d.name)}
    ends = [i for i, t in enumerate(tokens) if t.norm in SENTENCE_END] + [len(tokens)]
    chosen: set[str] = set()
    for match in lex.feature_index.find(tokens):
        if match.value != "votes":
            continue
        stop = next(end for end in ends if end >= match.end)
        after = [m for m in mentions if match.end <= m.start < stop and m.key in names]
        if after:
            first = min(after, key=lambda m: m.start)
            if _voted_for(tokens, match.end, first.start):
                chosen.add(names[first.key])
    if not chosen and len(names) == len(drafts):  # with a Vote entity, votes are its records
        default = features.voted_default(entities)
        chosen = {default} if default else set()
    return features.with_votes(entities, chosen)


def _computed_reports(
    entities: tuple[EntitySpec, ...], tokens: Sequence[Token]
) -> tuple[tuple[EntitySpec, ...], str | None]:
    """'generate reports of the calls' with a dashboard: the reports are the dashboard, computed
    from the data, not a table of hand-typed rows. A bare Report that no record points at goes (a
    "stock report" stays a record of its own, and so do reports a therapist writes: only reports
    the app is asked to generate are computed), and the dashboard takes its name."""
    generated = any(
        t.norm in _BARE_REPORTS | {"reports", "informes", "reportes"}
        and any(w.norm in _GENERATE for w in tokens[max(0, i - 4) : i])
        for i, t in enumerate(tokens)
    )
    if not generated:
        return entities, None
    for entity in entities:
        used = any(r.target == entity.name for e in entities for r in e.relations)
        if fold(entity.label) in _BARE_REPORTS and not used and len(entities) > 1:
            return tuple(e for e in entities if e is not entity), entity.label_plural
    return entities, None


def _has_chat(feature_set: Sequence[Feature]) -> bool:
    return "chat" in feature_set or "support_chat" in feature_set


def _chat_rooms(tokens: Sequence[Token], lex: Lexicon) -> bool:
    """Does the description name the chat's rooms ("chat rooms", "salas de chat")?"""
    words = {
        t.norm for m in lex.feature_index.find(tokens) if m.value == "chat" for t in tokens[m.start : m.end]
    }
    return bool(words & {"room", "rooms", "chatroom", "chatrooms", "sala", "salas"})


def _chat_title(tokens: Sequence[Token], lex: Lexicon, feature_set: Sequence[Feature]) -> str | None:
    words = _chat_words(tokens, lex, feature_set)
    if "support_chat" in feature_set and any(t.norm == "soporte" for t in tokens) and "atencion" not in words:
        return "Soporte"
    if "chat" in feature_set and any(t.norm in {"messages", "mensajes"} for t in tokens):
        return "Messages" if any(t.norm == "messages" for t in tokens) else "Mensajes"
    return next((title for key, title in _CHAT_TITLES.items() if key in words), None)


def _chat_log(
    feature_set: Sequence[Feature],
    entities: Sequence[EntitySpec],
    language: Language,
    tokens: Sequence[Token],
    lex: Lexicon,
) -> list[str]:
    if not _has_chat(feature_set):
        return []
    chat = "support_chat" if "support_chat" in feature_set else "chat"
    page = _chat_title(tokens, lex, feature_set) or _PAGE_TITLES[language][chat]
    log = [notes.line(language, chat, page=page, words=_chat_words(tokens, lex, feature_set))]
    kept = {e.name for e in features.without_chat_entities(entities, _chat_rooms(tokens, lex))}
    gone = [e.label for e in entities if e.name not in kept]
    if gone:
        log.append(notes.line(language, "chat_dropped", items=notes.items(gone)))
    return log


def _without_chat_stand_in(
    found: Sequence[IntegrationSpec], feature_set: Sequence[Feature]
) -> tuple[IntegrationSpec, ...]:
    """With the chat built, the "Chat" request is met: no stand-in is listed for it."""
    if not _has_chat(feature_set):
        return tuple(found)
    return tuple(i for i in found if i.requested != "Chat")


def _voted_for(tokens: Sequence[Token], vote_end: int, start: int) -> bool:
    """Does the vote word at tokens[:vote_end] take the thing at `start` as its object? "vote on
    the pictures", "like recipes", "votan las ideas" do; "voting results", "cast votes and view
    results" do not (a vote noun needs "on" or "for"; only articles and prepositions between)."""
    g = grammar()
    gap = [t.norm for t in tokens[vote_end:start]]
    if any(w not in g.prepositions and w not in g.determiners for w in gap):
        return False
    return tokens[vote_end - 1].norm not in _VOTE_NOUNS or any(w in g.prepositions for w in gap)


def dashboard_charts(
    entities: Sequence[EntitySpec], feature_set: Sequence[Feature], language: Language
) -> tuple[ChartSpec, ...]:
    """The dashboard's charts: a survey's answers (one chart per choice or yes/no question), else
    a few charts taking turns between the entities."""
    if "dashboard" not in feature_set:
        return ()
    responses = [e for e in entities if survey.is_response(e)]
    if responses:
        return survey.charts(responses[0])
    return features.charts(entities, language)


def _tool_stub(tool: str | None) -> tuple[IntegrationSpec, ...]:
    """A game or calculator that also names records: the records are built, the tool is said not to be."""
    if tool is None:
        return ()
    return (
        IntegrationSpec(
            requested=tool.capitalize()[:80],
            kind="stub",
            provided=i18n.text("en", "integration_tool", tool=tool),
            note=i18n.text("en", "integration_asked", words=tool),
        ),
    )


def design(prompt: str) -> Blueprint:
    """Design an app from a description. Raises PromptRejected when no app can be recognised."""
    text = clean_prompt(prompt)
    lex = lexicon()
    tokens = tokenize(text)
    other = foreign(text, tokens, lex)
    if other is not None:
        raise PromptRejected(
            _FOREIGN.format(language=other), details={"reason": "language", "language": other}
        )
    language = detect(text, tokens, lex)
    # 1. Things the description lists (read from its structure, in its own words); nouns of the
    #    lexicon elsewhere; and the attribute lists that hang off them.
    style = colours.style_tokens(tokens, lex)
    reading = read(text, tokens, language, style)
    if reading.tool is not None and not any(t.slot in {"listed", "object", "child"} for t in reading.things):
        raise PromptRejected(
            _TOOL[language].format(tool=reading.tool),
            details={"reason": "needs_model", "kind": reading.tool, "language": language},
        )
    found = _read_things(reading, tokens, lex)
    things = list(found.mentions.values())
    taken = [(m.start, m.end) for m in things] + list(reading.quiet) + [(i, i + 1) for i in style]
    known = [m for m in concept_mentions(tokens, lex) if not _inside(m, taken)]
    unknown, nouns = unknown_mentions(text, tokens, known, lex, language)
    unknown = [m for m in unknown if not _inside(m, taken) and m.key not in found.named]
    nouns |= found.named
    mentions = sorted(things + known + unknown, key=lambda m: m.start)
    own_lists = _reader_lists(text, tokens, reading, found, lex)
    listed = {a.owner for a in own_lists}
    lists = own_lists + [
        a
        for a in find_lists(text, tokens, mentions, lex)
        if a.owner not in listed and not any(a.start <= m.start < a.end for m in things)
    ]
    entity_mentions = _outside_lists(mentions, lists, set(found.named))
    # 2. Which entities: the strongest nouns, or the app type's usual ones.
    apptypes = _apptypes(tokens, lex)
    choice = _choose(entity_mentions, apptypes, lex)
    if not choice.keys and not survey.is_main(tokens):  # a survey alone is its responses
        raise PromptRejected(_REJECTION[language], details={"reason": "no_domain", "language": language})
    log = _choice_notes(choice, nouns, lex, language)
    app_features = lex.apptypes[choice.apptype].features if choice.apptype else ()
    asked = {m.value for m in lex.feature_index.find(tokens)} | set(app_features)
    usual = next((key for key in apptypes if "contact_form" in lex.apptypes[key].always), None)
    if ("contact_form" in asked or usual) and _CONTACT not in choice.keys:  # its messages need a table
        choice = _Choice([*choice.keys, _CONTACT], choice.apptype, choice.inferred, choice.dropped)
        contact = lex.concepts[_CONTACT].label(language)
        if "contact_form" in asked or usual is None:
            log.append(notes.line(language, "contact", entity=contact))
        else:
            kind = lex.apptypes[usual].names[language]
            log.append(notes.line(language, "contact_usual", entity=contact, kind=kind))
    # 3. Entities with fields and relations; then what the app does and looks like.
    drafts = _build_entities(tokens, choice, lists, entity_mentions, nouns, lex, language, found.owners)
    log += [
        notes.line(language, "from_prompt", entity=d.label, items=notes.items(d.from_prompt))
        for d in drafts.values()
        if d.from_prompt
    ]
    entities = tuple(_entity(d) for d in drafts.values())
    topic = survey.topic(tokens) if survey.is_main(tokens) else None
    if topic is not None:  # "a health survey website": the records are its responses
        response = survey.response_entity(topic, language)
        entities = (response, *(e for e in entities if e.name == _CONTACT))
        questions = [f.label for f in response.fields]
        log.append(
            notes.line(
                language, "survey", entity=response.label, topic=topic.key, items=notes.items(questions)
            )
        )
    # "View open calls": a menu link to the calls filtered so, not an "OpenCall" table.
    planned = views.plan(text, entities, language)
    entities = planned.entities
    if planned.dropped:
        log.append(notes.line(language, "views_dropped", items=notes.items(planned.dropped)))
    if planned.views:
        log.append(notes.line(language, "views", items=notes.items([v.title for v in planned.views])))
    # Activities asked for (a prize wheel, word games) draw from records with the fields they read.
    played = activities.plan(text, entities, language, set(_RESERVED_PATHS))
    entities = played.entities
    log += played.notes
    # Requests the renderer meets with a feature switch it on ("PDF" -> the CSV export).
    implied = (*app_features, *integrations.requested_features(tokens, lex))
    feature_set = features.detect(tokens, lex, implied, entities)
    if any(p.activity != "wheel" for p in played.pages) and "dashboard" not in feature_set:
        feature_set = (*feature_set, "dashboard")  # where the progress of the games is summed up
    if "votes" in feature_set:
        entities = _with_votes(entities, tokens, lex, entity_mentions, drafts)
        if not any(e.votes for e in entities):  # nothing to vote for: the app does not claim votes
            feature_set = tuple(f for f in feature_set if f != "votes")
    log += _chat_log(feature_set, entities, language, tokens, lex)
    if _has_chat(feature_set):
        entities = features.without_chat_entities(entities, _chat_rooms(tokens, lex))
    reports: str | None = None
    if "dashboard" in feature_set:
        entities, reports = _computed_reports(entities, tokens)
        if reports:
            log.append(notes.line(language, "reports", page=reports))
    bare = next((e for e in entities if forms.bare(e)), None)
    if forms.asks_requests(tokens) and (bare or not any(is_public_form(e) for e in entities)):
        request = forms.request_entity(tokens, language, bare)  # "requests through the homepage form"
        kept = [e for e in entities if e.name not in forms.HANDLING and e.table != request.table]
        entities = (request, *kept)[: MAX_ENTITIES + 1]
    public = [e for e in entities if is_public_form(e)]
    if public:
        log.append(notes.line(language, "forms", items=notes.items([e.label_plural for e in public])))
    home_form = bool(public) and forms.on_home(tokens)
    if home_form:
        log.append(notes.line(language, "home_form", entity=public[0].label))
    theme, theme_notes = colours.extract(text, tokens, lex)
    # A quiz or crossword the prompt names as a tool is built when its activity is.
    built = None if reading.tool and activities.covers(reading.tool, played.pages) else reading.tool
    apptype = choice.apptype or (apptypes[0] if apptypes else None)
    name = titles.app_name(text, tokens, lex, language, apptype, entities)
    if topic is not None and name == entities[0].label_plural:  # no name of its own: "Encuesta de salud"
        name = topic.title[language]
    chat_title = _chat_title(tokens, lex, feature_set) if _has_chat(feature_set) else None
    spec = AppSpec(
        name=name,
        slug=slug(name),
        summary=activities.summary(
            titles.summary(name, entities, feature_set, language), played.pages, language
        ),
        language=language,
        prompt=text,
        entities=entities,
        pages=pages(name, entities, feature_set, language, reports, played.pages, home_form, chat_title),
        features=feature_set,
        charts=activities.charts(dashboard_charts(entities, feature_set, language), entities, played.pages),
        views=views.kept(planned.views, entities),
        integrations=tuple(
            i
            for i in (
                *_tool_stub(built),
                *_without_chat_stand_in(integrations.detect(tokens, lex, feature_set, entities), feature_set),
            )
            if not (played.pages and not played.other_games and i.requested == activities.GAMEPLAY)
        ),
        theme=theme,
    )
    return Blueprint(spec=spec, notes=(*log, *notes.describe(spec, language), *theme_notes))
