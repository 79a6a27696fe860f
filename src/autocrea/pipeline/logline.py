"""How a step's helpers write its log: English text for the CLI, the API and logs, plus an optional
key and params with which the UI words the line in the page's language (strings.yml, js.log.*)."""

from __future__ import annotations

from typing import Protocol


class LogLine(Protocol):
    def __call__(
        self, message: str, *, key: str | None = None, params: dict[str, object] | None = None
    ) -> None: ...


def no_log(message: str, *, key: str | None = None, params: dict[str, object] | None = None) -> None:
    """For callers that keep no log."""
