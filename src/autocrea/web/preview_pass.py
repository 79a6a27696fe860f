"""Preview passes: only a preview's owner may open it.

The owner's page gets a short-lived signed capability in a link to the preview origin
(`/__autocrea/open?cap=…`); the proxy exchanges it for a host-only, HttpOnly cookie on that
origin, and every later request needs the cookie. Knowing a preview's address (a Referer, a shared
link, a log) is not enough. Both are HMAC-signed with a key derived from the server's secret and
bound to one preview and one user; nothing is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

OPEN_PATH = "/__autocrea/open"
COOKIE = "autocrea_preview"
LINK_SECONDS = 120  # the capability in a link: enough to load the frame or follow the link
COOKIE_SECONDS = 12 * 3600  # the pass on the preview origin: a working day


def preview_url(preview_base_url: str, preview_id: str) -> str:
    """The preview's own origin, e.g. `http://<id>.preview.localhost:8000/`."""
    return preview_base_url.replace("{run}", preview_id).rstrip("/") + "/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass(frozen=True)
class PreviewPasses:
    key: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> PreviewPasses:
        return cls(hmac.new(secret, b"autocrea preview pass v1", hashlib.sha256).digest())

    def _sign(self, kind: str, preview_id: str, user_id: str, expires: int) -> str:
        body = f"{kind}.{preview_id}.{user_id}.{expires}"
        mac = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
        return f"{user_id}.{expires}.{_b64(mac)}"

    def mint(
        self, kind: str, *, preview_id: str, user_id: str, seconds: int, now: float | None = None
    ) -> str:
        """A token of `kind` ("link" or "cookie") for this user on this preview."""
        expires = int((time.time() if now is None else now) + seconds)
        return self._sign(kind, preview_id, user_id, expires)

    def check(self, kind: str, token: str, *, preview_id: str, now: float | None = None) -> str | None:
        """The user a valid, unexpired token of `kind` for this preview was made for; else None."""
        parts = token.split(".")
        if len(parts) != 3 or len(token) > 200:
            return None
        user_id, expires_text, _ = parts
        if not expires_text.isdigit() or not user_id.isalnum():
            return None
        expected = self._sign(kind, preview_id, user_id, int(expires_text))
        if not hmac.compare_digest(expected.encode(), token.encode()):
            return None
        if int(expires_text) < (time.time() if now is None else now):
            return None
        return user_id


def cookie_attributes(preview_base_url: str) -> str:
    """How the pass cookie is set on the preview origin, framed by AUTOCREA's pages.

    A framed preview is a third party when AUTOCREA and its previews are different sites (the
    default: localhost and *.preview.localhost): browsers then send only `SameSite=None; Secure`
    cookies, and only partitioned ones where third-party cookies are blocked. `Secure` needs https
    or a localhost name. On plain http elsewhere, previews must share AUTOCREA's site
    (app.example.test and *.preview.example.test), where `SameSite=Lax` is sent.
    """
    parts = urlsplit(preview_base_url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" or host == "localhost" or host.endswith(".localhost"):
        return "SameSite=None; Secure; Partitioned"
    return "SameSite=Lax"
