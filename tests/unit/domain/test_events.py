import threading

from autocrea.domain.events import Event, EventStream


def test_ids_increase_without_gaps_under_concurrency() -> None:
    seen: list[Event] = []
    stream = EventStream(run_id="r1", emit=seen.append, clock=lambda: 42.0)

    def spam() -> None:
        for _ in range(200):
            stream("step.log", "backend", message="x")

    threads = [threading.Thread(target=spam) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [e.id for e in seen] == list(range(1, 801))
    assert all(e.run_id == "r1" and e.ts == 42.0 for e in seen)


def test_event_carries_type_step_and_data() -> None:
    seen: list[Event] = []
    stream = EventStream(run_id="r", emit=seen.append)
    event = stream("file.written", "frontend", path="app/static/app.js", bytes=10)
    assert seen == [event]
    assert (
        event.type == "file.written"
        and event.step == "frontend"
        and event.data["path"] == "app/static/app.js"
    )
    assert event.model_dump(mode="json")["data"]["bytes"] == 10
