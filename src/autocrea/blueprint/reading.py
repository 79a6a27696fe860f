"""Reading: the things a description lists, found from its structure instead of a fixed vocabulary.

    tokens -> word classes (closed-class lists in lexicon/grammar.yml; simplemma lemmas for number
              and, in Spanish, verb forms) -> noun phrases -> where each phrase stands:
              a list after an app word ("a tracker with plants, rooms and reminders"), after a
              keeping verb ("registrar ventas y gastos") or a colon ("Cellar: wines, regions"); an
              attribute list of a thing ("walks with date and duration"); or a plural noun elsewhere
           -> things, named with the description's own words (singular), with their attribute items

English noun phrases put their head last ("seat categories"); Spanish ones first, and "de" with a
singular complement stays in the name ("listas de la compra") while "de" with a plural one starts
another thing ("préstamos de libros"). Pure and deterministic; lemmas are looked up in simplemma's
dictionaries, loaded once per language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

import simplemma
import yaml

from autocrea.blueprint.text import PhraseIndex, Token, fold, words
from autocrea.domain.appspec import Language
from autocrea.domain.naming import plural

Kind = Literal["det", "prep", "sep", "pron", "aux", "verb", "word", "punct"]
Slot = Literal["listed", "object", "child", "free"]
# How strongly a place says "this is something the app keeps": a listed thing beats a stray plural.
WEIGHTS: Mapping[Slot, float] = {"listed": 3.0, "object": 2.0, "child": 2.0, "free": 1.0}

_MAX_PHRASE = 4  # words in one noun phrase; longer runs are prose, not names
_MODALS = frozenset({"can", "could", "should", "will", "would", "may", "might", "must", "shall"})
_IRREGULAR_PLURALS = frozenset({"people", "children", "men", "women", "mice", "geese", "teeth", "feet"})
_NO_SINGULAR = frozenset({"news", "series", "species", "means", "headquarters", "physics", "economics"})
_SPANISH_VERB_ENDINGS = ("ar", "er", "ir")
_GERUNDS = ("ando", "iendo", "yendo")
_ADVERB_ENDINGS = (
    "ionally",
    "ially",
    "ually",
    "ically",
    "ively",
    "ously",
    "fully",
    "ently",
    "antly",
    "ately",
    "edly",
    "ingly",
    "lessly",
)
_ADJECTIVE_ENDINGS = ("ial", "ical", "ive", "ous", "ful", "less")
_OBJECT_GAP = frozenset({"of", "de", "del", "el", "la", "los", "las", "track", "control", "seguimiento"})


@dataclass(frozen=True)
class Grammar:
    determiners: frozenset[str]
    prepositions: frozenset[str]
    separators: PhraseIndex[bool]
    pronouns: frozenset[str]
    auxiliaries: frozenset[str]
    never: frozenset[str]
    weak: frozenset[str]
    app_words: frozenset[str]
    containers: frozenset[str]
    triggers: PhraseIndex[bool]
    keeping: frozenset[str]  # verb lemmas, both languages
    keeping_phrases: PhraseIndex[bool]
    verbs_en: frozenset[str]  # other common verbs: their objects still count, weaker
    nominal_gerunds: frozenset[str]  # "booking confirmations": an -ing word that names a kind
    page_words: frozenset[str]  # "blog pages": a part of the app named for what it shows
    page_nothing: frozenset[str]  # "home page": a part of the app that shows no records
    plain_adjectives: frozenset[str]  # "personal details": says nothing of what a container holds
    subjects_en: frozenset[str]  # "members register, post tips": people who do things, plural
    action_endings: Mapping[Language, tuple[str, ...]]  # "registration", "gestión": nouns of actions
    state_words: frozenset[str]  # "open calls", "quejas abiertas": a state of records, not a kind
    quality_heads: frozenset[str]  # "report formats", "tipo de sesión": a property, not a table
    no_records: PhraseIndex[bool]  # heads of apps that keep no records: "calculator", "juego"
    foreign: Mapping[str, frozenset[str]]  # language name -> its function words


def _folded(values: Any) -> frozenset[str]:
    return frozenset(" ".join(words(str(v))) for v in values or ())


def _both(section: Mapping[str, Any]) -> frozenset[str]:
    return _folded(section["en"]) | _folded(section["es"])


@cache
def grammar() -> Grammar:
    from autocrea.blueprint.lexicon import DATA_DIR  # the data lives beside the lexicon's

    with (DATA_DIR / "grammar.yml").open(encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loaders only
    keeping = [str(v) for v in raw["keeping_verbs"]["en"] + raw["keeping_verbs"]["es"]]
    return Grammar(
        determiners=_both(raw["determiners"]),
        prepositions=_both(raw["prepositions"]),
        separators=PhraseIndex((str(s), True) for s in raw["separators"]),
        pronouns=_both(raw["pronouns"]),
        auxiliaries=_both(raw["auxiliaries"]),
        never=_both(raw["never_things"]),
        weak=_both(raw["weak_things"]),
        app_words=_folded(raw["app_words"]),
        containers=_folded(raw["containers"]),
        triggers=PhraseIndex((str(t), True) for t in raw["attribute_triggers"]),
        keeping=frozenset(k for k in _folded(keeping) if " " not in k),
        keeping_phrases=PhraseIndex((k, True) for k in keeping if " " in k),
        verbs_en=_folded(raw["other_verbs_en"]),
        nominal_gerunds=_folded(raw["nominal_gerunds"]),
        page_words=_folded(raw["page_words"]),
        page_nothing=_folded(raw["page_nothing"]),
        plain_adjectives=_folded(raw["plain_adjectives"]),
        subjects_en=_folded(raw["subjects_en"]),
        action_endings={
            "en": tuple(str(e) for e in raw["action_endings"]["en"]),
            "es": tuple(str(e) for e in raw["action_endings"]["es"]),
        },
        state_words=_both(raw["state_words"]),
        quality_heads=_both(raw["quality_heads"]),
        no_records=PhraseIndex((str(w), True) for w in raw["no_record_apps"]),
        foreign={str(name): _folded(ws) for name, ws in raw["foreign_words"].items()},
    )


@lru_cache(maxsize=8192)
def lemma(word: str, language: Language) -> str:
    """The dictionary form of a lower-case word ('bicicletas' -> 'bicicleta', 'walkers' -> 'walker')."""
    try:
        found = simplemma.lemmatize(word, lang=language)
    except (ValueError, KeyError):  # characters simplemma cannot handle: the word is its own lemma
        return word
    return str(found).lower() if found else word


def is_plural(word: str, language: Language) -> bool:
    low = word.lower()
    if low in _NO_SINGULAR:
        return False
    if low in _IRREGULAR_PLURALS:
        return True
    if not low.endswith("s") or low.endswith(("ss", "is", "us")) or len(low) < 3:
        return False
    # simplemma knows most words; one it does not know ("reps", "gigs") is read by its ending, and
    # a word it files as its own lemma may still be a plural ("sales" of "sale").
    if lemma(low, language) != low or not simplemma.is_known(low, lang=language):
        return True
    return language == "en" and simplemma.is_known(low[:-1], lang="en") and lemma(low[:-1], "en") == low[:-1]


def singular_word(word: str, language: Language) -> str:
    """The singular of one word as written, keeping its case: 'Órdenes' -> 'Orden'."""
    low = word.lower()
    if not is_plural(low, language):
        return word
    one = lemma(low, language)
    if one == low or (language == "es" and one.endswith(_SPANISH_VERB_ENDINGS)):
        # simplemma does not know it, or files it under a verb ("comandas"): the usual endings
        if language == "en":
            one = low[:-3] + "y" if low.endswith("ies") else low[:-2] if low.endswith("sses") else low[:-1]
        elif low.endswith("ces"):
            one = low[:-3] + "z"
        elif low.endswith("iones"):
            one = low[:-5] + "ión"
        elif low.endswith("es") and len(low) > 4 and low[-3] in "dlrnjy":
            one = low[:-2]
        else:
            one = low[:-1]
    return one[:1].upper() + one[1:] if word[:1].isupper() else one


@dataclass(frozen=True, slots=True)
class Phrase:
    start: int  # token span, end exclusive
    end: int
    head: int  # token index of the head noun
    plural: bool


@dataclass(frozen=True, slots=True)
class Thing:
    """Something the description says the app keeps, in its own words."""

    start: int
    end: int
    head: int
    singular: str  # "Seat category", "Lista de la compra"
    plural: str  # "Seat categories", "Listas de la compra"
    key: str  # folded singular: "seat category"
    slot: Slot
    owner: int | None = None  # index (in the result) of the thing whose attribute list named this one
    many: bool = True  # written in the plural

    @property
    def weight(self) -> float:
        return WEIGHTS[self.slot]


@dataclass(frozen=True, slots=True)
class Reading:
    things: tuple[Thing, ...]
    fields: tuple[tuple[int, int, int], ...]  # attribute item spans (start, end, owner thing index)
    quiet: tuple[tuple[int, int], ...]  # phrases read as not-things (titles, app words, attributes)
    tool: str | None = None  # the first sentence names an app that keeps no records: "calculator"
    links: tuple[tuple[int, int], ...] = ()  # (thing, the thing it belongs to), by index


def _kinds(text: str, tokens: Sequence[Token], language: Language, style: frozenset[int]) -> list[Kind]:
    g = grammar()
    kinds: list[Kind] = []
    separators = {i for m in g.separators.find(tokens) for i in range(m.start, m.end)}
    for i, token in enumerate(tokens):
        norm = token.norm
        if i in style:
            kinds.append("punct")  # a colour or what it paints: never part of a thing
        elif (i in separators or norm in {",", "/"}) and not text.startswith("-", token.end):
            kinds.append("sep")
        elif not token.is_word:
            kinds.append("punct")
        elif norm in g.determiners and not (norm in g.pronouns and _before_verbish(tokens, i)):
            kinds.append("det")
        elif norm in g.prepositions:
            kinds.append("prep")
        elif norm in g.auxiliaries:
            kinds.append("aux")
        elif norm in g.pronouns:
            kinds.append("pron")
        elif norm.isdigit():
            kinds.append("det")  # "3 rooms": a number counts like a determiner
        elif language == "en" and norm.endswith(_ADVERB_ENDINGS):
            kinds.append("aux")  # "dynamically apply": an adverb is never a thing
        else:
            kinds.append("word")
    for i, kind in enumerate(kinds):
        if kind == "word" and _is_verb(text, tokens, kinds, i, language):
            kinds[i] = "verb"
    return kinds


def _clause_start(kinds: Sequence[Kind], i: int) -> int:
    while i > 0 and kinds[i - 1] not in {"punct"}:
        i -= 1
    return i


def _before_verbish(tokens: Sequence[Token], i: int) -> bool:
    # "que" and "that" are determiners only in "that list"; elsewhere relative pronouns.
    return tokens[i].norm in {"que", "that", "lo"}


def _raw(text: str, token: Token) -> str:
    return text[token.start : token.end].lower().replace("’", "'")


def _is_verb(text: str, tokens: Sequence[Token], kinds: Sequence[Kind], i: int, language: Language) -> bool:
    g = grammar()
    word = _raw(text, tokens[i])
    prev: Kind = kinds[i - 1] if i > 0 else "punct"
    nxt: Kind = kinds[i + 1] if i + 1 < len(kinds) else "punct"
    if prev == "det":
        return False  # "the walks", "las reservas"
    if language == "es":
        if word.endswith(_GERUNDS):
            return True
        if word.endswith(_SPANISH_VERB_ENDINGS) and prev in {"punct", "sep"} and i == _clause_start(kinds, i):
            return True  # "Crear una tienda...": an infinitive opens the request
        base = lemma(word, "es")
        if base.endswith(_SPANISH_VERB_ENDINGS) and base != word:
            # "lugares" is a noun's plural; "comandas" in a list too (verbs end in -s only for "tú").
            return word not in (base + "s", base + "es") and (not word.endswith("s") or prev == "pron")
        return word.endswith(_SPANISH_VERB_ENDINGS) and nxt in {"det", "word", "pron", "prep"}
    ing = _ing_verb(text, tokens, kinds, i)
    if ing is not None:
        return ing
    base = lemma(word, "en")
    if (
        word.endswith("ing")
        and prev == "word"
        and (nxt in {"sep", "punct"} or word in g.nominal_gerunds)
        and not is_plural(_raw(text, tokens[i - 1]), "en")
    ):
        # "kiln scheduling, glaze firing": a gerund that ends a compound names an action; one that
        # names a kind stays inside the compound ("business training services")
        return False
    if base != word and not word.endswith("s") and word not in _IRREGULAR_PLURALS and prev == "word":
        return True  # "tickets sold", "items donated": a participle closes the noun phrase
    if prev == "aux" and tokens[i - 1].norm in _MODALS and nxt in {"det", "word", "pron"}:
        return True  # "users can initiate requests": after a modal comes a verb, known or not
    if (
        prev == "prep"
        and tokens[i - 1].norm == "to"
        and i > 1
        and _raw(text, tokens[i - 2]) in g.subjects_en
        and nxt in {"det", "word", "pron"}
    ):
        return True  # "allowing customers to purchase services": people, "to", and what they do
    if prev == "sep" and i > 1 and kinds[i - 2] == "verb" and word == base and nxt in {"det", "word"}:
        return True  # "browse and purchase services": an action joined to an action
    if base not in g.keeping and word not in g.keeping and base not in g.verbs_en:
        return False
    if prev in {"pron", "aux"} or (prev == "prep" and tokens[i - 1].norm == "to"):
        return True  # "they rate", "can post", "to track"
    if prev == "word" and word == base and nxt in {"punct", "sep"}:
        # "members register, post tips": people and what they do, not a register of members.
        return _raw(text, tokens[i - 1]) in g.subjects_en
    if nxt == "sep" and word == base and i + 2 < len(tokens) and _known_verb(_raw(text, tokens[i + 2])):
        return prev in {"pron", "aux", "punct", "sep"} or i == 0  # "create and manage projects"
    if nxt not in {"det", "word", "pron"} and not (prev == "sep" and nxt == "prep" and word == base):
        return False  # "walks with date", "and reviews."; "and communicate with others" is a verb
    if prev == "punct" or i == 0:
        return word == base  # an imperative opens a clause: "Track plants"
    if prev == "word":
        # A subject before it: "users post recipes", "the app tracks plants".
        return word == base or word.endswith("s")
    if prev == "sep":  # one more action of a list of them: "estimate costs, track progress"
        return word == base and any(kinds[j] == "verb" for j in range(_sentence_start(tokens, i), i))
    return False


def _ing_verb(text: str, tokens: Sequence[Token], kinds: Sequence[Kind], i: int) -> bool | None:
    """Is an English -ing word an action here? None when it is no -ing word or nothing says so.

    "for generating reports", "for tracking and verifying products", "adding tasks, marking
    tasks and deleting tasks", "browsing poems, posting poems and commenting on them", "making
    friends and sharing." are actions; "watering reminders", "booking confirmations" and "with
    parking, catering and lighting" name things."""
    word = _raw(text, tokens[i])
    if not word.endswith("ing") or len(word) <= 5:
        return None
    prev: Kind = kinds[i - 1] if i > 0 else "punct"
    nxt: Kind = kinds[i + 1] if i + 1 < len(kinds) else "punct"
    after = i + 1
    while after < len(tokens) and kinds[after] == "sep":
        after += 1
    chained = nxt == "sep" and after < len(tokens) and _ing_form(_raw(text, tokens[after]))
    if prev == "verb" and _gerund(word):
        return True  # "an online store selling shoes" (the reader took "store" for a verb too)
    if prev == "prep" or i == 0 or prev == "punct":
        return nxt in {"det", "word", "pron"} or (chained and word not in grammar().nominal_gerunds)
    if prev == "sep" and (_gerund(word) or _after_actions(text, tokens, kinds, i)):
        return (
            nxt in {"det", "word", "pron", "prep"}
            or chained
            or (nxt == "punct" and _after_actions(text, tokens, kinds, i))
        )
    return None


def _ing_form(word: str) -> bool:
    return word.endswith("ing") and len(word) > 5 and lemma(word, "en") != word


def _sentence_start(tokens: Sequence[Token], i: int) -> int:
    while i > 0 and tokens[i - 1].norm not in _SENTENCE_END:
        i -= 1
    return i


def _known_verb(word: str) -> bool:
    """A base form of a verb the grammar lists ("manage" in "create and manage")."""
    g = grammar()
    return word in g.keeping or word in g.verbs_en


def _after_actions(text: str, tokens: Sequence[Token], kinds: Sequence[Kind], i: int) -> bool:
    """Is token i an item of a list of -ing actions ("browsing poems, posting poems")?"""
    for j in range(i - 1, max(-1, i - 9), -1):
        if tokens[j].norm in _SENTENCE_END:
            return False
        if kinds[j] == "verb" and _raw(text, tokens[j]).endswith("ing"):
            return True
    return False


def _gerund(word: str) -> bool:
    """An -ing form of a verb the grammar knows ("marking"), not one that names a kind ("booking")."""
    g = grammar()
    if not word.endswith("ing") or len(word) <= 5 or word in g.nominal_gerunds:
        return False
    base = lemma(word, "en")
    return base != word and (base in g.keeping or base in g.verbs_en)


_DASHES = ("—", "–", " - ", "/", "|", "•", "*")


def dash_before(text: str, tokens: Sequence[Token], i: int) -> bool:
    """A dash, slash or bullet between token i-1 and token i: 'Regatta — boats, crews'."""
    if i == 0:
        return False
    between = text[tokens[i - 1].end : tokens[i].start]
    return any(d in between for d in _DASHES) or (between.startswith("-") and " " in between)


def _phrases(text: str, tokens: Sequence[Token], kinds: Sequence[Kind], language: Language) -> list[Phrase]:
    out: list[Phrase] = []
    i = 0
    while i < len(tokens):
        if kinds[i] != "word":
            i += 1
            continue
        start = i
        while i < len(tokens) and kinds[i] == "word" and i - start < _MAX_PHRASE:
            if i > start and dash_before(text, tokens, i):
                break
            i += 1
            if language == "en" and _raw(text, tokens[i - 1]).endswith("'s"):
                break  # "a walker's walks": the owner is a phrase of its own
        end = i
        if language == "es":
            end = _spanish_complement(text, tokens, kinds, end)
            i = max(i, end)
        head = start if language == "es" else end - 1
        raw = text[tokens[head].start : tokens[head].end].replace("’", "'").removesuffix("'s")
        many = not raw.isupper() and is_plural(raw, language)  # "CMS" and "GPS" are not plurals
        out.append(Phrase(start, end, head, many))
    return out


def _spanish_complement(text: str, tokens: Sequence[Token], kinds: Sequence[Kind], end: int) -> int:
    """'listas de la compra': a singular complement after 'de' is part of the name."""
    j = end
    if j < len(tokens) and tokens[j].norm == "de":
        k = j + 1
        if k < len(tokens) and tokens[k].norm in {"la", "el"}:
            k += 1
        if k < len(tokens) and kinds[k] == "word" and not is_plural(_raw(text, tokens[k]), "es"):
            n = k + 1
            while n < len(tokens) and kinds[n] == "word" and n - k < 2:
                n += 1
            return n
    return end


def _display(text: str, tokens: Sequence[Token], phrase: Phrase, language: Language) -> tuple[str, str]:
    parts = [text[t.start : t.end] for t in tokens[phrase.start : phrase.end]]
    parts = [p[:-2] if p.lower().endswith(("'s", "’s")) else p for p in parts]
    head = phrase.head - phrase.start
    if phrase.plural:
        one = list(parts)
        one[head] = singular_word(parts[head], language)
        if language == "es":  # adjectives after the head agree with it: "clases grupales"
            for n in range(head + 1, len(one)):
                if tokens[phrase.start + n - 1].norm == "de":
                    break
                one[n] = singular_word(one[n], language)
        singular, many = " ".join(one), " ".join(parts)
    else:
        singular = " ".join(parts)
        first, _, rest = singular.partition(" ")
        many = (
            (plural(first, language) + " " + rest).strip() if language == "es" else plural(singular, language)
        )
    return _capital(singular)[:60], _capital(many)[:60]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if not text[:1].isupper() else text


def _container_head(tokens: Sequence[Token], phrase: Phrase, language: Language) -> Phrase | None:
    """'patient files' -> 'patient'; a container with nothing else in it stands for nothing."""
    g = grammar()
    if tokens[phrase.head].norm not in g.containers:
        return None
    first = phrase.start
    while first < phrase.head and tokens[first].norm in g.plain_adjectives:
        first += 1  # "personal details": nothing but the container is left
    if language == "en" and phrase.head > first:  # the first word: "patient electronic files"
        return Phrase(first, first + 1, first, False)
    return None


def _page_head(tokens: Sequence[Token], phrase: Phrase, language: Language) -> Phrase | None:
    """'blog pages' -> 'blog', 'área de socios' -> 'socios'; None when the phrase names no page."""
    g = grammar()
    if tokens[phrase.head].norm not in g.page_words or phrase.end - phrase.start < 2:
        return None
    if language == "en":
        return Phrase(phrase.start, phrase.head, phrase.head - 1, phrase.plural)
    rest = [i for i in range(phrase.head + 1, phrase.end) if tokens[i].norm not in {"de", "del", "la", "el"}]
    return Phrase(rest[0], phrase.end, rest[0], False) if rest else None


def read(
    text: str, tokens: Sequence[Token], language: Language, style: frozenset[int] = frozenset()
) -> Reading:
    """The things the description names as records, with the places that are attributes instead.
    `style` holds the tokens that only say how the page looks (colours and what they paint)."""
    g = grammar()
    kinds = _kinds(text, tokens, language, style)
    phrases = _phrases(text, tokens, kinds, language)
    slots = _slots(text, tokens, kinds, phrases, language)
    things: list[Thing] = []
    fields: list[tuple[int, int, int]] = []
    quiet: list[tuple[int, int]] = []
    tool = _tool(tokens, phrases)
    links: list[tuple[int, int]] = []
    index_of: dict[int, int] = {}  # phrase index -> thing index
    after_field = False  # the list so far held attributes
    for n, phrase in enumerate(phrases):
        place = slots[n]
        head = tokens[phrase.head].norm
        if place.kind == "of":
            if fields and fields[-1][1] == phrase.start - 1:
                fields[-1] = (fields[-1][0], phrase.end, fields[-1][2])
            quiet.append((phrase.start, phrase.end))
            continue
        if place.kind == "lead":
            place = _Place("listed" if place.enumerated else "free", None, place.enumerated)
        if place.kind == "field" and tool is not None and place.owner == tool[0]:
            quiet.append((phrase.start, phrase.end))  # "a memory game with cards": the game's pieces
            continue
        if place.kind == "field" and place.criteria and (place.owner is None or place.owner not in index_of):
            quiet.append((phrase.start, phrase.end))  # "contact staff by phone": a means, no record
            continue
        if place.kind == "field" and (place.owner is None or place.owner not in index_of):
            # "una parroquia con bautizos, bodas y la catequesis": the owner is only the setting,
            # so its list names the app's things, weak and singular ones included.
            place = _Place("listed", None, place.enumerated)
        if place.kind == "field":
            owner = index_of.get(place.owner) if place.owner is not None else None
            if phrase.plural and head not in g.weak and head not in g.never:
                # "recipes with ingredients": records of their own that belong to the owner; after
                # attributes ("pets with breed and age, owners and visits") the list went back to
                # the app's things; "a garage with clients": the owner was only the setting.
                top = owner is None or (after_field and place.enumerated)
                place = _Place("listed" if top else "child", None if top else place.owner, place.enumerated)
            else:
                after_field = True
                if owner is not None:
                    start = phrase.start
                    while start > 0 and kinds[start - 1] == "aux":
                        start -= 1  # "is insured": the auxiliary types the field
                    fields.append((start, phrase.end, owner))
                quiet.append((phrase.start, phrase.end))
                continue
        else:
            after_field = False
        if place.kind == "quiet":
            quiet.append((phrase.start, phrase.end))
            continue
        page = _page_head(tokens, phrase, language)
        if page is not None and tokens[page.head].norm in g.page_nothing:
            quiet.append((phrase.start, phrase.end))  # "a home page": a page, no records
            continue
        inner = page or (_container_head(tokens, phrase, language) if place.kind != "listed" else None)
        inner = inner or _log_of(tokens, phrases, n, language)
        if _shared_modifier(text, tokens, kinds, phrases, n, language):
            quiet.append((phrase.start, phrase.end))  # "leadership and business training services"
            continue
        if inner is None and _names_an_action(tokens, kinds, phrases, n, place.enumerated, language):
            action = _acted_on(tokens, phrase, language)
            if action is None:
                quiet.append((phrase.start, phrase.end))  # "provides intake, billing and ..."
                continue
            inner = action  # "pet registration": the pets are kept, registering them is an action
            # ... but weaker evidence than a list of things: 'progress tracking' names no record
            place = _Place("free", None, place.enumerated)
        state = _state_head(text, tokens, phrases, n, language) if inner is None else None
        if state is not None and (
            tokens[state.head].norm in g.never | g.weak
            or not (
                _plain_state(tokens, phrase, language)
                or place.kind == "object"
                or _named_again(tokens, phrases, n)
            )
        ):
            state = None  # "donated items", "personas acogidas" in a list: what the records are
        if state is not None or (inner is not None and inner is not page):
            quiet.append((phrase.start, phrase.end))  # "lesson booking": the booking is no record
        inner = inner or state
        if inner is not None:
            phrase = inner
            head = tokens[phrase.head].norm
        if head in g.quality_heads and place.kind != "listed":
            # "select report formats", "choose a visit type": a property or choice of another
            # thing, a field at most; only a list of the app's own things may still name one.
            quiet.append((phrase.start, phrase.end))
            continue
        single = phrase.end - phrase.start == 1
        if (head in g.never and (single or place.kind != "listed")) or (
            head in g.containers and place.kind != "listed"
        ):
            quiet.append((phrase.start, phrase.end))
            continue
        if head in g.app_words and not phrase.plural:
            quiet.append((phrase.start, phrase.end))
            continue
        if head in g.weak and place.kind not in {"listed", "object"}:
            continue
        if head in g.weak and phrase.end - phrase.start == 1 and place.kind == "object":
            continue  # "see reports": a weak word needs a list to be a thing
        every = phrase.start > 0 and tokens[phrase.start - 1].norm in _EVERY  # "at each shoot"
        if not (phrase.plural or inner or every) and (not place.enumerated or place.kind == "free"):
            if place.kind == "listed" and _first_sentence(tokens, phrase.start):
                # "a website for a catering company": the business the site is for, no record of it
                quiet.append((phrase.start, phrase.end))
            continue  # a lone singular ("for my bakery") is the setting, not a record
        singular, many = _display(text, tokens, phrase, language)
        key = fold(singular)
        owner = index_of.get(place.owner) if place.owner is not None else None
        if owner is None and n - 1 in index_of and _linked(text, tokens, phrases[n - 1], phrase):
            owner = index_of[n - 1]  # "a walker's walks": the walks are the walker's
        if n - 1 in index_of and _theirs(tokens, phrases[n - 1], phrase):
            links.append((index_of[n - 1], len(things)))  # "dogs and their owners": a dog has an owner
        slot: Slot = place.kind if place.kind in WEIGHTS else "free"  # type: ignore[assignment]
        index_of[n] = len(things)
        things.append(
            Thing(phrase.start, phrase.end, phrase.head, singular, many, key, slot, owner, phrase.plural)
        )
    things, quiet = _back_references(tokens, things, quiet, language)
    owned = [(n, t.owner) for n, t in enumerate(things) if t.owner is not None]
    return Reading(
        tuple(things), tuple(fields), tuple(quiet), tool[1] if tool else None, tuple(owned + links)
    )


_EVERY = frozenset({"each", "every", "cada"})
_CRITERIA = frozenset({"by", "segun", "por"})


_LOGS = frozenset({"log", "logs"})


def _log_of(tokens: Sequence[Token], phrases: Sequence[Phrase], n: int, language: Language) -> Phrase | None:
    """'call logs' -> 'calls': a log of things the description names elsewhere ('customer service
    calls') is those things, one row each. A log of something named nowhere else ('a fuel log')
    stays a record of its own."""
    phrase = phrases[n]
    if language != "en" or tokens[phrase.head].norm not in _LOGS or phrase.head == phrase.start:
        return None
    of = tokens[phrase.head - 1].norm
    if not any(m != n and lemma(tokens[p.head].norm, "en") == of for m, p in enumerate(phrases)):
        return None
    # "call" stands in a compound as a singular: the records are calls, named from "call".
    return Phrase(phrase.start, phrase.head, phrase.head - 1, False)


def _shared_modifier(
    text: str,
    tokens: Sequence[Token],
    kinds: Sequence[Kind],
    phrases: Sequence[Phrase],
    n: int,
    language: Language,
) -> bool:
    """'leadership and business training services': a bare singular word joined by 'and/or' to a
    compound with a plural head qualifies that head as the compound's first word does; it names
    no record of its own. A list that began earlier ('books, music and video games') is left alone."""
    phrase = phrases[n]
    if language != "en" or phrase.plural or phrase.end - phrase.start != 1 or n + 1 >= len(phrases):
        return False
    after = phrases[n + 1]
    gap = [t.norm for t in tokens[phrase.end : after.start]]
    if gap not in (["and"], ["or"]) or after.end - after.start < 2 or not after.plural:
        return False
    if is_plural(_raw(text, tokens[after.start]), language):
        return False
    if phrase.start > 0 and kinds[phrase.start - 1] in {"det", "sep"}:
        return False
    return not (n and _continues(text, tokens, kinds, phrases[n - 1], phrase))


def _back_references(
    tokens: Sequence[Token], things: list[Thing], quiet: list[tuple[int, int]], language: Language
) -> tuple[list[Thing], list[tuple[int, int]]]:
    """'customer service calls ... view calls': a bare word that is the head of exactly one longer
    thing named before it refers back to that thing, so it is no second kind of record. Only a
    name made of nouns introduces a kind ('favourite articles', 'others' posts' do not). Things
    that belong to another (an owner link by index) are kept as they are."""
    if any(t.owner is not None for t in things):
        return things, quiet
    heads = [lemma(tokens[t.head].norm, language) for t in things]
    kept: list[Thing] = []
    for n, t in enumerate(things):
        earlier = {
            o.key
            for m, o in enumerate(things[:n])
            if o.end - o.start > 1 and heads[m] == heads[n] and o.slot != "free" and _named_kind(tokens, o)
        }
        later = {
            o.key for m, o in enumerate(things) if m > n and o.end - o.start > 1 and heads[m] == heads[n]
        }
        if t.end - t.start == 1 and len(earlier) == 1 and not later - earlier:
            quiet = [*quiet, (t.start, t.end)]
            continue
        kept.append(t)
    return kept, quiet


def _named_kind(tokens: Sequence[Token], thing: Thing) -> bool:
    """Are all the words beside the head singular nouns ('customer service' calls, not 'users'')?"""
    others = [tokens[i].norm for i in range(thing.start, thing.end) if i != thing.head]
    g = grammar()
    return all(
        not _adjective(w) and w not in g.state_words and w not in g.never and not w.endswith("s")
        for w in others
    )


def _first_sentence(tokens: Sequence[Token], i: int) -> bool:
    return not any(t.norm in _SENTENCE_END for t in tokens[:i])


_OF = frozenset({"of", "de", "del", "en"})


def _action_noun(word: str, language: Language) -> bool:
    """A noun made from a verb, by its ending: 'registration', 'scheduling', 'gestión'. Words the
    grammar already files ('information', 'notification') keep their own treatment."""
    g = grammar()
    return len(word) > 5 and word.endswith(g.action_endings[language]) and word not in g.never | g.weak


def _of_plural(tokens: Sequence[Token], phrases: Sequence[Phrase], n: int) -> bool:
    """Is phrase n followed at once by of/de/en and a plural phrase ('la venta de bonos', 'la
    inscripción en talleres')? An app word is no action: 'a tracker of expenses' is the app."""
    if n + 1 >= len(phrases) or tokens[phrases[n].head].norm in grammar().app_words:
        return False
    gap = [t.norm for t in tokens[phrases[n].end : phrases[n + 1].start]]
    return bool(gap) and gap[0] in _OF and len(gap) <= 2 and phrases[n + 1].plural


def _names_an_action(
    tokens: Sequence[Token],
    kinds: Sequence[Kind],
    phrases: Sequence[Phrase],
    n: int,
    enumerated: bool,
    language: Language,
) -> bool:
    """Does phrase n name something done, not something kept?

    A singular noun with 'of/de' and a plural after it names what is done with those things or
    holds them ('the handling of requests', 'la reserva de citas', 'the number of guests'): the
    plural is the record. A bare singular noun made from a verb, one of a list ('functionalities for
    pet registration, appointment scheduling'), is an action too: English has no article before
    such a noun only when it means the activity, and a plural ('table reservations') counts records
    again. In Spanish the article is always there, so the ending alone says it ('la emisión')."""
    phrase = phrases[n]
    if phrase.plural:
        return False
    if _of_plural(tokens, phrases, n):
        return True
    if not enumerated or not _bare_action(tokens, kinds, phrase, language):
        return False
    if phrase.end - phrase.start > 1:
        return True
    # A lone word ('medication', 'equipment') may be a mass noun among records ('rooms and
    # medication'); it is an action only beside another action ('intake, billing and reporting').
    # Spanish puts an article before an action in a list ('y la atención al cliente') and none
    # before a mass noun ('y medicación').
    if language == "es":
        return phrase.start > 0 and kinds[phrase.start - 1] == "det"
    near = [phrases[m] for m in (n - 1, n + 1) if 0 <= m < len(phrases)]
    return any(not p.plural and _bare_action(tokens, kinds, p, language) for p in near)


def _bare_action(tokens: Sequence[Token], kinds: Sequence[Kind], phrase: Phrase, language: Language) -> bool:
    if not _action_noun(tokens[phrase.head].norm, language):
        return False
    return language == "es" or phrase.start == 0 or kinds[phrase.start - 1] != "det"


def _acted_on(tokens: Sequence[Token], phrase: Phrase, language: Language) -> Phrase | None:
    """What an action phrase acts on: 'pet registration' -> 'pet', 'gestión de la flota' -> 'flota'."""
    if language == "en":
        if phrase.head == phrase.start or _adjective(tokens[phrase.head - 1].norm):
            return None  # "financial management": a kind of action, on no record in particular
        return Phrase(phrase.start, phrase.head, phrase.head - 1, False)
    rest = [i for i in range(phrase.head + 1, phrase.end) if tokens[i].norm not in {"de", "del", "la", "el"}]
    return Phrase(rest[0], phrase.end, rest[0], False) if rest else None


def _adjective(word: str) -> bool:
    """An English adjective by its ending or the grammar's list: 'financial', 'technical', 'personal'."""
    return word in grammar().plain_adjectives or word.endswith(_ADJECTIVE_ENDINGS)


def _state_word(text: str, token: Token, language: Language) -> bool:
    """'open', 'overdue', 'completed', 'adoptable', 'confirmadas': a state records can be in."""
    word = token.norm
    if word in grammar().state_words:
        return True
    if language == "es":
        return len(word) > 5 and word.endswith(("ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas"))
    if len(word) > 6 and word.endswith(("able", "ible")):
        return True
    raw = _raw(text, token)
    return len(raw) > 4 and raw.endswith("ed") and lemma(raw, "en") != raw  # a past participle


def _modifiers(phrase: Phrase, language: Language) -> range:
    """The words that qualify the head: before it in English, the one after it in Spanish."""
    if language == "en":
        return range(phrase.start, phrase.head)
    return range(phrase.head + 1, min(phrase.end, phrase.head + 2))


def _state_head(
    text: str, tokens: Sequence[Token], phrases: Sequence[Phrase], n: int, language: Language
) -> Phrase | None:
    """'open calls' -> 'calls', 'quejas abiertas' -> 'quejas': records in a state are a view of
    those records (a list to filter), not another kind of record."""
    phrase = phrases[n]
    if not phrase.plural or phrase.end - phrase.start < 2:
        return None
    if all(_state_word(text, tokens[i], language) for i in _modifiers(phrase, language)):
        return Phrase(phrase.head, phrase.head + 1, phrase.head, True)
    return None


def _plain_state(tokens: Sequence[Token], phrase: Phrase, language: Language) -> bool:
    """Only words that always name a state ('open', 'overdue', 'pendientes'), no participle."""
    return all(tokens[i].norm in grammar().state_words for i in _modifiers(phrase, language))


def _named_again(tokens: Sequence[Token], phrases: Sequence[Phrase], n: int) -> bool:
    """Does another phrase have the same head word ('completed lessons' ... 'book lessons')?"""
    head = tokens[phrases[n].head].norm
    return any(m != n and tokens[p.head].norm == head for m, p in enumerate(phrases))


_SENTENCE_END = frozenset({".", "!", "?", ";", "\n"})
_THEIR = frozenset({"their", "its", "his", "her", "sus", "su"})


def _linked(text: str, tokens: Sequence[Token], before: Phrase, phrase: Phrase) -> bool:
    """'a walker's walks': the phrase before ends in a possessive and this one follows at once."""
    last = tokens[before.end - 1]
    return before.end == phrase.start and text[last.start : last.end].lower().endswith(("'s", "’s"))


def _theirs(tokens: Sequence[Token], before: Phrase, phrase: Phrase) -> bool:
    """'dogs and their owners', 'mascotas con sus dueños'."""
    gap = [t.norm for t in tokens[before.end : phrase.start]]
    return len(gap) == 2 and gap[0] in {"and", "y", "with", "con", ","} and gap[1] in _THEIR


def _tool(tokens: Sequence[Token], phrases: Sequence[Phrase]) -> tuple[int, str] | None:
    """'A tip calculator', 'El juego del ahorcado': the head of a first-sentence phrase is a tool.
    Returns the phrase's index and the tool's words."""
    end = next((i for i, t in enumerate(tokens) if t.norm in {".", "!", "?", "\n", ";"}), len(tokens))
    for match in grammar().no_records.find(tokens, 0, end):
        for n, phrase in enumerate(phrases):
            if match.start <= phrase.head < match.end and not phrase.plural:
                return n, " ".join(t.norm for t in tokens[match.start : match.end])
    return None


@dataclass(frozen=True, slots=True)
class _Place:
    kind: str  # listed | object | child | field | quiet | free
    owner: int | None = None  # phrase index of the owner of an attribute item
    enumerated: bool = False  # one of several items
    criteria: bool = False  # after "by"/"según": what a list is browsed or sorted by


def _slots(
    text: str, tokens: Sequence[Token], kinds: Sequence[Kind], phrases: Sequence[Phrase], language: Language
) -> list[_Place]:
    """Where each phrase stands; list items inherit the place of the list's first item."""
    g = grammar()
    triggers = {m.start: m.end for m in g.triggers.find(tokens)}
    triggers |= {i: i + 1 for i, t in enumerate(tokens) if t.norm == "("}  # "workouts (sets, reps)"
    keeping_phrases = {m.end for m in g.keeping_phrases.find(tokens)}
    places: list[_Place] = []
    colon_title = _colon_titles(text, tokens, phrases)
    previous: _Place | None = None
    for n, phrase in enumerate(phrases):
        gap = range(phrases[n - 1].end if n else 0, phrase.start)
        place: _Place
        if n in colon_title:
            place = _Place("quiet")
        elif (
            previous is not None
            and previous.kind in {"field", "of"}
            and phrase.start - phrases[n - 1].end == 1
            and tokens[phrase.start - 1].norm in {"of", "de", "del"}
        ):
            place = _Place("of", previous.owner, previous.enumerated)  # "date of visit": one attribute
        elif (
            previous is not None
            and previous.kind in {"listed", "object"}
            and phrase.start - phrases[n - 1].end == 1
            and tokens[phrase.start - 1].norm in {"of", "de", "del"}
        ):
            place = previous  # "visitas de familiares y medicación": the list goes on after it
        elif (
            previous is not None
            and previous.kind != "quiet"
            and _continues(text, tokens, kinds, phrases[n - 1], phrase)
        ):
            kind = "field" if previous.kind == "of" else previous.kind
            place = _Place(kind, previous.owner, True, previous.criteria)
            if places and not places[-1].enumerated:
                places[-1] = _Place(places[-1].kind, places[-1].owner, True, places[-1].criteria)
        else:
            place = _opening(text, tokens, kinds, phrases, n, gap, triggers, keeping_phrases, language)
        places.append(place)
        previous = place
    return places


def _colon_titles(text: str, tokens: Sequence[Token], phrases: Sequence[Phrase]) -> set[int]:
    """Phrases before a colon that opens a list are the app's title ("Wine cellar: wines, ...")."""
    out: set[int] = set()
    for n, phrase in enumerate(phrases):
        if n + 1 < len(phrases) and _opens_list(text, tokens, phrase.end):
            out.add(n)
    return out


def _opens_list(text: str, tokens: Sequence[Token], i: int) -> bool:
    """Does a list open at token i: after a colon, or a dash right after a title?"""
    if i < len(tokens) and tokens[i].norm == ":":
        return True
    return 0 < i < len(tokens) and any(
        d in text[tokens[i - 1].end : tokens[i].start] for d in ("—", "–", " - ")
    )


def _continues(
    text: str, tokens: Sequence[Token], kinds: Sequence[Kind], before: Phrase, phrase: Phrase
) -> bool:
    """Is `phrase` the next item of a list `before` is in? ("dogs, owners and walkers")"""
    between = range(before.end, phrase.start)
    if not between:
        return dash_before(text, tokens, phrase.start)  # "- students / - teachers"
    seen_sep = dash_before(text, tokens, phrase.start)
    for i in between:
        if kinds[i] == "sep":
            seen_sep = True
        elif kinds[i] == "aux" and seen_sep:
            continue  # "status and is insured"
        elif kinds[i] == "det" or (kinds[i] == "punct" and tokens[i].norm == "\n"):
            seen_sep = seen_sep or tokens[i].norm == "\n"
        else:
            return False
    return seen_sep


def _opening(
    text: str,
    tokens: Sequence[Token],
    kinds: Sequence[Kind],
    phrases: Sequence[Phrase],
    n: int,
    gap: Sequence[int],
    triggers: Mapping[int, int],
    keeping_phrases: set[int],
    language: Language,
) -> _Place:
    g = grammar()
    phrase_start = phrases[n].start
    before = [i for i in gap if kinds[i] != "det"]
    opened = any(tokens[i].norm == ":" for i in gap) or (n and _opens_list(text, tokens, phrase_start))
    if n and opened and all(kinds[i] in {"punct", "det"} for i in gap):
        return _Place("listed")  # "Wine cellar: wines, wineries", "Regatta — boats, crews"
    if before and tokens[before[0]].norm == "\n":
        before = before[1:]
    if all(kinds[i] in {"punct", "det"} for i in gap) and (
        phrase_start == 0 or any(tokens[i].norm in _SENTENCE_END for i in gap)
    ):
        return _Place("lead")  # a sentence that opens with a list is a list of things: "Events, menus..."
    # An attribute list of the previous thing: "walks with date", "bicicletas con stock".
    trigger_at = next((i for i in gap if i in triggers), None)
    if (
        n
        and trigger_at is not None
        and all(
            kinds[i] in {"aux", "pron"} or tokens[i].norm == ","
            for i in range(phrases[n - 1].end, trigger_at)
        )
    ):
        owner_head = tokens[phrases[n - 1].head].norm
        if owner_head in g.app_words:
            return _Place("listed")  # "a tracker with plants": the app's things
        return _Place("field", n - 1, criteria=tokens[trigger_at].norm in _CRITERIA)
    # After an app word: "an app for dogs", "gestor de recetas".
    if n and before and all(kinds[i] == "prep" for i in before):
        owner_head = tokens[phrases[n - 1].head].norm
        if owner_head in g.app_words and tokens[before[0]].norm in {"for", "of", "de", "para", "del"}:
            return _Place("listed")
    # The object of a verb: keeping verbs name records, other verbs weaker.
    verbs = [i for i in before if kinds[i] == "verb"]
    if verbs and all(
        kinds[i] in {"prep", "aux"} or tokens[i].norm in _OBJECT_GAP for i in before if i > verbs[-1]
    ):
        verb = tokens[verbs[-1]].norm
        base = lemma(verb, language)
        if base in g.keeping or verb in g.keeping or verbs[-1] + 1 in keeping_phrases:
            return _Place("listed")
        return _Place("object")
    if before and before[-1] in keeping_phrases:
        return _Place("listed")  # "keep track of", "llevar el control de"
    return _Place("free")
