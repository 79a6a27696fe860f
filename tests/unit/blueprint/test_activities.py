"""Activities: the games a prompt asks for become pages that play with records that have the
fields they read; the AppSpec refuses an activity it could not render; the app gets the files."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from autocrea.blueprint.activities import detect, other_games
from autocrea.blueprint.amendment import AddField, amend
from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.blueprint.samples import sample_records
from autocrea.domain.appspec import RESERVED_TABLES, AppSpec, EntitySpec, FieldSpec, PageSpec

WHEEL = (
    "Please implement a wheel of fortune website where users can spin the wheel to win prizes. The "
    "website should have functionalities for spinning the wheel, displaying prizes, and recording user "
    "winning records. Users should be able to spin the wheel, view the prize list, view their own "
    "winning records. Use light gray as the default background and dark red for component styling."
)
VOCABULARY = (
    "Please implement an adult vocabulary learning website that includes a variety of quizzes and word "
    "games, such as crossword puzzles, unjumble letters, finding synonyms and antonyms, flashcards, and "
    "fill-in-the-blank. The website should have a dashboard that displays a progress summary. A set of "
    "10 new words should be taught every week, and users should be able to choose an avatar and play a "
    "simple game while waiting in the waiting room. The website should include a home page, 5 activity "
    "pages, a dashboard, and blog pages."
)


def _activities(spec: AppSpec) -> dict[str, PageSpec]:
    return {str(p.activity): p for p in spec.activities}


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a raffle for our charity where visitors draw a prize", ("wheel",)),
        ("Una ruleta de premios para la feria del pueblo", ("wheel",)),
        ("Un sorteo de regalos entre los clientes", ("wheel",)),
        ("a trivia quiz about history with a leaderboard", ("quiz",)),
        ("Un cuestionario de geografía con preguntas", ("quiz",)),
        ("Test your knowledge of the solar system", ("quiz",)),
        ("Learn Spanish words with flash cards and scrambled letters", ("flashcards", "unjumble")),
        (
            "Una web de vocabulario con tarjetas, ordenar letras y completar huecos",
            ("flashcards", "unjumble", "fill_blank"),
        ),
        (
            "English practice: fill in the blanks, synonyms and a crossword",
            ("fill_blank", "synonyms", "crossword"),
        ),
        ("Un crucigrama semanal con sinónimos y antónimos", ("synonyms", "crossword")),
        ("a library system with books, members and loans", ()),
        ("a bike shop that sells a wheel, tyres and bells", ()),
        ("Play 2048 and tic-tac-toe, with the best scores kept", ("game_2048", "tictactoe")),
        ("Un rincón de juegos con tres en raya", ("tictactoe",)),
        ("a kids' corner with a simple game to play", ("game_2048",)),
    ],
)
def test_the_activities_a_prompt_asks_for(prompt: str, expected: tuple[str, ...]) -> None:
    assert detect(prompt) == expected


def test_quizzes_of_word_games_are_their_umbrella_not_a_page() -> None:
    assert detect("quizzes and word games such as flashcards") == ("flashcards",)


def test_a_game_besides_the_activities_is_noticed() -> None:
    assert other_games("play chess and spin the prize wheel")
    assert other_games("a poker night and tic-tac-toe")
    assert not other_games("play a simple game in the waiting room, and do flashcards")
    assert not other_games("word games such as flashcards and crossword puzzles")
    assert not other_games("spin the wheel of fortune to win prizes")


def test_the_wheel_of_fortune_draws_prizes_and_stores_wins_linked_to_them() -> None:
    blueprint = design(WHEEL)
    spec = blueprint.spec
    wheel = _activities(spec)["wheel"]
    assert wheel.kind == "activity" and wheel.entity == "Prize"
    wins = spec.entity(str(wheel.results))
    assert [(r.field, r.target) for r in wins.relations] == [("prize_id", "Prize")]
    assert [f.name for f in wins.fields] == ["player_name"]
    assert "quantity" in {f.name for f in spec.entity("Prize").fields}
    # The wheel is the game asked for: it is built, not a stub any more.
    assert not any(i.requested == "Interactive gameplay" for i in spec.integrations)
    assert any("Spin the wheel" in note for note in blueprint.notes)


def test_a_raffle_gets_prizes_and_wins_of_its_own() -> None:
    spec = design("a raffle for our charity where visitors draw a prize").spec
    wheel = _activities(spec)["wheel"]
    assert spec.entity(str(wheel.entity)).label_plural == "Prizes"
    assert spec.entity(str(wheel.results)).label_plural == "Winning records"


def test_a_spanish_wheel_speaks_spanish() -> None:
    spec = design("Una ruleta de premios donde los clientes giran la ruleta y ganan regalos").spec
    wheel = _activities(spec)["wheel"]
    assert (wheel.path, wheel.title) == ("/ruleta", "Gira la ruleta")
    prize = spec.entity(str(wheel.entity))
    rows = next(t.rows for t in sample_records(spec) if t.entity.name == prize.name)
    assert rows[0][prize.display_field] == "Tarjeta regalo"
    assert str(wheel.results) not in {t.entity.name for t in sample_records(spec)}  # wins start empty


def test_the_vocabulary_site_gets_its_five_word_games_and_a_progress_dashboard() -> None:
    blueprint = design(VOCABULARY)
    spec = blueprint.spec
    games = _activities(spec)
    assert list(games) == ["flashcards", "unjumble", "fill_blank", "synonyms", "crossword", "game_2048"]
    word = spec.entity("Word")
    assert {p.entity for p in games.values()} == {"Word", None}  # the 2048 reads no words
    assert {"term", "definition", "example", "synonym", "antonym"} <= {f.name for f in word.fields}
    assert "dashboard" in spec.features
    # The tables that only named an activity went, and the run log says so.
    names = {e.name for e in spec.entities}
    assert not names & {"WordGame", "CrosswordPuzzle", "UnjumbleLetter", "Activity", "Flashcard", "Quiz"}
    assert any(note.startswith("Left out, the activities stand for them") for note in blueprint.notes)
    # "play a simple game while waiting in the waiting room": the waiting room's 2048.
    room = games["game_2048"]
    assert (room.path, room.title, room.entity) == ("/waiting-room", "Waiting room", None)
    assert not any(i.requested == "Interactive gameplay" for i in spec.integrations)
    rows = next(t.rows for t in sample_records(spec) if t.entity.name == "Word")
    assert len(rows) == 10
    assert all(str(row["term"]) in str(row["example"]) for row in rows)


def test_a_spanish_word_site_has_its_games_and_a_dashboard_of_progress_only() -> None:
    spec = design("Una web de vocabulario con tarjetas, ordenar letras y completar huecos").spec
    assert [(p.path, p.title) for p in spec.activities] == [
        ("/tarjetas", "Tarjetas"),
        ("/ordenar-letras", "Ordenar letras"),
        ("/completar-huecos", "Completar huecos"),
    ]
    assert [e.table for e in spec.entities] == ["palabras"]
    assert "dashboard" in spec.features and spec.charts == ()  # no "Palabras por palabra"
    assert spec.summary.endswith("Para jugar: Tarjetas, Ordenar letras, Completar huecos.")
    files = render_project(spec)
    assert 'id="progress-rows"' in files["app/templates/dashboard.html"]
    assert "app/stats.py" not in files


def test_a_trivia_contest_plays_its_questions() -> None:
    spec = design(
        "Please implement an online trivia contest app for hosting knowledge competitions. Users can "
        "answer contest questions, submit answers, view their scores and rankings on a leaderboard."
    ).spec
    quiz = _activities(spec)["quiz"]
    questions = spec.entity(str(quiz.entity))
    assert questions.name == "ContestQuestion"
    assert [f.name for f in questions.fields][:2] == ["question", "answer"]
    assert questions.display_field == "question"


def test_a_chess_club_keeps_its_game_a_stub_beside_the_wheel() -> None:
    spec = design("A chess club where members play chess games and spin the prize wheel").spec
    assert [p.activity for p in spec.activities] == ["wheel"]
    assert any(i.requested == "Interactive gameplay" for i in spec.integrations)


def test_standalone_games_draw_from_no_records() -> None:
    spec = design("A games corner with tic-tac-toe and a leaderboard of players").spec
    game = _activities(spec)["tictactoe"]
    assert (game.path, game.entity) == ("/tic-tac-toe", None)
    assert "TicTacToe" not in {e.name for e in spec.entities}
    with pytest.raises(ValidationError, match="name an entity"):
        _page(activity="game_2048", entity="Word")


def test_a_2048_site_is_the_game_not_tables_of_its_moves() -> None:
    blueprint = design(
        "Please implement a 2048 game website for users to play the 2048 game: start a new game, move "
        "tiles up, down, left, or right, merge identical tiles, and revive after game over."
    )
    spec = blueprint.spec
    assert [(p.activity, p.path) for p in spec.activities] == [("game_2048", "/2048")]
    assert [e.name for e in spec.entities] == ["Game"]  # an app keeps one table
    assert spec.integrations == ()  # the game is built: no stub says it is not
    assert any("Tile" in note and note.startswith("Left out") for note in blueprint.notes)


def test_a_prompt_without_activities_is_unchanged() -> None:
    spec = design("a library system with books, members and loans").spec
    assert spec.activities == ()
    assert "app/activities.py" not in render_project(spec)


def test_results_have_a_reserved_table() -> None:
    assert {"activity_results", "activities"} <= RESERVED_TABLES


def _page(**values: object) -> PageSpec:
    return PageSpec.model_validate({"path": "/play", "title": "Play", "kind": "activity", **values})


def test_activity_pages_name_an_activity_and_what_it_draws_from() -> None:
    with pytest.raises(ValidationError, match="name an activity"):
        _page(entity="Word")
    with pytest.raises(ValidationError, match="name an entity"):
        _page(activity="quiz")
    with pytest.raises(ValidationError, match="wins are stored"):
        _page(activity="wheel", entity="Prize")
    with pytest.raises(ValidationError, match="name an activity"):
        PageSpec(path="/words", title="Words", kind="entity", entity="Word", activity="quiz")


def _with(spec: AppSpec, page: PageSpec, entities: tuple[EntitySpec, ...] | None = None) -> AppSpec:
    data = spec.model_dump()
    data["pages"] = [*data["pages"], page.model_dump()]
    if entities is not None:
        data["entities"] = [e.model_dump() for e in entities]
    return AppSpec.model_validate(data)


def test_an_activity_needs_the_fields_it_reads_and_a_wheel_its_linked_wins() -> None:
    spec = design("a library system with books, members and loans").spec
    with pytest.raises(ValidationError, match=r"needs fields \['question', 'answer'\] on Book"):
        _with(spec, _page(activity="quiz", entity="Book"))
    with pytest.raises(ValidationError, match="stores its wins in an entity linked to Book"):
        _with(spec, _page(activity="wheel", entity="Book", results="Member"))
    wheel = _with(spec, _page(activity="wheel", entity="Book", results="Loan"))
    assert [p.activity for p in wheel.activities] == ["wheel"]


def test_a_change_keeps_the_activities() -> None:
    spec = design(VOCABULARY).spec
    level = FieldSpec(name="level", label="Level", type="integer")
    changed = amend(spec, [AddField(entity="Word", field=level)])
    assert changed.activities == spec.activities
    assert "To play: Flashcards" in changed.summary


def test_the_app_gets_the_activity_files_and_the_dashboard_its_progress() -> None:
    files = render_project(design(VOCABULARY).spec)
    for path in ("app/activities.py", "app/static/activities.js", "tests/test_activities.py"):
        assert path in files
    assert "class ActivityResult(Base)" in files["app/models.py"]
    assert 'id="progress-rows"' in files["app/templates/dashboard.html"]
    page = files["app/templates/unjumble.html"]
    assert '"name": "unjumble"' in page and "/static/activities.js" in page
    wheel = render_project(design(WHEEL).spec)
    assert "ActivityResult" not in wheel["app/models.py"]  # a wheel keeps wins, not scores
    assert "secrets.choice(ids)" in wheel["app/activities.py"]
    assert '"/api/activities/wheel/prizes"' in wheel["app/templates/wheel.html"]
