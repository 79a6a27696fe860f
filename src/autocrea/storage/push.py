"""Pushing a project's main branch to a git remote over HTTP(S) with a token (pygit2).

The token reaches libgit2 only through the credential callback: it is never put into the URL, the
repository's config (the remote is anonymous) or any message. A push never follows redirects (a
public address must not bounce the server to a private one) and never forces unless asked: when the
remote has commits the project does not, it is refused and said so.

libgit2's connect and I/O timeouts are process-wide options; only pushes use the network here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pygit2
from pygit2.callbacks import git_push_options
from pygit2.enums import CredentialType, RepositoryOpenFlag
from pygit2.ffi import C
from pygit2.utils import StrArray

from autocrea.errors import (
    Conflict,
    InvalidInput,
    PushFailed,
    PushRejected,
    RemoteAuthFailed,
    RemoteUnreachable,
)

MAIN = "refs/heads/main"
MAX_URL = 500
MAX_TOKEN = 1000
MAX_USERNAME = 100
DEFAULT_USERNAME = "x-access-token"  # GitHub's word for a token login; most hosts take any name
CONNECT_TIMEOUT_MS = 10_000
IO_TIMEOUT_MS = 60_000
_STATUS = re.compile(r"status code: (\d{3})")


@dataclass(frozen=True)
class Pushed:
    commit: str
    forced: bool


def check_url(url: str, *, allow_http: bool = False) -> str:
    """The remote URL, trimmed; InvalidInput (field url, with a reason) for anything but an
    https:// address of a repository without credentials in it (http:// too when allowed)."""
    url = url.strip() if isinstance(url, str) else ""

    def refuse(message: str, reason: str) -> InvalidInput:
        return InvalidInput(message, details={"field": "url", "reason": reason})

    if not url:
        raise refuse("The remote URL is empty.", "empty")
    if len(url) > MAX_URL:
        raise refuse(f"The remote URL can have at most {MAX_URL} characters.", "too_long")
    if not url.isprintable() or any(c.isspace() for c in url):
        raise refuse("The remote URL has spaces or control characters.", "characters")
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme.lower() not in schemes:
        raise refuse(
            "Use the repository's https:// address (as in https://github.com/you/app.git); "
            "ssh, file and local paths are not accepted.",
            "scheme",
        )
    if "@" in parts.netloc:
        raise refuse(
            "Leave the user name and token out of the URL: enter the token in its own field.", "credentials"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise refuse("The remote URL has an invalid port.", "port") from exc
    if not parts.hostname or port == 0:
        raise refuse("The remote URL has no host.", "host")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise refuse("The remote URL cannot have a query or fragment (no tokens in URLs).", "query")
    if parts.path.strip("/") == "":
        raise refuse("The remote URL must name a repository, as in https://host/owner/app.git.", "path")
    return url


def check_token(token: str) -> str:
    token = token.strip() if isinstance(token, str) else ""
    if not token:
        raise InvalidInput("The token is empty.", details={"field": "token"})
    if len(token) > MAX_TOKEN or not token.isprintable() or any(c.isspace() for c in token):
        raise InvalidInput(
            f"That does not look like a token (no spaces, at most {MAX_TOKEN} characters).",
            details={"field": "token"},
        )
    return token


def check_username(username: str | None) -> str:
    name = (username or "").strip() or DEFAULT_USERNAME
    if len(name) > MAX_USERNAME or not name.isprintable() or ":" in name or any(c.isspace() for c in name):
        raise InvalidInput(
            f"The user name can have at most {MAX_USERNAME} characters, no spaces or ':'.",
            details={"field": "username"},
        )
    return name


def mask(token: str) -> str:
    return f"…{token[-4:]}" if len(token) >= 12 else "…"


class _TokenRefused(Exception):
    """Raised from the credential callback when libgit2 asks again: the remote refused the token."""


class _Callbacks(pygit2.RemoteCallbacks):
    def __init__(self, username: str, token: str) -> None:
        super().__init__()
        self._username = username
        self._token = token
        self._asked = 0
        self.refused: str | None = None  # the remote's own reason for refusing the update

    def credentials(self, url: str, username_from_url: str | None, allowed_types: CredentialType) -> Any:
        # libgit2 asks again after every 401: a second ask means the token was refused; without
        # this it would ask forever.
        self._asked += 1
        if self._asked > 1 or not allowed_types & CredentialType.USERPASS_PLAINTEXT:
            raise _TokenRefused
        return pygit2.UserPass(self._username, self._token)

    def push_update_reference(self, refname: str, message: str) -> None:
        if message:
            self.refused = message[:300]


def _set_timeouts() -> None:
    pygit2.settings.server_connect_timeout = CONNECT_TIMEOUT_MS
    pygit2.settings.server_timeout = IO_TIMEOUT_MS


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _failure(exc: pygit2.GitError, url: str) -> PushFailed:
    """The plain-words error for what libgit2 said (its words in details, never the token)."""
    said = str(exc)[:300]
    host = _host(url)
    details = {"remote": host, "detail": said}
    lowered = said.lower()
    if "non-fastforward" in lowered or "not present locally" in lowered:
        return PushRejected(
            "The remote has commits this project does not have, so pushing would lose them. "
            'Pull them into that repository elsewhere, or push again with "force": true to replace them.',
            details={**details, "reason": "non_fast_forward"},
        )
    status = _STATUS.search(said)
    code = int(status.group(1)) if status else None
    if code in (401, 403) or "authentication" in lowered:
        return RemoteAuthFailed(
            f"{host} refused the token: check it and that it may push to this repository.",
            details={**details, "reason": "authentication"},
        )
    if code is not None and 300 <= code < 400:
        return PushFailed(
            f"{host} answered with a redirect, which a push does not follow; use the final address.",
            details={**details, "reason": "redirect"},
        )
    if code is not None:
        return PushFailed(
            f"No git repository answers at that URL on {host} (HTTP {code}); check the address.",
            details={**details, "reason": "not_a_repository"},
        )
    if "timed out" in lowered or "timeout" in lowered:
        reason, words = "timeout", "did not answer in time"
    elif "resolve" in lowered:
        reason, words = "unknown_host", "is not a known host name"
    elif "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
        reason, words = "tls", "has no valid HTTPS certificate"
    elif "connect" in lowered or "refused" in lowered or "reset" in lowered:
        reason, words = "unreachable", "could not be reached"
    else:
        return PushFailed(f"The push to {host} failed: {said}", details={**details, "reason": "protocol"})
    return RemoteUnreachable(f"{host} {words}; nothing was pushed.", details={**details, "reason": reason})


def push_main(
    project_dir: Path, *, url: str, token: str, username: str = DEFAULT_USERNAME, force: bool = False
) -> Pushed:
    """Push `project_dir`'s main branch to `url` (already checked) as `username` with `token`."""
    try:
        repo = pygit2.Repository(str(project_dir), RepositoryOpenFlag.NO_SEARCH)
    except pygit2.GitError as exc:
        raise InvalidInput(
            f"{project_dir.name or project_dir} is not a git repository.",
            details={"reason": "not_a_repository"},
        ) from exc
    branch = repo.references.get(MAIN)
    if branch is None:
        raise Conflict("The project has no commits on main yet: there is nothing to push.")
    commit = str(branch.peel(pygit2.Commit).id)
    _set_timeouts()
    callbacks = _Callbacks(username, token)
    remote = repo.remotes.create_anonymous(url)
    spec = f"{'+' if force else ''}{MAIN}:{MAIN}"
    try:
        # Remote.push without redirects: pygit2's own does not expose libgit2's follow_redirects.
        with git_push_options(callbacks) as payload:
            options = payload.push_options
            options.follow_redirects = C.GIT_REMOTE_REDIRECT_NONE
            with StrArray([spec]) as refspecs:
                payload.check_error(C.git_remote_push(remote._remote, refspecs.ptr, options))
    except _TokenRefused as exc:
        raise RemoteAuthFailed(
            f"{_host(url)} refused the token: check it and that it may push to this repository.",
            details={"remote": _host(url), "reason": "authentication"},
        ) from exc
    except pygit2.GitError as exc:
        raise _failure(exc, url) from exc
    if callbacks.refused is not None:
        raise PushRejected(
            f"{_host(url)} refused the update of main: {callbacks.refused}",
            details={"remote": _host(url), "reason": "refused", "detail": callbacks.refused},
        )
    return Pushed(commit=commit, forced=force)
