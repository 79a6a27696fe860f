"""An ASGI app served by uvicorn on a free loopback port, in a thread with its own event loop, so
synchronous and asynchronous tests use the local stand-ins (model servers, Stripe) alike."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, Self

import uvicorn

START_TIMEOUT = 10.0


class ThreadedServer(ABC):
    """Subclasses give the app (`asgi_app`) and may add uvicorn options (`uvicorn_options`)."""

    thread_name = "local-server"

    def __init__(self) -> None:
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @abstractmethod
    def asgi_app(self) -> Any:
        """The ASGI app this server runs."""

    def uvicorn_options(self) -> dict[str, Any]:
        return {}

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        config = uvicorn.Config(
            self.asgi_app(),
            lifespan="off",
            log_config=None,  # leave the process's logging alone
            access_log=False,
            **self.uvicorn_options(),
        )
        # proto=IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections (it checks
        # sock.proto); without it every keep-alive request stalls ~40 ms on delayed ACKs.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=self.thread_name, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{type(self).__name__} did not start")
            time.sleep(0.002)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=START_TIMEOUT)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)
