"""Command line: `autocrea serve | worker | generate | schema | export | db upgrade | credits`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autocrea import cli_credits
from autocrea.blueprint.architect import design
from autocrea.cli_progress import ProgressView
from autocrea.config import Settings
from autocrea.domain.appspec import appspec_json_schema
from autocrea.domain.events import EventStream
from autocrea.domain.prompt import clean_prompt
from autocrea.errors import (
    AutocreaError,
    GitError,
    InvalidInput,
    OutputDirNotEmpty,
    ProviderNotConfigured,
    UnsafePath,
)
from autocrea.pipeline.change import ChangeConflict, plan_change, spec_at_head
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.generation import Outcome, generate
from autocrea.pipeline.revision import revise
from autocrea.providers.resilience import ResilientModel
from autocrea.providers.select import model_from_settings
from autocrea.sandbox.choice import choose
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.archive import zip_commit
from autocrea.storage.git import ProjectRepo
from autocrea.storage.push import check_token, check_url, check_username, push_main

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# `autocrea push` reads the token from this variable, never from the command line (shell history).
TOKEN_ENV = "AUTOCREA_GIT_TOKEN"  # noqa: S105 (the name of a variable, not a secret)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autocrea", description="Describe an app, get a working, verified app."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the web server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web processes (more than 1 wants PostgreSQL and Redis, so they share jobs and live events)",
    )
    gen = sub.add_parser("generate", help="generate a verified app from a description")
    gen.add_argument("prompt", help="what to build, in Spanish or English")
    gen.add_argument(
        "--out", type=Path, help="directory for the finished project (must not exist or be empty)"
    )
    gen.add_argument(
        "--model",
        default="blueprint",
        help="blueprint (offline, default), joxcoder, openai:<model> or anthropic:<model>",
    )
    gen.add_argument(
        "--no-fallback",
        dest="fallback",
        action="store_false",
        help="if the model's answers cannot be used (or come too slowly), fail instead of letting "
        "the offline Blueprint build the app",
    )
    change = sub.add_parser("change", help="change a generated project: one new verified commit, or nothing")
    change.add_argument("project", type=Path, help="the project's directory (a generated git repository)")
    change.add_argument("request", help="what to change, e.g. 'añade un campo editorial a los libros'")
    change.add_argument(
        "--model",
        default="blueprint",
        help="blueprint (offline, default), joxcoder, openai:<model> or anthropic:<model>: the model "
        "is shown a map of the project and the files retrieval picks, and answers with edits",
    )
    change.add_argument(
        "--no-fallback",
        dest="fallback",
        action="store_false",
        help="if the model fails, fail instead of letting the offline engine make the change",
    )
    worker = sub.add_parser("worker", help="run generations from the shared queue (PostgreSQL deployments)")
    worker.add_argument(
        "--concurrency", type=int, help="generations at once (default: AUTOCREA_WORKER_CONCURRENCY)"
    )
    sub.add_parser("schema", help="print the AppSpec JSON schema (what an architect must produce)")
    exp = sub.add_parser("export", help="write a ZIP of a project's commit")
    exp.add_argument("project", type=Path)
    exp.add_argument("--commit", default="HEAD", help="commit, branch or HEAD~N (default HEAD)")
    exp.add_argument("-o", "--output", type=Path, required=True)
    push = sub.add_parser(
        "push", help=f"push a project's main branch to a git remote (the token from ${TOKEN_ENV})"
    )
    push.add_argument("project", type=Path, help="the project's directory (a generated git repository)")
    push.add_argument("url", help="the repository's https:// address, without credentials")
    push.add_argument("--username", help="login name sent with the token (default x-access-token)")
    push.add_argument(
        "--force",
        action="store_true",
        help="replace the remote's main even when it has commits the project has not",
    )
    db = sub.add_parser("db", help="manage the database").add_subparsers(dest="db_command", required=True)
    db_upgrade = db.add_parser("upgrade", help="create or migrate the database to the newest schema")
    db_upgrade.add_argument("--url", help="database URL (default: AUTOCREA_DATABASE_URL or the SQLite file)")
    cli_credits.add_parser(sub)
    return parser


def _check_out_dir(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputDirNotEmpty(f"{out} already exists and is not an empty directory; choose another --out.")


async def _run(
    prompt: str,
    model: str,
    llm: ResilientModel | None,
    repo: ProjectRepo,
    settings: Settings,
    console: Console,
    *,
    fallback: bool = True,
    change: bool = False,
) -> Outcome:
    sandbox = choose(
        settings.sandbox,
        slots=settings.sandbox_slots,
        uid_base=settings.sandbox_uid_base,
        cgroup_dir=settings.sandbox_cgroup,
    ).sandbox
    runtimes = RuntimeCache(root=settings.runtimes_path.resolve(), python=settings.sandbox_python)
    with ProgressView(console) as view:
        ctx = RunContext(
            run_id=uuid.uuid4().hex,
            prompt=prompt,
            model=model,
            events=EventStream(run_id="cli", emit=view),
            repo=repo,
            sandbox=sandbox,
            runtimes=runtimes,
            llm=llm,
            answer_seconds=settings.model_answer_seconds,
            fallback=fallback,
        )
        try:
            return await (revise(ctx) if change else generate(ctx))
        finally:
            if llm is not None:
                await llm.aclose()


def _print_summary(console: Console, outcome: Outcome, out: Path) -> None:
    ev = outcome.evidence
    console.print()
    table = Table(title="Summary", show_header=False)
    rows = [
        ("project", str(out)),
        ("built by", str(outcome.model.get("label", "blueprint"))),
        ("files", f"{ev.files} ({ev.lines} lines)"),
        ("tests", f"{ev.tests_passed} passed, {ev.tests_failed} failed"),
        ("pages probed", f"{ev.pages_ok}/{len(ev.pages)} answered 200"),
        ("security findings", f"{len(ev.findings)} ({sum(f.severity == 'high' for f in ev.findings)} high)"),
        ("git commits", str(len(ev.commits))),
        ("seconds", f"{outcome.seconds:.1f}"),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)
    if outcome.ok:
        console.print(
            f"[green]Done:[/green] run it with `cd {out} && pip install -r requirements.txt "
            "&& uvicorn app.main:app`"
        )
    else:
        console.print(f"[red]Not done:[/red] {outcome.error or '; '.join(outcome.unmet)}")


def cmd_generate(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    prompt = clean_prompt(os.fsencode(args.prompt))
    llm = model_from_settings(args.model, settings=settings)  # a missing key fails here, before any write
    slug = design(prompt).spec.slug  # validates the domain before anything is written
    out: Path = (args.out or Path(slug)).resolve()
    _check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        repo = ProjectRepo.init(work)
        outcome = asyncio.run(_run(prompt, args.model, llm, repo, settings, console, fallback=args.fallback))
        _check_out_dir(out)  # someone may have created it meanwhile
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _print_summary(console, outcome, out)
    return EXIT_OK if outcome.ok else EXIT_FAILED


def cmd_change(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """Offline, plan first (a request it cannot map, or one that clashes with hand edits, changes
    nothing); with --model the model makes the change (pipeline/change_model.py). Then verify the
    change in the sandbox and keep it as one commit, or leave the project as it was."""
    request = clean_prompt(os.fsencode(args.request))
    repo = ProjectRepo.open(args.project)
    llm = model_from_settings(args.model, settings=settings)  # a missing key fails here, before any run
    if llm is None:
        for line in plan_change(repo, request).described:
            console.print(f"  • {line}", highlight=False)
    else:
        spec_at_head(repo)  # the tester needs the spec's pages
    run = _run(request, args.model, llm, repo, settings, console, fallback=args.fallback, change=True)
    outcome = asyncio.run(run)
    _print_summary(console, outcome, Path(args.project))
    if outcome.ok:
        head = repo.resolve("HEAD")
        for f in repo.diff(repo.resolve(f"{head}~1"), head).files:
            console.print(f"  {f.status:<9} {f.path} +{f.additions} -{f.deletions}", highlight=False)
    return EXIT_OK if outcome.ok else EXIT_FAILED


def cmd_export(args: argparse.Namespace, console: Console) -> int:
    repo = ProjectRepo.open(args.project)
    data = zip_commit(repo, args.commit)
    output: Path = args.output
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from exc
    console.print(f"wrote {output} ({len(data):,} bytes) from {repo.resolve(args.commit)[:12]}")
    return EXIT_OK


def cmd_push(args: argparse.Namespace, console: Console) -> int:
    # Your own machine and remote: plain http:// and private addresses are allowed here, credentials
    # in the URL are not (they would end up in shell history and process lists).
    url = check_url(args.url, allow_http=True)
    if not os.environ.get(TOKEN_ENV, "").strip():
        raise InvalidInput(f"Set {TOKEN_ENV} to a token that may push to {url}.")
    token = check_token(os.environ[TOKEN_ENV])
    pushed = push_main(
        args.project, url=url, token=token, username=check_username(args.username), force=args.force
    )
    console.print(f"pushed main at {pushed.commit[:12]} to {url}" + (" (forced)" if pushed.forced else ""))
    return EXIT_OK


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from autocrea.storage.migrate import upgrade as upgrade_database  # alembic loads only for this

    url: str = args.url or settings.database_url
    asyncio.run(upgrade_database(url))
    console.print("database is up to date")
    return EXIT_OK


def cmd_worker(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from autocrea.web.observe import configure_logging
    from autocrea.web.worker_process import run_worker

    configure_logging(settings.log_level)
    if args.concurrency is not None:
        if not 1 <= args.concurrency <= 64:
            raise InvalidInput("--concurrency must be between 1 and 64")
        settings = settings.model_copy(update={"worker_concurrency": args.concurrency})
    console.print(f"worker started: {settings.worker_concurrency} at once; Ctrl-C stops it")
    asyncio.run(run_worker(settings))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=False)
    err = Console(stderr=True)
    settings = Settings()
    try:
        if args.command == "serve":
            import uvicorn

            from autocrea.web.app import create_app
            from autocrea.web.observe import configure_logging

            configure_logging(settings.log_level)

            if not 1 <= args.workers <= 64:
                raise InvalidInput("--workers must be between 1 and 64")
            if args.workers > 1:
                settings.secret()  # create the shared secret once, before the processes race for it
            uvicorn.run(
                # Several processes each build the app from the environment (the factory), one builds it here.
                "autocrea.web.app:served_app" if args.workers > 1 else create_app(settings),
                factory=args.workers > 1,
                workers=args.workers if args.workers > 1 else None,
                host=args.host or settings.host,
                port=args.port or settings.port,
                log_level=settings.log_level,
                log_config=None,  # keep the JSON logging configured above
            )
            return EXIT_OK
        if args.command == "generate":
            return cmd_generate(args, settings, console)
        if args.command == "change":
            return cmd_change(args, settings, console)
        if args.command == "worker":
            return cmd_worker(args, settings, err)
        if args.command == "schema":
            print(json.dumps(appspec_json_schema(), indent=2, ensure_ascii=False))
            return EXIT_OK
        if args.command == "push":
            return cmd_push(args, console)
        if args.command == "credits":
            return cli_credits.run(args, settings, console)
        if args.command == "db":
            return cmd_db_upgrade(args, settings, console)
        return cmd_export(args, console)
    except AutocreaError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False, soft_wrap=True)
        return (
            EXIT_BAD_INPUT
            if isinstance(exc, InvalidInput | GitError | UnsafePath | ProviderNotConfigured | ChangeConflict)
            else EXIT_FAILED
        )
    except KeyboardInterrupt:
        err.print("interrupted; nothing was kept")
        return 130


if __name__ == "__main__":
    sys.exit(main())
