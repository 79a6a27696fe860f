"""Planning a change of a project offline: amended spec, re-rendered files, hand edits merged in."""

from __future__ import annotations

from pathlib import Path

import pytest

from autocrea.blueprint.amendment import ChangeNotUnderstood
from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.errors import InvalidInput
from autocrea.pipeline.change import SPEC_FILE, ChangeConflict, plan_change
from autocrea.storage.git import ProjectRepo, role_author

ME = role_author("tester")


@pytest.fixture
def project(tmp_path: Path) -> ProjectRepo:
    spec = design("Biblioteca con libros y socios").spec
    repo = ProjectRepo.init(tmp_path / "biblioteca")
    repo.commit_files({**render_project(spec), SPEC_FILE: spec.to_json()}, message="Blueprint", author=ME)
    return repo


def test_a_new_field_touches_the_model_schema_pages_and_tests(project: ProjectRepo) -> None:
    plan = plan_change(project, "añade un campo editorial a los libros")
    assert plan.described == ("añadir el campo Editorial a Libros",)
    touched = {d.path for d in plan.deltas}
    assert {"app/models.py", "app/schemas.py", SPEC_FILE} <= touched
    assert all(d.status == "modified" and d.added > 0 for d in plan.deltas if d.path == "app/models.py")
    assert b"editorial" in plan.files["app/models.py"]
    assert plan.after.entity("Book").field("editorial").type == "string"


def test_hand_edits_elsewhere_in_a_file_survive_the_change(project: ProjectRepo) -> None:
    readme = project.read("HEAD", "README.md").decode()
    edited = readme + "\nNotas del equipo: no borrar.\n"
    project.commit_files({"README.md": edited, "notes/todo.md": "mine\n"}, message="hand edit", author=ME)
    plan = plan_change(project, "añade un campo editorial a los libros")
    assert plan.files["README.md"].decode().endswith("Notas del equipo: no borrar.\n")
    assert plan.files["notes/todo.md"] == b"mine\n"


def test_a_change_over_hand_edited_lines_is_a_conflict_that_applies_nothing(project: ProjectRepo) -> None:
    models = project.read("HEAD", "app/models.py").decode()
    head = project.head()
    # Every line of the Book model's last field rewritten by hand: the new field lands right there.
    edited = models.replace("is_available", "esta_disponible")
    project.commit_files({"app/models.py": edited}, message="hand edit", author=ME)
    after_edit = project.head()
    with pytest.raises(ChangeConflict) as caught:
        plan_change(project, "añade un campo editorial a los libros")
    assert "app/models.py" in caught.value.details["files"]
    assert project.head() == after_edit != head  # planning never commits


def test_requests_that_map_to_nothing_and_projects_without_a_spec_are_refused(
    project: ProjectRepo, tmp_path: Path
) -> None:
    with pytest.raises(ChangeNotUnderstood):
        plan_change(project, "hazla más moderna")
    bare = ProjectRepo.init(tmp_path / "bare")
    bare.commit_files({"main.py": "print(1)\n"}, message="mine", author=ME)
    with pytest.raises(InvalidInput) as caught:
        plan_change(bare, "añade un campo editorial a los libros")
    assert caught.value.details["reason"] == "no_spec"
