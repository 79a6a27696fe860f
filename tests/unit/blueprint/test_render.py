"""The Blueprint renderer: AppSpec -> project files. Fast checks on the rendered text only."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from autocrea.blueprint import i18n
from autocrea.blueprint.architect import design
from autocrea.blueprint.context import build_context
from autocrea.blueprint.render import (
    render_backend,
    render_devops,
    render_frontend,
    render_project,
    render_tests,
)
from autocrea.blueprint.theme import contrast, css_variables
from autocrea.domain.allowlist import ALLOWED_PACKAGES
from autocrea.domain.appspec import AppSpec
from tests.fixtures.specs import ACTIVITIES, ALL, edge, landing, library, shop, todo

SPECS: dict[str, Callable[[], AppSpec]] = {**ALL, "edge": edge, **ACTIVITIES}


@pytest.fixture(params=sorted(SPECS), scope="module")
def project(request: pytest.FixtureRequest) -> tuple[AppSpec, dict[str, str]]:
    spec = SPECS[request.param]()
    return spec, render_project(spec)


def test_rendering_is_deterministic() -> None:
    for build in SPECS.values():
        first = render_project(build())
        build_context.cache_clear()
        again = render_project(AppSpec.model_validate_json(build().to_json()))
        assert first == again
        assert list(first) == sorted(first)


def test_roles_own_disjoint_parts_that_make_the_whole_project() -> None:
    spec = library()
    parts = [render_backend(spec), render_frontend(spec), render_devops(spec), render_tests(spec)]
    keys = [set(part) for part in parts]
    assert sum(len(k) for k in keys) == len(set().union(*keys))
    assert set().union(*keys) == set(render_project(spec))
    backend, frontend, devops, tests = keys
    assert {"app/main.py", "app/models.py", "app/schemas.py", "app/stats.py", "requirements.txt"} <= backend
    assert {"app/routers/books.py", "app/routers/members.py", "app/routers/loans.py"} <= backend
    assert {"app/pages.py", "app/static/app.js", "app/static/charts.js", "app/static/styles.css"} <= frontend
    assert {
        "app/templates/index.html",
        "app/templates/libros.html",
        "app/templates/dashboard.html",
    } <= frontend
    assert {"Dockerfile", "docker-compose.yml", ".github/workflows/ci.yml", ".env.example"} <= devops
    assert {".gitignore", ".dockerignore", "README.md", "pyproject.toml"} <= devops
    assert {"tests/conftest.py", "tests/test_books.py", "tests/test_pages.py", "tests/test_stats.py"} <= tests


def test_optional_parts_follow_the_spec() -> None:
    assert "app/stats.py" not in render_backend(todo())
    assert "app/routers/checkout.py" not in render_backend(todo())
    assert "app/routers/checkout.py" in render_backend(shop())
    assert "tests/test_checkout.py" in render_tests(shop())
    assert "app/templates/contact.html" in render_frontend(landing())
    assert "app/export.py" in render_backend(library())
    assert "app/export.py" not in render_backend(shop())


def test_a_priced_product_gets_a_cart_and_stripe_checkout() -> None:
    files = render_project(shop())  # products with a price, payments asked for
    assert "stripe==16.1.0" in files["requirements.txt"].splitlines()
    router = files["app/routers/checkout.py"]
    assert "import stripe" in router and "stripe.Webhook.construct_event" in router
    assert 'CART_PAGE = "/productos"' in router and '@router.post("/webhook")' in router
    assert "FakeStripe" in files["tests/fake_stripe.py"] and "fake_stripe" in files["tests/test_checkout.py"]
    page = files["app/templates/productos.html"]
    assert 'id="cart"' in page and "Carrito" in page and '"cart": true' in page and '"add_to_cart": ' in page
    assert 'id="cart"' not in files["app/templates/clientes.html"]
    assert "STRIPE_SECRET_KEY" in files[".env.example"] and "/api/checkout/webhook" in files["README.md"]
    # Payments with nothing priced (the edge app): the stub that records what was asked, no SDK.
    edge_files = render_project(edge())
    assert "stripe" not in edge_files["requirements.txt"] and "tests/fake_stripe.py" not in edge_files
    assert "import stripe" not in edge_files["app/routers/checkout.py"]
    # No payments at all: neither.
    assert "stripe" not in render_project(library())["requirements.txt"]


def test_export_and_live_refresh_follow_the_spec() -> None:
    files = render_project(library())  # export and realtime
    books = files["app/templates/libros.html"]
    assert 'id="export" href="/api/books/export.csv"' in books and "Exportar CSV" in books
    for page in ("app/templates/libros.html", "app/templates/dashboard.html"):
        assert 'id="live"' in files[page] and '"live": true' in files[page]
    assert '"live": false' in files["app/templates/index.html"]
    router = files["app/routers/books.py"]
    assert router.index('@router.get("/export.csv")') < router.index('@router.get("/{row_id}")')
    assert "conditions: ConditionsDep" in router.split('@router.get("/export.csv")')[1].split("\n\n")[0]
    for path, text in render_project(shop()).items():  # neither (app.js is the same for every app)
        if path != "app/static/app.js":
            assert "export.csv" not in text and 'id="live"' not in text and '"live": true' not in text, path


def test_a_table_named_pages_keeps_the_page_tests() -> None:
    data = todo().model_dump()
    data["entities"][0]["table"] = "pages"
    files = render_tests(AppSpec.model_validate(data))
    assert "def test_page_renders" in files["tests/test_pages.py"]
    assert 'URL = "/api/pages"' in files["tests/test_pages_api.py"]


def test_every_file_is_tidy_text(project: tuple[AppSpec, dict[str, str]]) -> None:
    _, files = project
    for path, text in files.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), path
        assert not re.search(r"[ \t]+\n", text), f"trailing whitespace in {path}"
        assert "\t" not in text or path.endswith(".md"), path
        assert not path.startswith("/") and ".." not in path.split("/"), path


def test_every_python_file_compiles(project: tuple[AppSpec, dict[str, str]]) -> None:
    _, files = project
    for path, text in files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")


def test_requirements_are_pinned_and_allowed(project: tuple[AppSpec, dict[str, str]]) -> None:
    _, files = project
    lines = [line for line in files["requirements.txt"].splitlines() if line.strip()]
    assert lines
    for line in lines:
        name, _, version = line.partition("==")
        assert ALLOWED_PACKAGES.get(name) == version, line


def test_i18n_tables_have_the_same_keys_and_no_blanks() -> None:
    en, es = i18n.STRINGS["en"], i18n.STRINGS["es"]
    assert set(en) == set(es)
    for table in (en, es):
        assert all(value.strip() for value in table.values())
        for key, value in table.items():  # placeholders match across languages
            assert set(re.findall(r"\{(\w+)", value)) == set(re.findall(r"\{(\w+)", en[key])), key


def test_message_escapes_braces_in_known_values() -> None:
    template = i18n.message("en", "api_not_found", label="a {weird} label")
    assert template.format(id=3) == "There is no a {weird} label with id 3."


def test_ui_and_readme_speak_the_spec_language() -> None:
    spanish, english = render_project(library()), render_project(todo())
    assert "Buscar" in spanish["app/templates/libros.html"]
    assert "Cómo ejecutarla" in spanish["README.md"]
    assert 'lang="es"' in spanish["app/templates/index.html"]
    assert "Search" in english["app/templates/tasks.html"]
    assert "## Run it" in english["README.md"]
    assert 'REQUIRED_MESSAGE = "Este campo es obligatorio."' in spanish["app/schemas.py"]


def test_html_escapes_spec_strings() -> None:
    files = render_project(todo())  # the app name has <, >, & and quotes
    for path, text in files.items():
        if path.endswith(".html"):
            assert "<Pro>" not in text and "<b>bold</b>" not in text, path
            assert "Todo &lt;Pro&gt; &amp;" in text, path


def test_hostile_labels_stay_data_everywhere() -> None:
    hostile = '</script><script>alert("x")</script> \\ {x} """'
    spec = _with_label(todo(), hostile)
    files = render_project(spec)
    for path, text in files.items():
        if path.endswith(".html"):
            assert "<script>alert" not in text, path
            config = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', text, re.S)
            assert config is not None, path
            json.loads(config.group(1))  # still valid JSON, and it cannot close the script element
        if path.endswith(".py"):
            compile(text, path, "exec")
    tree = ast.parse(files["app/routers/tasks.py"])
    labels = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "LABEL"
        and isinstance(node.value, ast.Constant)
    ]
    assert labels == [hostile]


def test_frontend_never_writes_html_from_data() -> None:
    files = render_frontend(library())
    for name in ("app/static/app.js", "app/static/charts.js"):
        script = files[name]
        assert "innerHTML" not in script and "outerHTML" not in script and "insertAdjacentHTML" not in script
        assert "document.write" not in script and "eval(" not in script
        assert "textContent" in script or name.endswith("charts.js")


def test_theme_colours_reach_the_css() -> None:
    css = render_frontend(library())["app/static/styles.css"]
    assert "--bg: #1e1b4b;" in css
    assert "--primary: #f59e0b;" in css
    assert "--text: #f8fafc;" in css
    assert ":focus-visible" in css and "@media (max-width: 600px)" in css


def test_theme_keeps_links_and_focus_readable() -> None:
    for build in SPECS.values():
        colours = css_variables(build().theme)
        assert contrast(colours["link"], colours["bg"]) >= 4.5
        assert contrast(colours["focus"], colours["bg"]) >= 3.0
        assert contrast(colours["on-primary"], colours["primary"]) >= 3.0


def test_every_form_control_has_a_label(project: tuple[AppSpec, dict[str, str]]) -> None:
    _, files = project
    for path, text in files.items():
        if not path.endswith(".html"):
            continue
        labelled = set(re.findall(r'<label for="([^"]+)"', text))
        controls = re.findall(r"<(?:input|select|textarea)\b[^>]*\bid=\"([^\"]+)\"", text)
        assert controls or "<form" not in text, path
        for control in controls:
            assert control in labelled, f"{path}: #{control} has no label"


def test_pages_and_nav_cover_every_spec_page(project: tuple[AppSpec, dict[str, str]]) -> None:
    spec, files = project
    pages_py = files["app/pages.py"]
    for page in spec.pages:
        assert f'@router.get("{page.path}")' in pages_py
    # One HTML file per page, one read page shared by the records of every entity, and the login
    # and profile pages of an app with accounts.
    entity_pages = [page for page in spec.pages if page.kind == "entity"]
    for page in entity_pages:
        assert f'@router.get("{page.path}/{{row_id}}")' in pages_py
    html = [text for path, text in files.items() if path.startswith("app/templates/")]
    assert len(html) == len(spec.pages) + bool(entity_pages) + 2 * spec.has("auth")
    for text in html:
        for page in spec.pages:
            assert f'href="{page.path}"' in text


def test_env_example_and_readme_hold_no_credentials() -> None:
    files = render_project(shop())
    env = files[".env.example"]
    assert re.search(r"://[^<\s/]+:[^<\s/]+@", env) is None
    assert "sk_" not in env and "whsec" not in env
    assert "Pagos con Stripe" in files["README.md"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_generated_python_passes_ruff(tmp_path: Path, name: str) -> None:
    """Default rules and the security rules (asserts allowed in tests), run from the project root
    so that `app` and `tests` count as first-party imports."""
    _write(tmp_path, render_project(SPECS[name]()))
    ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--quiet", "."]
    for extra in ([], ["--select", "S", "--ignore", "S101"]):
        result = subprocess.run([*ruff, *extra], cwd=tmp_path, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_scripts_are_valid_javascript(tmp_path: Path) -> None:
    files = {**render_frontend(library()), **render_frontend(ACTIVITIES["words"]())}
    for name in ("app/static/app.js", "app/static/charts.js", "app/static/activities.js"):
        target = tmp_path / Path(name).name
        target.write_text(files[name], encoding="utf-8")
        result = subprocess.run(["node", "--check", str(target)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


def _with_label(spec: AppSpec, label: str) -> AppSpec:
    data = spec.model_dump()
    for entity in data["entities"]:
        entity["label"] = label[:60]
        entity["fields"][0]["label"] = label[:60]
    return AppSpec.model_validate(data)


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _list_config(files: dict[str, str], page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', files[page], re.S)
    assert found is not None, page
    config: dict[str, object] = json.loads(found.group(1))
    return config


def test_what_a_shop_sells_and_records_with_pictures_are_cards() -> None:
    from autocrea.blueprint.architect import design

    shop_files = render_project(shop())
    product = next(p for p in shop().pages if p.kind == "entity")
    page = f"app/templates/{product.path.strip('/')}.html"
    entity = _list_config(shop_files, page)["entity"]
    assert isinstance(entity, dict) and entity["layout"] == "cards"
    assert 'class="data-table cards"' in shop_files[page]
    gallery = design("A photo gallery where users upload pictures").spec
    files = render_project(gallery)
    config = _list_config(files, "app/templates/pictures.html")["entity"]
    assert isinstance(config, dict) and config["layout"] == "cards"
    assert [c["name"] for c in config["columns"] if c["picture"]] == ["image_url"]
    library_files = render_project(library())
    assert 'class="data-table"' in library_files["app/templates/libros.html"]


def test_a_list_is_browsed_by_its_category_not_by_its_status() -> None:
    files = render_project(design("A poetry blog with poems and comments on poems").spec)
    chips = re.search(r'<nav class="chips"[^>]*>(.*?)</nav>', files["app/templates/poems.html"], re.S)
    assert chips is not None
    assert re.findall(r'href="([^"]+)"', chips.group(1))[:2] == ["/poems", "/poems?form=Free+verse"]
    tickets = render_project(design("A helpdesk with tickets").spec)["app/templates/tickets.html"]
    assert 'class="chips"' not in tickets  # a status changes; it is no category to browse by
