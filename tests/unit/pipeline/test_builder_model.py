"""Builder roles with a model: accepted changes, refused changes, no answer — through the real SDK."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_frontend
from autocrea.errors import ProviderAuthError
from autocrea.pipeline.briefing import FULL_TEXT_CHARS, role_context, spec_summary
from autocrea.pipeline.builder_model import extend_with_model
from autocrea.pipeline.roles.builders import Frontend
from autocrea.pipeline.run_model import RunModel
from autocrea.providers.resilience import ResilientModel
from autocrea.testing.model_server import FakeModelServer
from autocrea.testing.script import Fault, ModelScript, Reply
from tests.conftest import openai_model
from tests.unit.pipeline.lines import Lines

KEY = "sk-test-canary-builder-0123456789"
SPEC = design("a library system with books, members and loans").spec
FILES = render_frontend(SPEC)
Serve = Callable[[Reply], tuple[FakeModelServer, ResilientModel]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[FakeModelServer] = []

    def start(reply: Reply) -> tuple[FakeModelServer, ResilientModel]:
        server = FakeModelServer(ModelScript({"frontend": reply}), api_key=KEY)
        server.start()
        servers.append(server)
        model = openai_model(server.url, KEY, timeout=5)
        return server, model

    yield start
    for server in servers:
        server.stop()


async def ask(model: ResilientModel | RunModel, logs: Lines):  # type: ignore[no-untyped-def]
    return await extend_with_model(
        role="frontend",
        owns=Frontend.owns,
        prompt="a library",
        spec=SPEC,
        files=FILES,
        model=model,
        max_tokens=4000,
        temperature=0.2,
        log=logs,
    )


def test_spec_summary_and_context_stay_small() -> None:
    summary = spec_summary(SPEC)
    assert "Loan /api/loans" in summary and "book_id->Book" in summary
    context = role_context(FILES, role="frontend")
    assert all(path in context for path in FILES)  # every file is listed
    assert len(context) < FULL_TEXT_CHARS + 2_000


async def test_owned_changes_are_kept_and_the_rest_refused(serve: Serve) -> None:
    answer = (
        "Here are my changes.\n"
        '<file path="app/static/extra.css">\n.hero { color: red; }\n</file>\n'
        '<file path="app/main.py">\nprint("not mine")\n</file>\n'
        '<file path="../../etc/cron.d/x">\n* * * * * root rm -rf /\n</file>\n'
    )
    server, model = serve(Reply(answer))
    logs = Lines()
    changes = await ask(model, logs)
    assert changes.files == {"app/static/extra.css": ".hero { color: red; }\n"}
    assert sum("refused" in line for line in logs) == 2
    refused = [params for key, params in logs.keyed if key == "change_refused"]  # the UI words these
    assert [r["path"] for r in refused] == ["app/main.py", "../../etc/cron.d/x"]
    assert logs.keys() == ["change_refused", "change_refused", "model_change"]
    assert changes.usages[0].completion_tokens > 0
    assert KEY not in str(server.requests[0].body)


async def test_no_changes_keeps_the_blueprint(serve: Serve) -> None:
    _, model = serve(Reply("NO CHANGES"))
    logs = Lines()
    changes = await ask(model, logs)
    assert changes.files == {} and any("unchanged" in line for line in logs)
    assert logs.keys() == ["model_unchanged"]


async def test_a_forbidden_key_is_not_hidden_behind_the_blueprint(serve: Serve) -> None:
    server, model = serve(Reply("x", faults=(Fault(kind="status", status=403, times=9),)))
    with pytest.raises(ProviderAuthError, match=r"refused the API key access to gpt-4o-mini \(HTTP 403\)"):
        await ask(model, Lines())
    assert len(server.requests) == 1


async def test_an_answer_with_nothing_usable_drops_the_model_for_the_run(serve: Serve) -> None:
    server, model = serve(Reply("Sure! You could restyle the page with some CSS."))
    use = RunModel(model)
    logs = Lines()
    changes = await ask(use, logs)
    assert changes.files == {} and len(changes.usages) == 1  # the answer was paid for, then dropped
    assert use.dropped is not None and use.dropped.role == "frontend" and use.dropped.reason == "format"
    assert any("keeping the Blueprint" in line for line in logs) and logs.keys() == ["model_dropped"]
    again = await ask(use, logs)  # a second request (another role, a repair round) is never sent
    assert again.files == {} and again.usages == [] and len(server.requests) == 1
    assert logs.keys() == ["model_dropped", "model_gone"]
