"""A step log for tests: keeps each English message, and each key with its params."""

from __future__ import annotations


class Lines(list[str]):
    def __init__(self) -> None:
        super().__init__()
        self.keyed: list[tuple[str, dict[str, object]]] = []

    def __call__(
        self, message: str, *, key: str | None = None, params: dict[str, object] | None = None
    ) -> None:
        self.append(message)
        if key is not None:
            self.keyed.append((key, params or {}))

    def keys(self) -> list[str]:
        return [key for key, _ in self.keyed]
