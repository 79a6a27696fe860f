import pytest

from autocrea.pipeline.ownership import mentioned_paths, owner_of


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("app/pages.py", "frontend"),
        ("app/models.py", "backend"),
        ("app/routers/books.py", "backend"),
        ("app/static/app.js", "frontend"),
        ("tests/test_books.py", "tester"),
        (".github/workflows/ci.yml", "devops"),
        ("autocrea.json", "architect"),
        ("SECURITY.md", "security"),
        ("somewhere/else.txt", None),
    ],
)
def test_every_file_has_one_owner(path: str, role: str | None) -> None:
    assert owner_of(path) == role


def test_paths_named_in_a_pytest_failure() -> None:
    output = (
        "/tmp/x/app/app/models.py:12: in <module>\n    raise RuntimeError\n"
        "tests/test_books.py::test_create FAILED\nE   see ./app/models.py and unknown/file.py\n"
    )
    known = ["app/models.py", "tests/test_books.py", "app/main.py"]
    assert mentioned_paths(output, known) == ["app/models.py", "tests/test_books.py"]
