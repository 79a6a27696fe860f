"""Retrieval: words, chunks, an index kept with the project and updated file by file, the ranking."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pygit2
import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.errors import UnsafePath
from autocrea.pipeline import embedding
from autocrea.pipeline.retrieval import (
    RetrievalIndex,
    blob_sha,
    chunks_of,
    fold,
    index_dir,
    make_query,
    relevant_files,
    stem,
    words,
)
from autocrea.storage.archive import zip_commit
from autocrea.storage.git import ProjectRepo, role_author
from autocrea.storage.paths import safe_relpath


@pytest.fixture(scope="module")
def library() -> dict[str, bytes]:
    spec = design("Biblioteca con libros, socios y préstamos").spec
    files = {**render_project(spec), "autocrea.json": spec.to_json()}
    return {path: text.encode() for path, text in files.items()}


class CountingEmbedder:
    """Deterministic stand-in for the model: a vector from the text's hash, and a log of texts."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8", "replace")).digest()[:8], "big")
            row = np.random.default_rng(seed).standard_normal(embedding.DIM).astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32).reshape(len(texts), embedding.DIM)

    def paths(self) -> set[str]:
        return {text.split("\n", 1)[0].split(": ", 1)[0] for text in self.texts}


def _fake_index(directory: Path | None) -> tuple[RetrievalIndex, CountingEmbedder]:
    embedder = CountingEmbedder()
    return RetrievalIndex(directory, embedder=embedder, model="fake-hash"), embedder


# -- words -----------------------------------------------------------------------------------------


def test_words_fold_split_and_stem() -> None:
    assert fold("Teléfono Ñandú") == "telefono nandu"
    pairs = [
        ("books", "book"),
        ("libros", "libro"),
        ("colores", "color"),
        ("categories", "category"),
        ("titles", "title"),
        ("classes", "class"),
        ("statuses", "status"),
        ("lectores", "lector"),
    ]
    for plural, singular in pairs:
        assert stem(plural) == stem(singular), (plural, singular)
    assert words("published_on fillForm") == ["published", "on", "published_on", "fill", "form", "fillform"]
    assert words("Préstamos", stemmed=False) == ["prestamos"]


def test_a_request_reaches_the_projects_identifiers(library: dict[str, bytes]) -> None:
    query = make_query("añade un campo editorial a los libros", library)
    assert {"book", "field", "editorial"} <= set(query.terms)
    assert stem("anade") not in query.terms  # the leading verb says what to do, not where
    assert "books" in query.text and "field" in query.text
    phone = make_query("quita el campo teléfono de los socios", library)
    assert {stem("phone"), "member"} <= set(phone.terms)
    isbn = make_query("make the ISBN unique", library)
    assert {"isbn", "book", "unique"} <= set(isbn.terms)  # only Book has an ISBN
    quoted = make_query("cambia el título a 'Biblioteca del barrio'", library)
    assert "barrio" not in quoted.terms and "barrio" not in quoted.text
    assert make_query("", library).terms == ()


# -- chunks ----------------------------------------------------------------------------------------


def test_python_is_chunked_by_symbol_and_the_rest_by_windows(library: dict[str, bytes]) -> None:
    models = chunks_of("app/models.py", library["app/models.py"])
    assert [c.symbols[0] for c in models if c.symbols][:3] == ["Book", "Member", "Loan"]
    book = next(c for c in models if c.symbols and c.symbols[0] == "Book")
    assert book.text.startswith("app/models.py: Book, Book.title")
    assert "class Book(Base):" in book.body
    page = chunks_of("app/templates/books.html", library["app/templates/books.html"])
    assert [(c.start, c.end) for c in page[:2]] == [(1, 40), (41, 80)]
    assert chunks_of("logo.png", b"\x89PNG\x00\x00") == []
    assert len(chunks_of("app/__init__.py", b"")) == 1
    assert blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object


# -- the index -------------------------------------------------------------------------------------


def test_an_update_embeds_only_what_changed(library: dict[str, bytes], tmp_path: Path) -> None:
    index, embedder = _fake_index(tmp_path / "index")
    first = index.update(library)
    assert set(first.embedded_files) == set(library) - {"autocrea.json"}  # the spec is never ranked
    assert embedder.paths() == set(first.embedded_files)
    vectors = np.load(tmp_path / "index" / "vectors.npy")

    embedder.texts.clear()
    again = RetrievalIndex(tmp_path / "index", embedder=embedder, model="fake-hash").update(library)
    assert again.embedded_files == () and embedder.texts == []
    assert again.kept_files == len(library) - 1

    changed = dict(library)
    changed["app/models.py"] = library["app/models.py"] + b"\n\nZEBRACORN_LIMIT = 3\n"
    del changed["app/routers/loans.py"]
    changed["app/export.py"] = b'"""CSV export."""\n\ndef csv_response():\n    return None\n'
    update = index.update(changed)
    assert set(update.embedded_files) == {"app/models.py", "app/export.py"}
    assert embedder.paths() == {"app/models.py", "app/export.py"}
    assert update.removed_files == 1
    ranked = index.search(changed, "zebracorn limit")
    assert ranked[0].path == "app/models.py" and ranked[0].text_rank == 1
    assert "app/routers/loans.py" not in {r.path for r in ranked}

    back = index.update(library)  # unchanged files kept their rows: the same bytes as at first
    assert set(back.embedded_files) == {"app/models.py", "app/routers/loans.py"}
    assert np.array_equal(np.load(tmp_path / "index" / "vectors.npy"), vectors)


def test_incremental_and_rebuilt_indexes_agree_bit_for_bit(library: dict[str, bytes], tmp_path: Path) -> None:
    small = {p: library[p] for p in ("app/models.py", "app/schemas.py", "app/templates/members.html")}
    edited = {**small, "app/models.py": small["app/models.py"].replace(b"String(200)", b"String(300)")}
    incremental = RetrievalIndex(tmp_path / "a")
    incremental.update(small)
    assert incremental.update(edited).embedded_files == ("app/models.py",)
    rebuilt = RetrievalIndex(tmp_path / "b")
    rebuilt.update(edited)
    assert np.array_equal(np.load(tmp_path / "a" / "vectors.npy"), np.load(tmp_path / "b" / "vectors.npy"))
    assert incremental.search(edited, "member phone") == rebuilt.search(edited, "member phone")


def test_a_damaged_index_is_rebuilt(library: dict[str, bytes], tmp_path: Path) -> None:
    directory = tmp_path / "index"
    index, embedder = _fake_index(directory)
    index.update(library)
    before = index.search(library, "isbn")
    for name in ("manifest.json", "vectors.npy", "fts.sqlite3"):
        (directory / name).write_bytes(b"\x00garbage")
    embedder.texts.clear()
    assert index.search(library, "isbn") == before
    assert embedder.paths() - {"isbn (book books)"} == set(library) - {"autocrea.json"}  # files + query


def test_vectors_of_another_model_are_never_mixed_in(library: dict[str, bytes], tmp_path: Path) -> None:
    small = {"app/models.py": library["app/models.py"]}
    index, _ = _fake_index(tmp_path)
    index.update(small)
    other = CountingEmbedder()
    assert RetrievalIndex(tmp_path, embedder=other, model="fake-2").update(small).embedded_files == (
        "app/models.py",
    )
    with pytest.raises(ValueError):
        RetrievalIndex(tmp_path, embedder=other)  # a custom embedder must say which model it is


def test_the_ranking_is_deterministic_and_total(library: dict[str, bytes], tmp_path: Path) -> None:
    index, _ = _fake_index(tmp_path / "one")
    first = index.search(library, "haz que el ISBN sea único")
    assert first == index.search(library, "haz que el ISBN sea único")
    elsewhere, _ = _fake_index(tmp_path / "two")
    assert elsewhere.search(dict(reversed(library.items())), "haz que el ISBN sea único") == first
    assert sorted(r.path for r in first) == sorted(set(library) - {"autocrea.json"})
    scores = [(-r.score, r.path) for r in first]
    assert scores == sorted(scores)


# -- where the index lives ----------------------------------------------------------------------


def test_the_index_lives_where_nothing_commits_or_serves_it(
    library: dict[str, bytes], tmp_path: Path
) -> None:
    repo = ProjectRepo.init(tmp_path / "project")
    repo.commit_files(library, message="Generated", author=role_author("tester"))
    directory = index_dir(repo)
    assert directory == repo.root / ".git" / "autocrea" / "retrieval"
    index, _ = _fake_index(directory)
    index.search(repo.tree("HEAD"), "isbn")
    assert {p.name for p in directory.iterdir()} >= {"manifest.json", "vectors.npy", "fts.sqlite3"}
    # git sees nothing new, so nothing can be committed; the tree, the ZIP and previews never hold it
    assert pygit2.Repository(str(repo.root)).status() == {}
    if shutil.which("git"):
        git = subprocess.run(["git", "status", "--porcelain"], cwd=repo.root, capture_output=True, text=True)
        assert git.returncode == 0 and git.stdout == ""
    assert not any("retrieval" in path for path in repo.tree("HEAD"))
    assert b"vectors.npy" not in zip_commit(repo)
    with pytest.raises(UnsafePath):  # no generated or edited path can name it
        safe_relpath(".git/autocrea/retrieval/manifest.json")
    repo.commit_files({"app/extra.py": "X = 1\n"}, message="Edit", author=role_author("tester"))
    assert (directory / "manifest.json").is_file()  # a commit leaves it in place


# -- the real model on a generated app ----------------------------------------------------------


@pytest.fixture(scope="module")
def library_index(library: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("library-index")
    RetrievalIndex(directory).update(library)  # ~230 chunks: a few seconds on two cores
    return directory


@pytest.mark.slow
@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ("make the ISBN unique", {"app/models.py", "app/schemas.py", "app/routers/books.py"}),
        (
            "añade un campo editorial a los libros",
            {"app/models.py", "app/schemas.py", "app/templates/books.html"},
        ),
        (
            "quita el campo teléfono de los socios",
            {"app/models.py", "app/schemas.py", "app/templates/members.html"},
        ),
        ("usa colores verde y blanco", {"app/static/styles.css"}),
    ],
)
def test_a_request_naming_a_field_finds_the_model_schema_and_template(
    library: dict[str, bytes], library_index: Path, request_: str, expected: set[str]
) -> None:
    found = relevant_files(library, request_, k=5, index_dir=library_index)
    assert len(found) == 5
    assert expected <= set(found), found
    assert found == relevant_files(library, request_, k=5, index_dir=library_index)


@pytest.mark.slow
def test_relevant_files_edges(library: dict[str, bytes], library_index: Path) -> None:
    assert relevant_files(library, "isbn", k=0, index_dir=library_index) == []
    everything = relevant_files(library, "isbn", k=1000, index_dir=library_index)
    assert sorted(everything) == sorted(set(library) - {"autocrea.json"})
    assert relevant_files(library, "", k=3, index_dir=library_index)  # still three files, by vectors
    tiny = {"README.md": b"# Notes\n", "app/main.py": b"def health():\n    return {'status': 'ok'}\n"}
    assert relevant_files(tiny, "health endpoint", k=1) == ["app/main.py"]  # in memory, no directory
