"""The file protocol a model answers in: `<file path="...">...</file>` blocks, parsed tolerantly.

Small models break formats, so the parser accepts chat text around blocks, markdown fences inside a
block, CRLF, single quotes, and a last block left unclosed at the end of the stream. It never
accepts an unsafe path: those are reported as rejections, never written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autocrea.errors import UnsafePath
from autocrea.storage.paths import safe_relpath

MAX_FILE_CHARS = 400_000
_OPEN = re.compile(r"""<file\s+path\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)')\s*>""", re.IGNORECASE)
_CLOSE = re.compile(r"</file\s*>", re.IGNORECASE)
_FENCE = re.compile(r"^\s*```[\w.+-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)


@dataclass(frozen=True)
class Rejection:
    path: str
    reason: str


@dataclass
class ParsedFiles:
    files: dict[str, str] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    prose: str = ""  # text outside blocks: shown in the log, never written
    truncated: bool = False  # the last block had no closing tag


def _body(raw: str) -> str:
    text = raw.strip("\n")
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    return text if text.endswith("\n") or not text else text + "\n"


def parse_files(output: str) -> ParsedFiles:
    """Split a model's answer into files (safe paths only), rejections and prose."""
    text = output.replace("\r\n", "\n").replace("\r", "\n")
    result = ParsedFiles()
    prose: list[str] = []
    pos = 0
    while True:
        opening = _OPEN.search(text, pos)
        if opening is None:
            prose.append(text[pos:])
            break
        prose.append(text[pos : opening.start()])
        path = opening.group(1) if opening.group(1) is not None else (opening.group(2) or "")
        closing = _CLOSE.search(text, opening.end())
        next_open = _OPEN.search(text, opening.end())
        if closing is None or (next_open is not None and next_open.start() < closing.start()):
            end = next_open.start() if next_open is not None else len(text)
            body, pos = text[opening.end() : end], end
            result.truncated = result.truncated or next_open is None
        else:
            body, pos = text[opening.end() : closing.start()], closing.end()
        _accept(result, path, body)
    result.prose = "".join(prose).strip()
    return result


def _accept(result: ParsedFiles, path: str, body: str) -> None:
    try:
        clean = safe_relpath(path)
    except UnsafePath as exc:
        result.rejected.append(Rejection(path=path[:200], reason=exc.message))
        return
    if len(body) > MAX_FILE_CHARS:
        result.rejected.append(Rejection(path=clean, reason=f"file is over {MAX_FILE_CHARS:,} characters"))
        return
    result.files[clean] = _body(body)
