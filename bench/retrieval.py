"""Retrieval for change runs: recall@5 of the files a request must change, and the prompt it saves.

    .venv/bin/python bench/retrieval.py            # dev sets: recall per method, prompt sizes, timings
    .venv/bin/python bench/retrieval.py --show     # and each request's gold files and top 5
    .venv/bin/python bench/retrieval.py --held-out # the held-out sets too (written before any tuning)

Five apps are generated offline (the Blueprint: design + render, nothing run). Two labelled sets:

- planner: requests the offline change planner can carry out. Their gold files are what the planner
  changes (`plan_change(repo, request).deltas`), minus autocrea.json and README.md (every change
  rewrites both) and minus files the change adds (nothing can retrieve a file that does not exist).
- hand: requests only a model could carry out, labelled by reading the generated files.

recall@5 = |top 5 ∩ gold| / min(5, |gold|), averaged over requests: 1.0 means the top 5 holds every
gold file, or five of them when more than five must change (a rename touches 15). "all@5" is the
plain |top 5 ∩ gold| / |gold|. Methods: vectors alone, full text (FTS5 BM25) alone, file names
alone, and the fusion `relevant_files` uses.

Prompt size: "map + top 5" is `repomap.render(map, MAP_BUDGET)` plus the full text of the 5 files;
"every file" is the full text of the whole tree; tokens are estimated at 4 characters each
(`providers.protocol.estimate_tokens`).

Model path (`--model-prompts`, on by default): each request goes through the change run's own
prompt machinery (`change_model.brief` + `builder_model.extend_with_model`) to the local fake
OpenAI-compatible server through the real `openai` SDK, once as a change run sends it (the map + the
files retrieval shows in full) and once with every file in full instead. The tokens are what the
server reports as the request's `usage.prompt_tokens` (its estimate: ceil(characters / 4) of the
whole prompt, system message included). "shown holds" is recall of the files shown in full (at most
TOP_FILES within FULL_TEXT_CHARS, so sometimes fewer than 5) against the gold files.

The held-out sets were written at the same time as the dev sets, before the retrieval was tuned, and
are scored only with --held-out. The script always exits 0: it is a report, not a gate.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.domain.appspec import AppSpec
from autocrea.errors import AutocreaError
from autocrea.pipeline import embedding
from autocrea.pipeline.builder_model import extend_with_model
from autocrea.pipeline.change import plan_change, spec_at_head
from autocrea.pipeline.change_model import ROLE, TASK, brief
from autocrea.pipeline.repomap import build, decode, render
from autocrea.pipeline.retrieval import Ranked, RetrievalIndex, chunks_of, index_dir
from autocrea.pipeline.run_model import RunModel
from autocrea.providers.protocol import estimate_tokens
from autocrea.providers.select import Credentials, build_model, parse_model, policy_for
from autocrea.storage.git import ProjectRepo, role_author
from autocrea.testing.model_server import FakeModelServer
from autocrea.testing.script import ModelScript, Reply

K = 5
MAP_BUDGET = 6_000  # characters of map in the prompt (~1.5k tokens)
ALWAYS_CHANGED = frozenset({"autocrea.json", "README.md"})

APPS: dict[str, str] = {
    "library": "Biblioteca con libros, socios y préstamos",
    "recipes": "A recipe manager with recipes, ingredients and categories, with login",
    "tasks": "Gestor de tareas con proyectos y tareas, con gráficos",
    "inventory": "Inventory dashboard with products, suppliers and orders, export to CSV",
    "vet": "Clínica veterinaria con mascotas, clientes y citas",
}

PLANNER: tuple[tuple[str, str], ...] = (
    ("library", "añade un campo editorial a los libros"),
    ("library", "haz que el ISBN sea único"),
    ("library", "renombra socios a lectores"),
    ("library", "usa colores verde y blanco"),
    ("library", "añade exportar a CSV"),
    ("library", "quita el campo teléfono de los socios"),
    ("library", "elimina los préstamos"),
    ("library", "make the ISBN unique"),
    ("library", "cambia el título a 'Biblioteca del barrio'"),
    ("recipes", "add a cuisine field to recipes"),
    ("recipes", "make the ingredient name unique"),
    ("recipes", "rename categories to collections"),
    ("recipes", "use orange and white colours"),
    ("recipes", "remove the protein field from ingredients"),
    ("recipes", "add CSV export"),
    ("recipes", "remove categories"),
    ("recipes", "make prep minutes required"),
    ("tasks", "añade un campo responsable a las tareas"),
    ("tasks", "renombra proyectos a iniciativas"),
    ("tasks", "usa colores azul y gris"),
    ("tasks", "quita el presupuesto de los proyectos"),
    ("tasks", "añade exportar a CSV"),
    ("tasks", "haz que el nombre de los proyectos sea único"),
    ("inventory", "add a barcode field to products"),
    ("inventory", "make the SKU unique"),
    ("inventory", "rename suppliers to vendors"),
    ("inventory", "remove the address field from suppliers"),
    ("inventory", "use dark blue colours"),
    ("inventory", "remove orders"),
    ("inventory", "rename the app to 'Stock Room'"),
    ("vet", "añade un campo raza a las mascotas"),
    ("vet", "renombra citas a visitas"),
    ("vet", "quita las notas de las citas"),
    ("vet", "usa colores morado y blanco"),
    ("vet", "añade exportar a CSV"),
    ("vet", "cambia el título a 'Veterinaria Patitas'"),
)

_LIBRARY_PAGES = tuple(f"app/templates/{p}.html" for p in ("books", "index", "loans", "members"))
_RECIPE_PAGES = tuple(f"app/templates/{p}.html" for p in ("categories", "index", "ingredients", "recipes"))
_VET_PAGES = tuple(f"app/templates/{p}.html" for p in ("appointments", "customers", "index", "pets"))

# Requests the offline planner cannot carry out, labelled by reading the generated files.
HAND: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # the list's order is sent by the page's script (state.sort), the API only has a default
    ("library", "the books list should be sorted by title", ("app/routers/books.py", "app/static/app.js")),
    ("library", "cambia el texto del pie de página", _LIBRARY_PAGES),
    ("library", "muestra 50 libros por página en vez de 20", ("app/static/app.js", "app/routers/books.py")),
    (
        "library",
        "validate that the email is unique on sign-up",
        ("app/models.py", "app/routers/members.py", "tests/test_members.py"),
    ),
    ("library", "add a /version endpoint that returns the app version", ("app/main.py",)),
    ("library", "la API debería responder 404 con un mensaje más amable", ("app/errors.py", "app/crud.py")),
    ("library", "use Python 3.12 in the Docker image", ("Dockerfile",)),
    ("library", "run the CI tests on Python 3.12 as well", (".github/workflows/ci.yml",)),
    ("library", "las fechas deberían mostrarse como día/mes/año", ("app/static/app.js",)),
    (
        "library",
        "los préstamos vencidos deberían mostrarse en rojo",
        ("app/static/app.js", "app/static/styles.css"),
    ),
    ("recipes", "the search box should also search the instructions", ("app/routers/recipes.py",)),
    ("recipes", "change the footer text", _RECIPE_PAGES),
    ("recipes", "make the header sticky when scrolling", ("app/static/styles.css",)),
    (
        "recipes",
        "allow recipe titles of up to 300 characters",
        ("app/models.py", "app/schemas.py", "app/templates/recipes.html"),
    ),
    (
        "tasks",
        "el gráfico de tareas por prioridad debería ser de barras",
        ("app/stats.py", "app/templates/dashboard.html"),
    ),
    (
        "tasks",
        "la lista de tareas debería ordenarse por fecha de vencimiento",
        ("app/routers/tasks.py", "app/static/app.js"),
    ),
    (
        "tasks",
        "añade una prueba que compruebe que el presupuesto no puede ser negativo",
        ("tests/test_projects.py",),
    ),
    ("inventory", "the CSV export should use semicolons as the separator", ("app/export.py",)),
    (
        "inventory",
        "use PostgreSQL instead of SQLite in docker compose",
        ("docker-compose.yml", "requirements.txt"),
    ),
    (
        "inventory",
        "products with low stock should be highlighted in the list",
        ("app/static/app.js", "app/static/styles.css"),
    ),
    (
        "vet",
        "la página de inicio debería mostrar las próximas citas",
        ("app/templates/index.html", "app/static/app.js"),
    ),
    ("vet", "añade un enlace a la política de privacidad en el pie de página", _VET_PAGES),
    (
        "vet",
        "el botón de guardar del formulario de mascotas debería decir 'Guardar mascota'",
        ("app/templates/pets.html",),
    ),
)

# Written with the sets above, before any tuning; scored only with --held-out.
HELD_OUT_PLANNER: tuple[tuple[str, str], ...] = (
    ("library", "añade un campo idioma a los libros"),
    ("recipes", "make the category name unique"),
    ("inventory", "add a weight field to products"),
    ("vet", "quita el campo dirección de los clientes"),
    ("tasks", "usa colores naranja y negro"),
    ("recipes", "rename ingredients to components"),
)
HELD_OUT_HAND: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("vet", "las citas deberían ordenarse por fecha", ("app/routers/appointments.py", "app/static/app.js")),
    ("inventory", "show prices with the euro sign", ("app/static/app.js",)),
    ("recipes", "the home page should have a welcome message", ("app/templates/index.html",)),
    (
        "tasks",
        "cambia el texto del botón Nuevo por Crear",
        ("app/templates/tasks.html", "app/templates/projects.html"),
    ),
    ("library", "el healthcheck de Docker debería comprobar cada minuto", ("Dockerfile",)),
    ("inventory", "add a test that an order's total cannot be negative", ("tests/test_orders.py",)),
)

METHODS = ("vectors", "full text", "names", "combined")


@dataclass(frozen=True)
class Case:
    app: str
    request: str
    gold: tuple[str, ...]


@dataclass
class App:
    key: str
    repo: ProjectRepo
    tree: dict[str, bytes]
    index: RetrievalIndex


def make_app(key: str, work: Path) -> App:
    spec = design(APPS[key]).spec
    files: dict[str, str | bytes] = {**render_project(spec), "autocrea.json": spec.to_json()}
    repo = ProjectRepo.init(work / key)
    repo.commit_files(files, message="Generated", author=role_author("tester"))
    return App(key, repo, repo.tree("HEAD"), RetrievalIndex(index_dir(repo)))


def planner_cases(apps: Mapping[str, App], requests: Sequence[tuple[str, str]]) -> list[Case]:
    cases: list[Case] = []
    for key, request in requests:
        try:
            plan = plan_change(apps[key].repo, request)
        except AutocreaError as exc:
            print(f"  skipped (the planner refused): {key}: {request!r}: {type(exc).__name__}")
            continue
        gold = tuple(d.path for d in plan.deltas if d.path not in ALWAYS_CHANGED and d.status != "added")
        if gold:
            cases.append(Case(key, request, gold))
    return cases


def top(ranked: Sequence[Ranked], method: str, k: int = K) -> list[str]:
    if method == "combined":
        return [r.path for r in ranked[:k]]
    attr = {"vectors": "vector_rank", "full text": "text_rank", "names": "name_rank"}[method]
    ordered = sorted(ranked, key=lambda r: (getattr(r, attr) or 10**9, r.path))
    return [r.path for r in ordered[:k]]


def recall(found: Sequence[str], gold: Sequence[str]) -> tuple[float, float]:
    hits = len(set(found) & set(gold))
    return hits / min(len(gold), K), hits / len(gold)


def evaluate(name: str, cases: Sequence[Case], apps: Mapping[str, App], *, show: bool) -> dict[str, float]:
    sums = {m: [0.0, 0.0] for m in METHODS}
    prompt_chars: list[int] = []
    every_chars: list[int] = []
    seconds: list[float] = []
    for case in cases:
        app = apps[case.app]
        started = time.perf_counter()
        ranked = app.index.search(app.tree, case.request)
        seconds.append(time.perf_counter() - started)
        for method in METHODS:
            capped, plain = recall(top(ranked, method), case.gold)
            sums[method][0] += capped
            sums[method][1] += plain
        chosen = top(ranked, "combined")
        map_text = render(build(app.tree), MAP_BUDGET)
        prompt_chars.append(len(map_text) + sum(len(app.tree[p].decode("utf-8", "replace")) for p in chosen))
        every_chars.append(sum(len(data.decode("utf-8", "replace")) for data in app.tree.values()))
        if show:
            capped, _ = recall(chosen, case.gold)
            print(f"  [{case.app}] {case.request!r}  recall@5 {capped:.2f}")
            print(f"      gold: {', '.join(case.gold)}")
            print(f"      top5: {', '.join(p + (' *' if p in case.gold else '') for p in chosen)}")
    n = len(cases)
    print(f"\n{name}: {n} requests over {len({c.app for c in cases})} apps")
    print(f"  {'method':<10} {'recall@5':>9} {'all@5':>7}")
    for method in METHODS:
        print(f"  {method:<10} {sums[method][0] / n:>9.3f} {sums[method][1] / n:>7.3f}")
    med_prompt, med_every = statistics.median(prompt_chars), statistics.median(every_chars)
    print(
        f"  prompt per change (median): map + top 5 = {med_prompt:,.0f} chars "
        f"(~{estimate_tokens('x' * int(med_prompt)):,} tokens); every file = {med_every:,.0f} chars "
        f"(~{estimate_tokens('x' * int(med_every)):,} tokens); ratio {med_prompt / med_every:.2f}"
    )
    print(f"  search on an up-to-date index (median): {statistics.median(seconds) * 1000:.0f} ms")
    return {m: sums[m][0] / n for m in METHODS}


def measure_model(apps: Mapping[str, App]) -> None:
    started = time.perf_counter()
    model = embedding.MiniLM(embedding.model_dir())
    print(f"model load: {time.perf_counter() - started:.2f} s (weights and tokenizer, numpy)")
    texts = [c.text for path, data in apps["library"].tree.items() for c in chunks_of(path, data)]
    tokens = sum(len(ids) for ids in model.token_ids(texts))
    model.embed(texts[:4])
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        model.embed(texts)
        runs.append(time.perf_counter() - started)
    best = statistics.median(runs)
    print(
        f"throughput: {len(texts)} chunks of one app ({tokens:,} tokens after the 256 cap) in "
        f"{best:.2f} s = {len(texts) / best:.1f} chunks/s, {tokens / best:,.0f} tokens/s (median of 3)"
    )
    started = time.perf_counter()
    model.embed(["make the ISBN unique"])
    print(f"one request: {(time.perf_counter() - started) * 1000:.1f} ms")


def measure_index(apps: Mapping[str, App]) -> None:
    builds = []
    for app in apps.values():
        update = app.index.update(app.tree)
        builds.append(update)
    chunks = sum(u.embedded_chunks for u in builds)
    total = sum(u.seconds for u in builds)
    print(
        f"index build, {len(builds)} apps: {chunks} chunks in {total:.1f} s "
        f"({total / len(builds):.1f} s per app, {chunks / total:.1f} chunks/s embedded one file at a time)"
    )
    library = apps["library"]
    plan = plan_change(library.repo, "añade un campo editorial a los libros")
    update = library.index.update(plan.files)
    print(
        f"incremental update after 'añade un campo editorial a los libros': "
        f"{len(update.embedded_files)} files re-embedded ({update.embedded_chunks} chunks), "
        f"{update.kept_files} kept, {update.seconds:.2f} s"
    )
    update = library.index.update(library.tree)
    print(
        f"back to the original tree: {len(update.embedded_files)} files re-embedded, {update.seconds:.2f} s"
    )
    update = library.index.update(library.tree)
    print(f"no change: {len(update.embedded_files)} files re-embedded, {update.seconds * 1000:.0f} ms")


async def _prompt_tokens(
    server: FakeModelServer, *, request: str, spec: AppSpec, files: dict[str, str], context: str
) -> int:
    """The prompt tokens the server counts for one change request with this context."""
    key = "sk-bench-retrieval-0123456789"
    llm = build_model(
        parse_model("openai:gpt-4o-mini"),
        credentials=Credentials(openai_api_key=SecretStr(key), openai_base_url=f"{server.url}/v1"),
        policy=policy_for(timeout_seconds=30, max_retries=0),
        timeout_seconds=30,
    )
    use = RunModel(llm, answer_seconds=30)
    try:
        changes = await extend_with_model(
            role=ROLE,
            owns=("*",),
            prompt=request,
            spec=spec,
            files=files,
            model=use,
            max_tokens=4096,
            temperature=0.2,
            task=TASK,
            context=context,
            change_required=True,
        )
    finally:
        await use.aclose()
    return sum(u.prompt_tokens for u in changes.usages)


def measure_model_prompts(name: str, cases: Sequence[Case], apps: Mapping[str, App]) -> None:
    """Prompt tokens per change on the model path (server-reported), retrieval against every file."""
    with_retrieval: list[int] = []
    every_file: list[int] = []
    held: list[float] = []
    with FakeModelServer(
        ModelScript(default=Reply("NO CHANGES")), api_key="sk-bench-retrieval-0123456789"
    ) as server:
        for case in cases:
            app = apps[case.app]
            spec = spec_at_head(app.repo)
            briefing, _ = brief(app.tree, case.request, app.index)
            every = {p: t for p, d in app.tree.items() if (t := decode(d)) is not None}
            whole = "\n".join(f'<file path="{p}">\n{t}</file>' for p, t in sorted(every.items()))
            shown = set(briefing.shown)
            held.append(len(shown & set(case.gold)) / min(len(case.gold), K))
            with_retrieval.append(
                asyncio.run(
                    _prompt_tokens(
                        server,
                        request=case.request,
                        spec=spec,
                        files=briefing.shown,
                        context=briefing.context,
                    )
                )
            )
            every_file.append(
                asyncio.run(
                    _prompt_tokens(
                        server,
                        request=case.request,
                        spec=spec,
                        files=every,
                        context=f"Every file, in full:\n{whole}",
                    )
                )
            )
    mine, all_of = statistics.median(with_retrieval), statistics.median(every_file)
    print(
        f"  model path ({name}, server-reported prompt tokens per change, median): map + retrieved files "
        f"{mine:,.0f} (range {min(with_retrieval):,}-{max(with_retrieval):,}) against every file "
        f"{all_of:,.0f}; ratio {mine / all_of:.2f}; files shown in full hold {statistics.mean(held):.3f} "
        "of the gold files (capped at 5)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--show", action="store_true", help="each request's gold files and top 5")
    parser.add_argument("--held-out", action="store_true", help="score the held-out sets too")
    parser.add_argument(
        "--no-model-prompts", action="store_true", help="skip the model path's prompt sizes (fake server)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="autocrea-bench-retrieval-") as tmp:
        apps = {key: make_app(key, Path(tmp)) for key in APPS}
        measure_model(apps)
        measure_index(apps)
        planner = planner_cases(apps, PLANNER)
        evaluate("planner set", planner, apps, show=args.show)
        if not args.no_model_prompts:
            measure_model_prompts("planner set", planner, apps)
        hand = [Case(a, r, g) for a, r, g in HAND]
        evaluate("hand set", hand, apps, show=args.show)
        if not args.no_model_prompts:
            measure_model_prompts("hand set", hand, apps)
        if args.held_out:
            evaluate("held-out planner set", planner_cases(apps, HELD_OUT_PLANNER), apps, show=args.show)
            held = [Case(a, r, g) for a, r, g in HELD_OUT_HAND]
            evaluate("held-out hand set", held, apps, show=args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
