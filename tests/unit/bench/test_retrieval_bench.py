"""The retrieval benchmark's labelled sets: big enough, and labels that name real files."""

from __future__ import annotations

from pathlib import Path

from autocrea.pipeline.retrieval import Ranked
from bench.retrieval import APPS, HAND, HELD_OUT_HAND, HELD_OUT_PLANNER, PLANNER, make_app, recall, top


def test_the_sets_are_big_enough() -> None:
    assert len(APPS) >= 4
    assert len(PLANNER) >= 30 and len(HAND) >= 10
    for requests in (PLANNER, HELD_OUT_PLANNER, [(a, r) for a, r, _ in HAND + HELD_OUT_HAND]):
        assert {a for a, _ in requests} <= set(APPS)
    languages = {"es": 0, "en": 0}
    for _, request in PLANNER:
        languages["es" if any(c in request for c in "ñáéíóú") or " los " in request else "en"] += 1
    assert min(languages.values()) >= 10
    everything = [r for _, r in PLANNER + HELD_OUT_PLANNER] + [r for _, r, _ in HAND + HELD_OUT_HAND]
    assert len(everything) == len(set(everything)) + 2  # only 'añade exportar a CSV' repeats (3 apps)


def test_hand_labels_name_files_of_their_app(tmp_path: Path) -> None:
    trees = {key: make_app(key, tmp_path).tree for key in APPS}
    for app, request, gold in HAND + HELD_OUT_HAND:
        missing = [path for path in gold if path not in trees[app]]
        assert not missing, (app, request, missing)


def test_recall_is_capped_at_five() -> None:
    assert recall(["a", "b"], ["a", "b", "c"]) == (2 / 3, 2 / 3)
    assert recall(["a", "b", "c", "d", "e"], [*"abcdefgh"]) == (1.0, 5 / 8)
    ranked = [Ranked("b", 0.2, 2, None, 1), Ranked("a", 0.1, 1, 1, None)]
    assert top(ranked, "combined") == ["b", "a"]
    assert top(ranked, "vectors") == ["a", "b"] and top(ranked, "names")[0] == "b"
