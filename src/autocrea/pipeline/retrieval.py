"""Which files of a project a change request is about: vectors, full text and file names, fused.

A model asked to change a project cannot be sent every file (a generated app is ~130k characters,
~33k tokens, before the user adds anything), so a change run sends a map of the project
(`repomap.render`) and the full text of the few files the request is most likely about:

    relevant_files(tree, request, k=5, index_dir=index_dir(repo))

Three rankings of the files, fused by reciprocal rank (each file scores sum(1 / (RRF_K + rank))):

1. vectors: every file is cut into chunks (a Python file by top-level class or function, anything
   else in windows of CHUNK_LINES lines), each prefixed with its path and the names it defines,
   embedded with all-MiniLM-L6-v2 (`embedding.py`); a file scores its best chunk's cosine to the
   request.
2. full text: the same chunks in SQLite FTS5 (BM25), words folded (case, accents), identifiers split
   (`published_on`, `fillForm`), plurals stemmed for English and Spanish; a file scores its best chunk.
3. names: the request's words against the words of each path (`app/routers/books.py`), each match
   weighted by how few paths have that word.

The request's words are widened first with the project's own vocabulary: `autocrea.json` says that
"Libros" is the entity Book (table `books`) and "Teléfono" its field `phone`, so a Spanish request
reaches English identifiers; a short glossary does the same for words of the trade (campo -> field,
pie de página -> footer, colores -> colour theme styles css). The spec file itself is never ranked:
the change run has the spec, and the planner rewrites it.

Where the index lives: `<project>/.git/autocrea/retrieval/` (`index_dir(repo)`), with the project
and never in the database. Git never tracks its own directory, so the index is never committed;
no generated path can name it (`storage.paths` refuses any `.git` component); and everything that
serves or ships a project - previews, the app's tests, the security scan, the ZIP, the file view -
reads the committed tree (`ProjectRepo.tree`), never the directory. It goes when the project goes,
and it is a cache: delete it and the next search rebuilds it. In it:

- `manifest.json`: index version, model, and per file its git blob sha and its chunks' rows;
- `vectors.npy`: float32 rows (chunks x 384), a plain array file;
- `fts.sqlite3`: the FTS5 table of the same chunks, and each file's blob sha.

An update re-chunks and re-embeds only files whose blob sha changed (or that are new); the rest keep
their rows. Each file's chunks are embedded in one call of their own, so a file's vectors depend on
its path and bytes alone: an incremental update and a rebuild give the same bits, and the same tree
and request always give the same ranking (ties broken by path). Updates hold an exclusive lock on
the directory (several processes may share a project).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from autocrea.pipeline import embedding
from autocrea.pipeline.repomap import MAX_FILE_BYTES, FileEntry, decode, map_file
from autocrea.storage.git import ProjectRepo

INDEX_VERSION = 1
CHUNK_LINES = 40  # window of a non-Python file, and the longest Python chunk before it is split
MAX_CHUNKS_PER_FILE = 200
RRF_K = 10  # small: a project has tens of files, not thousands of documents
DEFINED_WEIGHT = 0.3  # a request word among the names a file defines counts this much of a path word
_DEFINING = frozenset({"class", "def", "function"})  # the names of a file that count for "names"
MAX_REQUEST_CHARS = 4_000  # of a request, read for words (the model sees its first 256 tokens)
SPEC_FILE = "autocrea.json"
NEVER_RANKED = frozenset({SPEC_FILE})

Array = npt.NDArray[np.float32]
Embedder = Callable[[Sequence[str]], Array]


# -- words ---------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_IDENT = re.compile(r"[^\W\d][\w$]*|\d+", re.UNICODE)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case without accents: 'Teléfono' -> 'telefono', 'Ñandú' -> 'nandu'."""
    return _strip_accents(text.lower())


def stem(word: str) -> str:
    """A light plural stemmer for English and Spanish, applied alike to both sides of every match:
    books/book, libros/libro, colores/color, categories/category, titles/title, classes/class."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and word[-2] not in "sui":
        word = word[:-1]
    if len(word) > 4 and word.endswith("e") and word[-2] in "rlndzjs":
        word = word[:-1]
    return word


def words(text: str, *, stemmed: bool = True, compounds: bool = True) -> list[str]:
    """Folded (and stemmed) words; an identifier gives its parts and, when it has several, itself
    too: 'published_on' -> published, on, published_on; 'fillForm' -> fill, form, fillform."""
    out: list[str] = []
    for token in _IDENT.findall(_strip_accents(text)):
        token = token.replace("$", "")
        pieces = [p for p in token.split("_") if p]
        parts = [q for p in pieces for q in ((_CAMEL.findall(p) or [p]) if p.isascii() else [p])]
        folded = [p.lower() for p in parts]
        out += [stem(p) for p in folded] if stemmed else folded
        if compounds and len(folded) > 1:
            out.append(token.lower().strip("_"))
    return [w for w in out if w]


# -- the request ---------------------------------------------------------------------------------


def _words_of(text: str) -> list[str]:
    """A word list written as text: folded and stemmed, one entry per whitespace-separated word."""
    return [stem(fold(w)) for w in text.split()]


_STOP_WORDS = """
a an the of to in on at for with and or but is are be been being it its this that these those
as by from into than then so if not no do does did can could should would will must may might
i me my we our you your they them their he she his her please also just only some any all each
every very more most other such there here what which who whom when where how why want wants
need needs like way one ones new now too make made let lets get got
el la los las lo un una unos unas de del al y e o u en con sin por para que se su sus es son
ser sea sean esta este estos estas ese esa eso como mas muy tambien ya no si mi mis me nos
le les hay debe deben deberia deberian quiero queremos puede pueden cada todo
todos toda todas otro otra otros otras cual cuando donde porque pero nuevo nueva
"""
_STOP = frozenset(_words_of(_STOP_WORDS))
# A leading imperative says what to do, not where: "añade un campo ...", "make the ISBN unique".
_LEADING_VERBS = frozenset(
    _words_of(
        """
        add adds make change changes use set put remove delete drop rename show let turn allow
        añade añadir agrega agregar haz hacer cambia cambiar usa usar pon poner quita quitar
        elimina eliminar borra borrar renombra renombrar muestra mostrar permite permitir
        """
    )
)
_COLOUR = "colour color theme styles css"
_STYLE = "style styles css"
_SORT = "sort order"
_DISPLAY = "display show"
_HIGHLIGHT = "highlight style css class"
# Words of the trade, mostly Spanish -> the words the code uses (its identifiers are English). Keys
# are phrases, matched on folded, stemmed words (so plurals and accents need no entry of their own).
_GLOSSARY_TEXT: dict[str, str] = {
    "campo": "field column",
    "columna": "column field",
    "color": _COLOUR,
    "colour": _COLOUR,
    "tema": "theme " + _STYLE,
    "estilo": _STYLE,
    "fuente": "font " + _STYLE,
    "letra": "font " + _STYLE,
    "pie de pagina": "footer",
    "pie de la pagina": "footer",
    "cabecera": "header",
    "encabezado": "header heading",
    "titulo": "title name",
    "nombre": "name",
    "boton": "button",
    "enlace": "link",
    "menu": "nav navigation menu",
    "inicio": "home index",
    "portada": "home index",
    "pagina": "page",
    "lista": "list",
    "listado": "list",
    "tabla": "table",
    "formulario": "form",
    "buscar": "search",
    "busqueda": "search",
    "ordenar": _SORT,
    "ordenada": _SORT,
    "ordenado": _SORT,
    "sorted": _SORT,
    "filtro": "filter",
    "filtrar": "filter",
    "panel": "dashboard stats",
    "grafico": "chart stats",
    "grafica": "chart stats",
    "estadistica": "stats dashboard",
    "exportar": "export csv",
    "exportacion": "export csv",
    "descargar": "download export",
    "prueba": "test",
    "unico": "unique",
    "unica": "unique",
    "obligatorio": "required",
    "obligatoria": "required",
    "requerido": "required",
    "correo": "email",
    "contrasena": "password",
    "registro": "signup register",
    "validar": "validate check",
    "valida": "validate check",
    "mensaje": "message",
    "fecha": "date",
    "precio": "price",
    "idioma": "language",
    "tamano": "size",
    "confirmacion": "confirm",
    "confirmar": "confirm",
    "borrar": "delete",
    "eliminar": "delete",
    "mostrar": _DISPLAY,
    "mostrarse": _DISPLAY,
    "muestra": _DISPLAY,
    "mostrado": _DISPLAY,
    "show": _DISPLAY,
    "shown": _DISPLAY,
    "displayed": _DISPLAY,
    "formato": "format display",
    "highlight": _HIGHLIGHT,
    "highlighted": _HIGHLIGHT,
    "resaltar": _HIGHLIGHT,
    "resaltado": _HIGHLIGHT,
    "destacar": _HIGHLIGHT,
    "destacado": _HIGHLIGHT,
    "base de datos": "database",
    "dependencia": "requirements dependencies",
    "imagen de docker": "docker image",
    "contenedor": "docker container",
    "despliegue": "deploy docker",
    "api": "api router",
    "endpoint": "api router main",
}
GLOSSARY: dict[tuple[str, ...], str] = {tuple(_words_of(k)): v for k, v in _GLOSSARY_TEXT.items()}
_COLOUR_WORDS = frozenset(
    _words_of(
        """
        red green blue yellow orange purple violet pink brown black white grey gray teal cyan navy
        rojo roja verde azul amarillo amarilla naranja morado morada violeta rosa marron negro negra
        blanco blanca gris turquesa celeste granate dorado plateado
        """
    )
)


_GENERIC_FIELDS = frozenset(
    {"title", "name", "description", "notes", "status", "type", "email", "phone", "address"}
)
# 'Biblioteca del barrio', "Stock Room", “Patitas”: a new value the request sets, not words to look for.
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|“[^”\n]*”|‘[^’\n]*’|«[^»\n]*»")


@dataclass(frozen=True)
class Query:
    request: str
    terms: tuple[str, ...]  # stemmed words to match, the request's own first, then what they imply
    text: str  # what is embedded: the request, plus the implied words in English


def _phrase_in(phrase: tuple[str, ...], said: Sequence[str]) -> bool:
    n = len(phrase)
    return any(tuple(said[i : i + n]) == phrase for i in range(len(said) - n + 1))


def _spec_aliases(tree: Mapping[str, bytes]) -> list[tuple[tuple[str, ...], str]]:
    """(label as stemmed words, identifiers it stands for) from the project's autocrea.json."""
    raw = tree.get(SPEC_FILE)
    if raw is None or len(raw) > MAX_FILE_BYTES:
        return []
    try:
        spec = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    if not isinstance(spec, dict):
        return []

    def text(value: object) -> str:
        return value if isinstance(value, str) else ""

    def items(value: object) -> list[dict[str, object]]:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    pairs: list[tuple[str, str]] = []
    entities = items(spec.get("entities"))
    owners: dict[str, set[str]] = {}  # field label -> entities that have a field so labelled
    for entity in entities:
        for item in items(entity.get("fields")):
            owners.setdefault(fold(text(item.get("label"))), set()).add(text(entity.get("name")))
    for entity in entities:
        names = f"{text(entity.get('name'))} {text(entity.get('table'))}"
        for key in ("label", "label_plural", "name", "table"):
            pairs.append((text(entity.get(key)), names))
        for item in items(entity.get("fields")):
            label, name = text(item.get("label")), text(item.get("name"))
            # A field only one entity has names that entity too ("the ISBN" is about books), unless
            # it is a word every app uses ("cambia el título" is as likely the app's title).
            own = len(owners.get(fold(label), ())) == 1 and name not in _GENERIC_FIELDS
            target = f"{name} {names}" if own else name
            pairs += [(label, target), (name.replace("_", " "), target)]
        for item in items(entity.get("relations")):
            pairs.append((text(item.get("label")), text(item.get("field"))))
    for page in items(spec.get("pages")):
        if text(page.get("kind")) in ("dashboard", "contact"):
            pairs.append((text(page.get("title")), text(page.get("kind"))))
    out = {(tuple(words(label, compounds=False)), target) for label, target in pairs if label and target}
    return sorted((p for p in out if p[0]), key=lambda p: (-len(p[0]), p))


def make_query(request: str, tree: Mapping[str, bytes]) -> Query:
    """The request's words (quoted values left out), widened with the project's vocabulary and the
    glossary."""
    plain = _QUOTED.sub(" ", request[:MAX_REQUEST_CHARS])
    own = [w for w in words(plain) if len(w) > 1]
    while own and own[0] in _LEADING_VERBS:
        own = own[1:]
    said = [stem(w) for w in words(plain, stemmed=False, compounds=False)]
    implied: list[str] = []  # English words, not stemmed (they are embedded too)
    for label, target in _spec_aliases(tree):
        if _phrase_in(label, said):
            implied += words(target, stemmed=False)
    translated: set[str] = set()
    for phrase, expansion in GLOSSARY.items():
        if _phrase_in(phrase, said):
            implied += expansion.split()
            translated.update(phrase)
    if any(word in _COLOUR_WORDS for word in said):
        implied += _COLOUR.split()
    implied = [w for w in dict.fromkeys(implied) if stem(w) not in _STOP]
    # A word the glossary translated is looked for by its translation: "campo" names what the code
    # calls a field, and in a Spanish app it is otherwise found only in messages about fields.
    kept = (w for w in own if w not in _STOP and w not in translated)
    terms = tuple(dict.fromkeys([*kept, *(stem(w) for w in implied)]))
    mentioned = set(words(plain, stemmed=False))
    extra = " ".join(w for w in implied if w not in mentioned)
    plain = " ".join(plain.split())
    return Query(request, terms, f"{plain} ({extra})" if extra else plain)


# -- chunks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    path: str
    start: int  # first line, 1-based
    end: int  # last line
    symbols: tuple[str, ...]  # names defined in these lines
    body: str  # the lines themselves

    @property
    def text(self) -> str:
        """What is embedded and indexed: the path, the names, then the lines."""
        head = self.path + (": " + ", ".join(self.symbols) if self.symbols else "")
        return f"{head}\n{self.body}"


def chunks_of(path: str, data: bytes, entry: FileEntry | None = None) -> list[Chunk]:
    """A file's chunks: a Python file by top-level class or function (the lines between them
    together), anything else by CHUNK_LINES-line windows. Binary and huge files have none."""
    entry = entry or map_file(path, data)
    text = decode(data) if entry.kind not in ("binary", "huge") else None
    if text is None:
        return []
    lines = text.splitlines()
    if not lines:
        return [Chunk(path, 1, 1, (), "")]
    spans: list[tuple[int, int]] = []
    if entry.kind == "python":
        tops = sorted({(s.line, s.end_line) for s in entry.symbols if "." not in s.name and s.kind != "var"})
        cursor = 1
        for start, end in tops:
            if start < cursor:
                continue
            if start > cursor:
                spans.append((cursor, start - 1))
            spans.append((start, end))
            cursor = end + 1
        if cursor <= len(lines):
            spans.append((cursor, len(lines)))
    else:
        spans = [(a, min(a + CHUNK_LINES - 1, len(lines))) for a in range(1, len(lines) + 1, CHUNK_LINES)]
    windows: list[tuple[int, int]] = []
    for start, end in spans:  # a long class or function is cut into windows too
        windows += [(a, min(a + CHUNK_LINES - 1, end)) for a in range(start, end + 1, CHUNK_LINES)]
    out: list[Chunk] = []
    for start, end in windows[:MAX_CHUNKS_PER_FILE]:
        body = "\n".join(lines[start - 1 : end])
        if not body.strip() and out:
            continue
        names = tuple(dict.fromkeys(s.name for s in entry.symbols if start <= s.line <= end))
        out.append(Chunk(path, start, end, names[:40], body))
    return out


def _defined_words(entry: FileEntry) -> list[str]:
    return sorted(set(words(" ".join(s.name for s in entry.symbols if s.kind in _DEFINING))))


def blob_sha(data: bytes) -> str:
    """Git's id of a blob: a file's bytes name the same vectors whatever the commit."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


# -- the index -----------------------------------------------------------------------------------


def index_dir(repo: ProjectRepo) -> Path:
    """`<project>/.git/autocrea/retrieval`: never committed, never served (see the module doc)."""
    git_dir = repo.root / ".git"
    if not git_dir.is_dir():
        raise ValueError(f"{repo.root} has no .git directory to keep a retrieval index in")
    return git_dir / "autocrea" / "retrieval"


@dataclass(frozen=True)
class Update:
    embedded_files: tuple[str, ...]  # new or changed: chunked and embedded now
    kept_files: int  # unchanged: their rows reused
    removed_files: int
    embedded_chunks: int
    seconds: float


@dataclass(frozen=True)
class Ranked:
    path: str
    score: float  # reciprocal-rank fusion of the three
    vector_rank: int | None  # 1-based; None: not ranked by that method
    text_rank: int | None
    name_rank: int | None


@dataclass
class _State:
    files: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # path -> (blob, first row, rows)
    defined: dict[str, list[str]] = field(default_factory=dict)  # path -> words of its top-level names
    chunks: list[tuple[str, int, int]] = field(default_factory=list)  # (path, first line, last line)
    vectors: Array = field(default_factory=lambda: np.zeros((0, embedding.DIM), dtype=np.float32))


_FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5("
    "path UNINDEXED, names, body, tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\")",
    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, blob TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def _identity(model: str = embedding.MODEL_NAME) -> dict[str, object]:
    return {
        "version": INDEX_VERSION,
        "model": model,
        "dim": embedding.DIM,
        "max_tokens": embedding.MAX_TOKENS,
        "chunk_lines": CHUNK_LINES,
    }


class RetrievalIndex:
    """Chunks, vectors and full text of one project's files; `directory=None` keeps it in memory
    (then it is one thread's). Another `embedder` must come with its own `model` name: the index
    records it, and vectors of another model are never mixed in (the index is rebuilt)."""

    def __init__(
        self, directory: Path | None, *, embedder: Embedder | None = None, model: str = embedding.MODEL_NAME
    ) -> None:
        if (embedder is None) != (model == embedding.MODEL_NAME):
            raise ValueError("a custom embedder needs its own model name, and the default model no embedder")
        self.directory = directory
        self.model = model
        self._embed: Embedder = embedder or embedding.embed
        self._memory: _State | None = _State() if directory is None else None
        self._memory_db: sqlite3.Connection | None = None

    # -- storage ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if self.directory is None:
            yield
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _load(self) -> _State:
        if self._memory is not None:
            return self._memory
        assert self.directory is not None
        try:
            manifest = json.loads((self.directory / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("identity") != _identity(self.model):
                return _State()
            files = {str(p): (str(b), int(a), int(n)) for p, (b, a, n) in manifest["files"].items()}
            chunks = [(str(p), int(a), int(b)) for p, a, b in manifest["chunks"]]
            defined = {str(p): [str(w) for w in ws] for p, ws in manifest["defined"].items()}
            vectors = np.load(self.directory / "vectors.npy", allow_pickle=False)
            if vectors.dtype != np.float32 or vectors.shape != (len(chunks), embedding.DIM):
                return _State()
            if any(a < 0 or n < 0 or a + n > len(chunks) for _, a, n in files.values()):
                return _State()
            if defined.keys() != files.keys():
                return _State()
            return _State(files=files, defined=defined, chunks=chunks, vectors=vectors)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return _State()  # missing or damaged: rebuilt from the tree

    def _save(self, state: _State) -> None:
        if self._memory is not None:
            self._memory = state
            return
        assert self.directory is not None
        manifest = {
            "identity": _identity(self.model),
            "files": state.files,
            "defined": state.defined,
            "chunks": state.chunks,
        }
        text = json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode()
        # vectors first: a manifest never names rows that are not there yet (both under the lock).
        _replace(self.directory / "vectors.npy", lambda fh: np.save(fh, state.vectors, allow_pickle=False))
        _replace(self.directory / "manifest.json", lambda fh: fh.write(text))

    def _db(self) -> sqlite3.Connection:
        if self.directory is None:
            if self._memory_db is None:
                self._memory_db = sqlite3.connect(":memory:", check_same_thread=False)
                self._init_db(self._memory_db)
            return self._memory_db
        path = self.directory / "fts.sqlite3"
        db = sqlite3.connect(path)
        try:
            self._init_db(db)
        except sqlite3.DatabaseError:  # damaged: start again
            db.close()
            path.unlink(missing_ok=True)
            db = sqlite3.connect(path)
            self._init_db(db)
        return db

    @staticmethod
    def _init_db(db: sqlite3.Connection) -> None:
        for statement in _FTS_SCHEMA:
            db.execute(statement)
        row = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
        identity = json.dumps(_identity(), sort_keys=True)
        if row is None or row[0] != identity:
            db.execute("DELETE FROM chunks")
            db.execute("DELETE FROM files")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)", (identity,))
        db.commit()

    def _close(self, db: sqlite3.Connection) -> None:
        if db is not self._memory_db:
            db.close()

    # -- update -----------------------------------------------------------------------------

    def update(self, tree: Mapping[str, bytes]) -> Update:
        """Bring the index to `tree`: only new and changed files are chunked and embedded."""
        with self._locked():
            return self._update(tree)[0]

    def _update(self, tree: Mapping[str, bytes]) -> tuple[Update, _State]:
        started = time.perf_counter()
        old = self._load()
        wanted = {path: blob_sha(data) for path, data in tree.items() if path not in NEVER_RANKED}
        state = _State()
        rows: list[Array] = []
        fresh: dict[str, list[Chunk]] = {}
        for path in sorted(wanted):
            first = len(state.chunks)
            before = old.files.get(path)
            if before is not None and before[0] == wanted[path]:
                _, a, n = before
                state.chunks += old.chunks[a : a + n]
                state.defined[path] = old.defined[path]
                rows.append(old.vectors[a : a + n])
            else:
                entry = map_file(path, tree[path])
                chunks = fresh[path] = chunks_of(path, tree[path], entry)
                state.chunks += [(c.path, c.start, c.end) for c in chunks]
                state.defined[path] = sorted(
                    set(words(" ".join(s.name for s in entry.symbols if s.kind in _DEFINING)))
                )
                rows.append(self._vectors([c.text for c in chunks]))
            state.files[path] = (wanted[path], first, len(state.chunks) - first)
        if rows:
            state.vectors = np.concatenate(rows).astype(np.float32, copy=False)
        removed = len(old.files.keys() - wanted.keys())
        if fresh or removed or old.files.keys() != state.files.keys():
            self._save(state)
        self._sync_text(tree, wanted, fresh)
        update = Update(
            embedded_files=tuple(fresh),
            kept_files=len(wanted) - len(fresh),
            removed_files=removed,
            embedded_chunks=sum(len(c) for c in fresh.values()),
            seconds=time.perf_counter() - started,
        )
        return update, state

    def _vectors(self, texts: Sequence[str]) -> Array:
        if not texts:
            return np.zeros((0, embedding.DIM), dtype=np.float32)
        vectors = np.asarray(self._embed(texts), dtype=np.float32)
        if vectors.shape != (len(texts), embedding.DIM):
            raise ValueError(f"the embedder returned {vectors.shape} for {len(texts)} texts")
        return vectors

    def _sync_text(
        self, tree: Mapping[str, bytes], wanted: Mapping[str, str], fresh: dict[str, list[Chunk]]
    ) -> None:
        db = self._db()
        try:
            have = dict(db.execute("SELECT path, blob FROM files").fetchall())
            stale = [p for p, blob in have.items() if wanted.get(p) != blob]
            missing = sorted(p for p, blob in wanted.items() if have.get(p) != blob)
            if not stale and not missing:
                return
            with db:
                for path in stale:
                    db.execute("DELETE FROM chunks WHERE path = ?", (path,))
                    db.execute("DELETE FROM files WHERE path = ?", (path,))
                for path in missing:
                    chunks = fresh[path] if path in fresh else chunks_of(path, tree[path])
                    db.executemany(
                        "INSERT INTO chunks (path, names, body) VALUES (?, ?, ?)",
                        [
                            (
                                path,
                                " ".join(words(path + " " + " ".join(c.symbols))),
                                " ".join(words(c.body)),
                            )
                            for c in chunks
                        ],
                    )
                    db.execute("INSERT INTO files VALUES (?, ?)", (path, wanted[path]))
        finally:
            self._close(db)

    # -- search -----------------------------------------------------------------------------

    def search(self, tree: Mapping[str, bytes], request: str) -> list[Ranked]:
        """Every file of `tree` ranked for the request (the index is updated to `tree` first)."""
        with self._locked():
            _, state = self._update(tree)
            query = make_query(request, tree)
            candidates = sorted(p for p in tree if p not in NEVER_RANKED)
            by_vector = self._vector_ranking(state, query, candidates)
            by_text = self._text_ranking(query, candidates)
        by_name = _name_ranking(query, candidates, state.defined)
        return fuse(candidates, by_vector, by_text, by_name, k=RRF_K)

    def _vector_ranking(self, state: _State, query: Query, candidates: Collection[str]) -> dict[str, float]:
        if not len(state.chunks):
            return {}
        q = self._vectors([query.text])[0]
        cosines = state.vectors @ q
        best: dict[str, float] = {}
        for (path, _, _), score in zip(state.chunks, cosines.tolist(), strict=True):
            if path in candidates and score > best.get(path, -2.0):
                best[path] = float(score)
        return best

    def _text_ranking(self, query: Query, candidates: Collection[str]) -> dict[str, float]:
        if not query.terms:
            return {}
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in query.terms)
        db = self._db()
        try:
            rows = db.execute(
                "SELECT path, bm25(chunks, 0.0, 2.0, 1.0) FROM chunks WHERE chunks MATCH ?", (match,)
            ).fetchall()
        except sqlite3.OperationalError:
            return {}
        finally:
            self._close(db)
        best: dict[str, float] = {}
        for path, rank in rows:
            score = -float(rank)  # FTS5's bm25() is lower-is-better
            if path in candidates and score > best.get(path, -math.inf):
                best[path] = score
        return best


def _replace(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write a file whole or not at all (a reader never sees half of it)."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _path_words(path: str) -> set[str]:
    return set(words(path.replace("/", " ").replace(".", " ").replace("-", " ")))


def _name_ranking(
    query: Query, candidates: Sequence[str], defined: Mapping[str, Sequence[str]]
) -> dict[str, float]:
    """Request words among a path's words (or, DEFINED_WEIGHT as much, among the words of the
    classes and functions it defines: `class Book` in models.py), each weighted by how few files
    have that word."""
    if not candidates or not query.terms:
        return {}
    in_path = {p: _path_words(p) for p in candidates}
    in_names = {p: set(defined.get(p, ())) for p in candidates}
    df: dict[str, int] = {}
    for p in candidates:
        for w in in_path[p] | in_names[p]:
            df[w] = df.get(w, 0) + 1
    n = len(candidates)
    scores: dict[str, float] = {}
    for path in candidates:
        score = 0.0
        for term in set(query.terms) & df.keys():
            weight = 1.0 if term in in_path[path] else DEFINED_WEIGHT if term in in_names[path] else 0.0
            score += weight * math.log(1 + n / df[term])
        if score > 0:
            scores[path] = score
    return scores


def _ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1-based ranks by score, ties sharing the best rank; equal scores are ordered by path."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for position, (path, score) in enumerate(ordered, start=1):
        if previous is None or score != previous:
            rank, previous = position, score
        ranks[path] = rank
    return ranks


def fuse(
    candidates: Sequence[str],
    by_vector: Mapping[str, float],
    by_text: Mapping[str, float],
    by_name: Mapping[str, float],
    *,
    k: int = RRF_K,
) -> list[Ranked]:
    """Reciprocal-rank fusion of the three scorings; ties by path, so the order is total."""
    rv, rt, rn = _ranks(by_vector), _ranks(by_text), _ranks(by_name)
    out = [
        Ranked(
            path=p,
            score=sum(1.0 / (k + r[p]) for r in (rv, rt, rn) if p in r),
            vector_rank=rv.get(p),
            text_rank=rt.get(p),
            name_rank=rn.get(p),
        )
        for p in candidates
    ]
    return sorted(out, key=lambda r: (-r.score, r.path))


def relevant_files(
    tree: Mapping[str, bytes], request: str, k: int = 5, *, index_dir: Path | None = None
) -> list[str]:
    """The k paths of `tree` the request is most likely about, best first.

    `index_dir` keeps the index between calls (give `index_dir(repo)` for a project): only files
    changed since the last call are embedded again. Without it the index is built in memory."""
    if k <= 0:
        return []
    ranked = RetrievalIndex(index_dir).search(tree, request)
    return [r.path for r in ranked[:k]]
