"""Run the offline architect over the WebGen-Bench development set and the seed prompts.

Prints, per prompt: id, language, entities, features and theme colours; then how many designs are
valid and name only entities the prompt mentions (or that were explicitly inferred).

    .venv/bin/python bench/architect_devset.py [--notes] [path/to/instructions.jsonl]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from autocrea.blueprint.architect import MAX_ENTITIES, design
from autocrea.blueprint.coverage import unmatched_entities
from autocrea.blueprint.lexicon import lexicon
from autocrea.domain.examples import SEED_EXAMPLES
from autocrea.errors import PromptRejected

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEFAULT_SET = SHARED / "benchmarks" / "webgen-bench-instructions.jsonl"
SEEDS = (*SEED_EXAMPLES, "a library system with books, members and loans")


def main(argv: list[str]) -> int:
    show_notes = "--notes" in argv
    paths = [a for a in argv if not a.startswith("--")]
    source = Path(paths[0]) if paths else DEFAULT_SET
    rows = [
        (str(r["id"]), str(r["instruction"])) for r in map(json.loads, source.read_text().splitlines()) if r
    ]
    rows += [(f"seed{i}", p) for i, p in enumerate(SEEDS, 1)]
    lexicon()  # load once, outside the timings
    good = 0
    slowest = 0.0
    for ident, prompt in rows:
        started = time.perf_counter()
        try:
            blueprint = design(prompt)
        except PromptRejected as exc:
            print(f"{ident:>7}  REJECTED  {exc.message}")
            continue
        slowest = max(slowest, time.perf_counter() - started)
        spec = blueprint.spec
        missing = unmatched_entities(prompt, blueprint)
        ok = not missing and 1 <= len(spec.entities) <= MAX_ENTITIES + 1
        good += ok
        theme = spec.theme
        colours = f"{theme.background_name or '-'}/{theme.primary_name or '-'}"
        print(
            f"{ident:>7}  {spec.language}  {'ok ' if ok else 'BAD'} {spec.name!r:34.34} "
            f"{','.join(e.name for e in spec.entities):60.60}  {','.join(spec.features):50.50}  {colours}"
        )
        if missing:
            print(f"         unmatched: {missing}")
        if show_notes:
            for line in blueprint.notes:
                print(f"           {line}")
    summary = f"{good}/{len(rows)} valid with entities matching the prompt's nouns"
    print(f"\n{summary}; slowest {slowest * 1000:.1f} ms")
    return 0 if good == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
