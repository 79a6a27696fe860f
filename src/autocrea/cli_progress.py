"""Live terminal view of a run's events (rich): one row per role, log lines streaming above."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from autocrea.domain.events import Event

ICONS = {"pending": "·", "running": "▶", "succeeded": "✔", "failed": "✘", "skipped": "–"}
STYLES = {"pending": "dim", "running": "cyan", "succeeded": "green", "failed": "red", "skipped": "yellow"}


class ProgressView:
    def __init__(self, console: Console) -> None:
        self._console = console
        self._steps: dict[str, dict[str, object]] = {}
        self._started = time.monotonic()
        self._progress = 0.0
        self._live = Live(self._table(), console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> ProgressView:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.update(self._table())
        self._live.__exit__(None, None, None)

    def _table(self) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 1))
        for row in self._steps.values():
            status = str(row["status"])
            table.add_row(
                Text(ICONS[status], style=STYLES[status]),
                Text(str(row["title"]), style="bold"),
                Text(str(row.get("detail", "")), style=STYLES[status] if status == "failed" else "dim"),
            )
        bar = int(self._progress * 30)
        table.add_row(
            "",
            Text(f"{'█' * bar}{'░' * (30 - bar)} {self._progress:.0%}", style="cyan"),
            Text(f"{time.monotonic() - self._started:.1f} s", style="dim"),
        )
        return table

    def __call__(self, event: Event) -> None:
        data = event.data
        if event.type == "run.started":
            for step in data.get("steps", []):
                self._steps[step["name"]] = {"title": step["title"], "status": "pending"}
        elif event.type == "step.started" and event.step:
            self._steps[event.step]["status"] = "running"
        elif event.type == "step.finished" and event.step:
            row = self._steps[event.step]
            row["status"] = data.get("status", "failed")
            row["detail"] = data.get("summary") or data.get("error") or data.get("reason") or ""
            self._progress = float(data.get("progress", self._progress))
        elif event.type == "step.log":
            self._console.print(Text(f"  [{event.step}] {data.get('message', '')}", style="dim"))
        elif event.type == "test.result" and data.get("outcome") == "failed":
            self._console.print(Text(f"  [{event.step}] FAILED {data.get('name')}", style="red"))
        self._live.update(self._table())
