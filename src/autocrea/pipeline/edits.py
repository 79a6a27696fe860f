"""Search/replace edit blocks, and applying a model's answer to a role's files safely.

A model changes files in one of two ways, in any order within one answer: a whole file in a
`<file path="...">` block (see parse.py), or edits to an existing file:

    <edit path="app/main.py">
    <<<<<<< SEARCH
    exact existing lines
    =======
    new lines
    >>>>>>> REPLACE
    </edit>

Several SEARCH/REPLACE pairs may sit in one `<edit>`. Tolerated: CRLF, markdown fences around the
block or inside a section, 5-9 marker characters, a missing `</edit>` at the end of the stream, chat
text around blocks, single quotes on the path, and a `<file>` block that holds SEARCH/REPLACE pairs
(read as an edit). Everything is pure: nothing here touches the disk, and bad model output becomes
a `Rejection` with a reason a re-prompt can quote, never an exception.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from autocrea.errors import UnsafePath
from autocrea.pipeline.parse import Rejection, parse_files
from autocrea.storage.paths import safe_relpath

_OPEN = re.compile(r"""<(file|edit)\s+path\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)')\s*>""", re.IGNORECASE)
_CLOSE = re.compile(r"</(?:file|edit)\s*>", re.IGNORECASE)
# MULTILINE: the same patterns match one line, or find a marker line anywhere in a text.
_SEARCH = re.compile(r"^[ \t]*<{5,9}[ \t]*SEARCH[ \t]*$", re.IGNORECASE | re.MULTILINE)
_DIVIDER = re.compile(r"^={5,9}[ \t]*$")
_REPLACE = re.compile(r"^[ \t]*>{5,9}[ \t]*REPLACE[ \t]*$", re.IGNORECASE | re.MULTILINE)
_FENCE_OPEN = re.compile(r"^[ \t]*(?:```|~~~)[\w.+-]*[ \t]*$")
_FENCE_CLOSE = re.compile(r"^[ \t]*(?:```|~~~)[ \t]*$")
_MARKDOWN = (".md", ".markdown")
# A comment standing in for code the model did not write out ("# ... rest of the code ...").
_LAZY_COMMENT = re.compile(r"^\s*(?:#|//|/\*|<!--|\{#|\*)")
_LAZY_WORDS = re.compile(
    r"\b(?:rest of|existing|remaining|unchanged|as before|same as|previous"
    r"|other (?:code|methods|functions|routes))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class EditBlock:
    path: str  # already through safe_relpath
    search: str
    replace: str


@dataclass
class Changes:
    files: dict[str, str] = field(default_factory=dict)  # complete new text of each changed file
    rejected: list[Rejection] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # "app/main.py: 2 edits", "app/x.py: new file"
    blocks: int = 0  # file and edit blocks found in the answer (applied, refused or changing nothing)


@dataclass(frozen=True)
class _Block:
    kind: str  # "file" or "edit"
    path: str  # as the model wrote it
    tag: str  # the opening tag, verbatim
    body: str


def _normalise(output: str) -> str:
    return output.replace("\r\n", "\n").replace("\r", "\n")


def _split(text: str) -> tuple[list[_Block], str]:
    """Blocks in order, and the prose around them. A block ends at its close tag or the next block."""
    opens = list(_OPEN.finditer(text))
    closes = list(_CLOSE.finditer(text))
    close_starts = [c.start() for c in closes]
    blocks: list[_Block] = []
    prose: list[str] = []
    pos = 0
    for index, opening in enumerate(opens):
        limit = opens[index + 1].start() if index + 1 < len(opens) else len(text)
        prose.append(text[pos : opening.start()])
        found = bisect.bisect_left(close_starts, opening.end())
        if found < len(closes) and closes[found].start() < limit:
            body, pos = text[opening.end() : closes[found].start()], closes[found].end()
        else:
            body, pos = text[opening.end() : limit], limit
        kind = opening.group(1).lower()
        if kind == "file" and _SEARCH.search(body) and _REPLACE.search(body):
            kind = "edit"  # SEARCH/REPLACE pairs sent in a <file> block
        path = opening.group(2) if opening.group(2) is not None else (opening.group(3) or "")
        blocks.append(_Block(kind=kind, path=path, tag=opening.group(0), body=body))
    prose.append(text[pos:])
    return blocks, "".join(prose)


def _unfence(lines: list[str], path: str) -> list[str]:
    """Drop a fence line opening or closing a section (never in markdown, where fences are content)."""
    if path.lower().endswith(_MARKDOWN):
        return lines
    if lines and _FENCE_OPEN.match(lines[0]):
        lines = lines[1:]
    if lines and _FENCE_CLOSE.match(lines[-1]):
        lines = lines[:-1]
    return lines


def _section(lines: list[str], path: str) -> str:
    kept = _unfence(lines, path)
    return "\n".join(kept) + "\n" if kept else ""


def _edit_pairs(path: str, body: str) -> tuple[list[EditBlock], list[Rejection]]:
    edits: list[EditBlock] = []
    rejected: list[Rejection] = []
    state = "out"
    search: list[str] = []
    replace: list[str] = []
    for line in body.split("\n"):
        if _SEARCH.match(line):
            if state != "out":
                rejected.append(Rejection(path, f"edit to {path}: a SEARCH block was not finished"))
            state, search = "search", []
        elif state == "search" and _DIVIDER.match(line):
            state, replace = "replace", []
        elif state == "search" and _REPLACE.match(line):
            rejected.append(Rejection(path, f"edit to {path}: no ======= between SEARCH and REPLACE"))
            state = "out"
        elif state == "replace" and _REPLACE.match(line):
            edits.append(EditBlock(path, _section(search, path), _section(replace, path)))
            state = "out"
        elif state == "search":
            search.append(line)
        elif state == "replace":
            replace.append(line)
    if state != "out":
        reason = f"edit to {path} is incomplete: the answer ended before >>>>>>> REPLACE"
        rejected.append(Rejection(path, reason))
    if not edits and not rejected:
        rejected.append(Rejection(path, f"edit to {path} has no <<<<<<< SEARCH / >>>>>>> REPLACE pair"))
    return edits, rejected


def _safe(raw: str) -> tuple[str | None, Rejection | None]:
    try:
        return safe_relpath(raw), None
    except UnsafePath as exc:
        return None, Rejection(path=raw[:200], reason=exc.message)


def _stray_markers(prose: str) -> list[Rejection]:
    if _SEARCH.search(prose) is None and _REPLACE.search(prose) is None:
        return []
    reason = 'SEARCH/REPLACE markers outside an <edit path="..."> block were ignored'
    return [Rejection(path="", reason=reason)]


def parse_edits(output: str) -> tuple[list[EditBlock], list[Rejection]]:
    """The edit blocks in a model's answer (safe paths only), and what was refused."""
    blocks, prose = _split(_normalise(output))
    edits: list[EditBlock] = []
    rejected: list[Rejection] = []
    for block in blocks:
        if block.kind != "edit":
            continue
        path, refusal = _safe(block.path)
        if path is None:
            rejected.append(refusal or Rejection(block.path, "unsafe path"))
            continue
        found, refused = _edit_pairs(path, block.body)
        edits += found
        rejected += refused
    return edits, rejected + _stray_markers(prose)


def _trim_blank_edges(lines: list[str]) -> tuple[list[str], int, int]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end], start, len(lines) - end


def _loose_apply(text: str, edit: EditBlock) -> tuple[str | None, int]:
    """Match ignoring trailing whitespace per line and blank lines around SEARCH; (new text, matches)."""
    search_lines = edit.search.removesuffix("\n").split("\n")
    wanted, lead, trail = _trim_blank_edges([line.rstrip() for line in search_lines])
    parts = text.split("\n")
    size = len(wanted)
    hits = [k for k in range(len(parts) - size + 1) if [p.rstrip() for p in parts[k : k + size]] == wanted]
    if len(hits) != 1:
        return None, len(hits)
    new_lines = edit.replace.removesuffix("\n").split("\n") if edit.replace else []
    while lead and new_lines and not new_lines[0].strip():
        new_lines, lead = new_lines[1:], lead - 1
    while trail and new_lines and not new_lines[-1].strip():
        new_lines, trail = new_lines[:-1], trail - 1
    k = hits[0]
    return "\n".join(parts[:k] + new_lines + parts[k + size :]), 1


def _apply_edit(text: str | None, edit: EditBlock) -> tuple[str | None, str]:
    """(new text, "") when the edit applies to `text`, else (None, reason). `text` None: no such file."""
    path = edit.path
    if not edit.search.strip():
        if text is None or not text.strip():
            return edit.replace, ""
        return None, f"empty SEARCH for existing {path}: copy the exact lines to replace"
    if text is None:
        return None, f"cannot edit {path}: no such file (send it whole in a <file> block)"
    hay, needle = "\n" + text, "\n" + edit.search
    first = hay.find(needle)
    if first >= 0 and hay.find(needle, first + 1) < 0:
        return text[:first] + edit.replace + text[first + len(edit.search) :], ""
    new_text, matches = _loose_apply(text, edit)
    if new_text is not None:
        return new_text, ""
    if matches > 1 or first >= 0:
        count = max(matches, hay.count(needle))
        return None, f"ambiguous search in {path}: found {count} times; add lines to make it unique"
    first_line = next((line for line in edit.search.split("\n") if line.strip()), "")
    return None, f"search text not found in {path} (first SEARCH line: {first_line.strip()[:80]!r})"


def _strip_stray_fences(path: str, text: str) -> str:
    """A whole file whose first line opens or last line closes a fence lost its other half."""
    if path.lower().endswith(_MARKDOWN):
        return text
    lines = text.split("\n")
    if lines and _FENCE_OPEN.match(lines[0]):
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if lines and _FENCE_CLOSE.match(lines[-1]):
        lines = lines[:-1]
    return "\n".join(lines) + "\n" if lines else ""


def _lazy_lines(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.split("\n")
        if _LAZY_COMMENT.match(line) and ("..." in line or "…" in line) and _LAZY_WORDS.search(line)
    ]


def _problem(path: str, text: str, original: str | None, max_file_chars: int) -> str | None:
    """Why the final text of a file may not be written, or None."""
    if not text.strip() and path.rsplit("/", 1)[-1] != "__init__.py":
        return f"empty file: {path} would have no content"
    if len(text) > max_file_chars:
        return f"file too large: {path} has {len(text):,} characters (the limit is {max_file_chars:,})"
    lazy = _lazy_lines(text)
    if len(lazy) > len(_lazy_lines(original or "")):
        return f"{path} has a placeholder instead of code ({lazy[0][:80]!r}); write the code out in full"
    if path.endswith(".py"):
        try:
            compile(text, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return f"Python does not compile: {path} line {exc.lineno}: {exc.msg}"
        except (ValueError, RecursionError, MemoryError) as exc:
            return f"Python does not compile: {path}: {exc}"
    return None


@dataclass
class _Tally:
    whole: bool = False
    edits: int = 0

    def describe(self, is_new: bool) -> str:
        if is_new:
            return "new file"
        counted = f"{self.edits} edit{'s' if self.edits != 1 else ''}"
        if self.whole:
            return f"rewritten + {counted}" if self.edits else "rewritten"
        return counted


def apply_changes(
    current: Mapping[str, str],
    output: str,
    *,
    may_write: Callable[[str], bool],
    why_not: Callable[[str], str] | None = None,
    max_files: int = 40,
    max_file_chars: int = 200_000,
) -> Changes:
    """Apply a model's whole files and edits to `current`, in order; refuse what is unsafe or broken.
    `why_not(path)`: the words of a refusal by `may_write` (default: the path is not the role's)."""
    changes = Changes()
    blocks, prose = _split(_normalise(output))
    changes.blocks = len(blocks)
    working: dict[str, str] = dict(current)
    tally: dict[str, _Tally] = {}

    def admit(raw: str) -> str | None:
        path, refusal = _safe(raw)
        if path is None:
            changes.rejected.append(refusal or Rejection(raw[:200], "unsafe path"))
            return None
        if not may_write(path):
            reason = (
                why_not(path) if why_not is not None else f"not owned: {path} is not one of this role's files"
            )
            changes.rejected.append(Rejection(path, reason))
            return None
        if path not in tally and len(tally) >= max_files:
            changes.rejected.append(Rejection(path, f"too many files: the limit is {max_files} per answer"))
            return None
        return path

    for block in blocks:
        if block.kind == "file":
            parsed = parse_files(f"{block.tag}{block.body}</file>")
            changes.rejected += parsed.rejected
            for raw, text in parsed.files.items():
                path = admit(raw)
                if path is not None:
                    working[path] = _strip_stray_fences(path, text)
                    tally.setdefault(path, _Tally()).whole = True
            continue
        edit_path = admit(block.path)
        if edit_path is None:
            continue
        edits, refused = _edit_pairs(edit_path, block.body)
        changes.rejected += refused
        for edit in edits:
            new_text, reason = _apply_edit(working.get(edit.path), edit)
            if new_text is None:
                changes.rejected.append(Rejection(edit.path, reason))
                continue
            working[edit.path] = new_text
            tally.setdefault(edit.path, _Tally()).edits += 1
    changes.rejected += _stray_markers(prose)

    for path, counts in tally.items():
        text, original = working[path], current.get(path)
        if text == original:
            continue
        problem = _problem(path, text, original, max_file_chars)
        if problem is not None:
            changes.rejected.append(Rejection(path, problem))
            continue
        changes.files[path] = text
        changes.applied.append(f"{path}: {counts.describe(original is None)}")
    return changes
