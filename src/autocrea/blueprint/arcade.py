"""Arcade: the activity pages of a spec as the templates need them (app/activities.py, the pages'
configs read by app/static/activities.js, the dashboard's progress summary)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autocrea.blueprint import i18n
from autocrea.blueprint.context import Context, EntityView, PageView
from autocrea.domain.appspec import STANDALONE_GAMES, stock_field

# What the activities' script says (besides the strings every page has).
ACTIVITY_STRINGS = (
    "activity_start", "activity_check", "activity_next", "activity_again", "activity_correct",
    "activity_wrong", "activity_answer_was", "activity_score", "activity_saved", "activity_empty",
    "activity_flip", "activity_knew", "activity_didnt", "activity_hint", "activity_your_answer",
    "activity_synonym_of", "activity_antonym_of", "activity_spin", "activity_spinning", "activity_won",
    "activity_nothing_left", "activity_wins", "activity_no_wins", "activity_player", "activity_login_to_spin",
    "activity_across", "activity_down", "activity_reveal", "activity_progress", "activity_plays",
    "activity_average", "activity_best", "activity_no_plays", "activity_question_of", "activity_left",
    "activity_unlimited", "activity_shuffle", "activity_newest", "activity_points", "activity_best_points",
    "activity_game_over", "activity_new_game", "activity_move", "activity_up", "activity_down_move",
    "activity_left_move", "activity_right", "activity_arrows", "activity_your_turn", "activity_you_won",
    "activity_you_lost", "activity_draw", "activity_cell", "activity_anonymous", "activity_revive",
)  # fmt: skip


@dataclass(frozen=True)
class Wheel:
    """A prize wheel: what it draws (`source`) and where its wins go (`results`, linked by `link`)."""

    source: EntityView
    results: EntityView
    link: str
    stock: str | None
    player: str | None  # the results' field that names who won


def values(ctx: Context) -> dict[str, Any]:
    """Template values: the activity pages, the activities that keep scores, the wheels."""
    pages = [p for p in ctx.pages if p.spec.activity is not None]
    by_name = {e.name: e for e in ctx.entities}
    wheels: list[Wheel] = []
    for page in pages:
        if page.spec.activity == "wheel" and page.spec.results and page.entity is not None:
            if any(w.source.name == page.entity.name for w in wheels):
                continue
            results = by_name[page.spec.results]
            link = next(r.field for r in results.spec.relations if r.target == page.entity.name)
            player = "player_name" if any(c.name == "player_name" for c in results.columns) else None
            wheels.append(Wheel(page.entity, results, link, stock_field(page.entity.spec), player))
    scored = sorted({str(p.spec.activity) for p in pages if p.spec.activity != "wheel"})
    return {"activities": pages, "scored": scored, "wheels": wheels}


def _strings(ctx: Context) -> dict[str, str]:
    return {key: i18n.STRINGS[ctx.spec.language][key] for key in ACTIVITY_STRINGS}


def _titles(ctx: Context) -> dict[str, str]:
    return {str(p.spec.activity): p.title for p in ctx.pages if p.spec.activity is not None}


def activity_config(
    ctx: Context, source: EntityView | None, activity: str, results: str | None
) -> dict[str, Any]:
    """What an activity page's script needs: where its records are and which fields it reads."""
    config: dict[str, Any] = {
        "name": activity,
        "results": "/api/activities/results",
        "progress": "/api/activities/progress",
        "leaderboard": "/api/activities/leaderboard?activity=" + activity,
    }
    if source is None:  # a game of its own (2048)
        return config
    config.update(api=f"/api/{source.table}", display=source.display.name, label_plural=source.label_plural)
    if activity == "wheel" and results is not None:
        config["wheel"] = f"/api/activities/wheel/{source.table}"
        config["wins_path"] = next(
            (p.path for p in ctx.pages if p.kind == "entity" and p.entity and p.entity.name == results), None
        )
        config["wins_label"] = next(e.label_plural for e in ctx.entities if e.name == results)
        config["player"] = not ctx.spec.has("auth")
    return config


def extend(ctx: Context, page: PageView, config: dict[str, Any]) -> None:
    """Add what an activity page, or a dashboard that sums up the activities, needs to `config`."""
    scored = values(ctx)["scored"]
    if page.spec.activity is not None:
        config["activity"] = activity_config(ctx, page.entity, page.spec.activity, page.spec.results)
        config["strings"].update(_strings(ctx))
    elif page.kind == "dashboard" and scored:
        points = sorted(a for a in scored if a in STANDALONE_GAMES and a != "tictactoe")
        config["progress"] = {"api": "/api/activities/progress", "titles": _titles(ctx), "points": points}
        config["strings"].update(_strings(ctx))
