"""The numpy all-MiniLM-L6-v2 against sentence-transformers' own embeddings, and odd inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from autocrea.pipeline import embedding
from autocrea.pipeline.embedding import DIM, MAX_TOKENS, MiniLM, encoder

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "embedding" / "minilm_reference.json"


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return encoder()


@pytest.fixture(scope="module")
def reference() -> list[dict[str, object]]:
    items: list[dict[str, object]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["items"]
    return items


def _unit(vectors: np.ndarray) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape[1] == DIM
    assert np.isfinite(vectors).all()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_the_fixture_is_varied(reference: list[dict[str, object]]) -> None:
    texts = [str(item["text"]) for item in reference]
    assert len(texts) >= 20
    assert "" in texts
    assert any("class " in t for t in texts) and any("ñ" in t or "á" in t for t in texts)
    assert max(int(str(item["tokens"])) for item in reference) == MAX_TOKENS  # one is truncated


def test_matches_sentence_transformers(model: MiniLM, reference: list[dict[str, object]]) -> None:
    texts = [str(item["text"]) for item in reference]
    expected = np.array([item["vector"] for item in reference], dtype=np.float32)
    got = model.embed(texts)
    _unit(got)
    cosines = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.9999, f"{texts[worst]!r}: cosine {cosines[worst]}"
    assert [len(ids) for ids in model.token_ids(texts)] == [item["tokens"] for item in reference]


def test_batching_does_not_change_the_vectors(model: MiniLM, reference: list[dict[str, object]]) -> None:
    texts = [str(item["text"]) for item in reference]
    together = model.embed(texts)
    one_by_one = model.embed(texts, batch_tokens=1)  # every text alone
    small_batches = model.embed(texts, batch_tokens=300)
    assert np.abs(together - one_by_one).max() < 1e-5
    assert np.abs(together - small_batches).max() < 1e-5
    reversed_ = model.embed(texts[::-1])
    assert np.abs(reversed_[::-1] - together).max() < 1e-5  # rows come back in the order given
    again = model.embed(texts)
    assert np.array_equal(again, together)  # the same batches give the same bits


def test_empty_inputs(model: MiniLM) -> None:
    assert model.embed([]).shape == (0, DIM)
    _unit(model.embed(["", " ", "\n\t"]))


def test_a_huge_text_is_cut_to_what_the_model_sees(model: MiniLM) -> None:
    huge = "word " * 400_000  # 2 MB; the model sees 256 tokens of it anyway
    short = "word " * 300
    got = model.embed([huge, short])
    _unit(got)
    assert float(got[0] @ got[1]) > 0.99999
    assert len(model.token_ids([huge])[0]) == MAX_TOKENS


def test_hostile_and_binary_like_text(model: MiniLM) -> None:
    texts = [
        "\x00\x01\x02 NUL and control bytes \x7f",
        "lone surrogate \ud800 here",
        "\u202eright-to-left override\u202c and zero\u200bwidth",
        "Z̷̢̛a̶l̸g̵o̵" * 50,
        "x" * 5_000,  # one word longer than WordPiece reads: [UNK]
        bytes(range(256)).decode("latin-1"),
        "🙂" * 1_000,
        "<script>alert(1)</script>{{ 7*7 }}{% raw %}",
    ]
    got = model.embed(texts)
    assert got.shape == (len(texts), DIM)
    _unit(got)


def test_only_sequences_of_str(model: MiniLM) -> None:
    with pytest.raises(TypeError):
        model.embed("one string")  # a str is a sequence of characters: refused, not 20 vectors
    with pytest.raises(TypeError):
        model.embed([b"bytes"])  # type: ignore[list-item]


def test_the_model_is_loaded_once() -> None:
    assert encoder() is encoder()
    assert embedding.embed(["hola"]).shape == (1, DIM)


def test_gelu_is_the_exact_one() -> None:
    xs = np.linspace(-8, 8, 4001, dtype=np.float32)
    expected = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in xs.astype(np.float64)])
    got = embedding._gelu(xs.reshape(1, -1).copy()).ravel()
    assert np.abs(got - expected).max() < 1e-6


def test_the_model_ships_in_site_packages() -> None:
    directory = embedding.model_dir()
    assert (directory / "model.safetensors").is_file()
    assert "site-packages" in str(directory) or "dist-packages" in str(directory)
