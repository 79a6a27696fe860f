"""A real git HTTP server for push tests: `git http-backend` (CGI) behind a small threaded server.

    with GitServer(root, username="ana", token="t0ken") as server:
        server.create("app.git")                      # a bare repository to push to
        push_main(project, url=server.url + "/app.git", token="t0ken", username="ana")

Basic auth is checked here (HTTP 401 with a challenge otherwise) and passed on as REMOTE_USER,
which is what lets http-backend accept a push. Request bodies sent chunked (libgit2 streams its
pack that way) are de-chunked before they reach the CGI, which needs a length.
"""

from __future__ import annotations

import base64
import hmac
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import pygit2

_BACKEND_CANDIDATES = ("/usr/lib/git-core/git-http-backend", "/usr/libexec/git-core/git-http-backend")
_TIMEOUT = 60


def backend_path() -> str | None:
    """Where `git http-backend` is on this machine, or None."""
    for candidate in _BACKEND_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    git = shutil.which("git")
    if git is None:
        return None
    found = subprocess.run([git, "--exec-path"], capture_output=True, text=True, check=False).stdout.strip()
    path = Path(found) / "git-http-backend"
    return str(path) if found and os.access(path, os.X_OK) else None


def _read_chunked(stream: BufferedIOBase) -> bytes:
    body = bytearray()
    while True:
        size = int(stream.readline().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return bytes(body)
        body += stream.read(size)
        stream.readline()  # the CRLF after each chunk


class GitServer:
    """Serves every bare repository under `root`; `username`/`token` is the only login that works."""

    def __init__(self, root: Path, *, username: str, token: str) -> None:
        self.root = root
        self.username = username
        self.token = token
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Authorization header)
        backend = backend_path()
        if backend is None:
            raise RuntimeError("git http-backend is not installed (apt-get install git)")
        self._backend = backend
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("GitServer is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def create(self, name: str) -> pygit2.Repository:
        """A new empty bare repository `name` (e.g. "app.git") under the root."""
        return pygit2.init_repository(str(self.root / name), bare=True, initial_head="main")

    def start(self) -> GitServer:
        self.root.mkdir(parents=True, exist_ok=True)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                owner._serve(self)

            def do_POST(self) -> None:
                owner._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: tests read `requests`, not a log."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="git-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> GitServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _authorized(self, header: str | None) -> bool:
        scheme, _, encoded = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.username) and hmac.compare_digest(password, self.token)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        auth = handler.headers.get("Authorization")
        self.requests.append((handler.command, handler.path, auth))
        if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = _read_chunked(handler.rfile)
        else:
            body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        if not self._authorized(auth):
            handler.send_response(401)
            handler.send_header("WWW-Authenticate", 'Basic realm="git"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        parts = urlsplit(handler.path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": self.username,
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": handler.command,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "CONTENT_TYPE": handler.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        done = subprocess.run(
            [self._backend], input=body, env=env, capture_output=True, timeout=_TIMEOUT, check=False
        )
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = done.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        handler.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
