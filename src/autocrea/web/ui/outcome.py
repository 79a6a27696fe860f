"""What a run with a model came to, in the page's language (pure; the scripts' twin is
static/js/chat/outcome.js): built offline because the chosen model failed, and why a run stopped.

The pipeline stores codes and facts beside its English words (run.summary: `model`, `failure`); a
code this table cannot word keeps the English text, never a key on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autocrea.storage.tables import Run
from autocrea.web.ui.i18n import strings

Translate = Callable[..., str]


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _known(key: str) -> bool:
    return key in strings()["en"]


def _why(reason: object, t: Translate) -> str:
    key = f"js.why.{reason}"
    return t(key) if _known(key) else str(reason or "")


def model_of(run: Run | None) -> Mapping[str, Any]:
    return _dict(_dict(run.summary if run is not None else None).get("model"))


def built_offline(run: Run | None, t: Translate) -> str:
    """ "built offline: <model> failed (<reason>)" for a run the Blueprint built, else ""."""
    model = model_of(run)
    if not model.get("fell_back"):
        return ""
    reason = _dict(model.get("failed")).get("reason")
    return t("js.built.offline", model=model.get("chosen", ""), why=_why(reason, t))


def failure_words(run: Run | None, t: Translate) -> str:
    """A failed run's reason from its code and details, else its (English) error."""
    if run is None:
        return ""
    failure = _dict(_dict(run.summary).get("failure"))
    code = str(failure.get("code") or "")
    details = _dict(failure.get("details"))
    if code == "model_failed":
        return t("js.fail.model_failed", model=details.get("model", ""), why=_why(details.get("reason"), t))
    key = f"js.fail.{details.get('failure')}"
    if not code.startswith("provider_") or not _known(key):
        return run.error or ""
    kind = f"js.provider.{details.get('provider')}{'_compatible' if details.get('compatible') else ''}"
    status = details.get("status")
    return t(
        key,
        provider=t(kind) if _known(kind) else str(details.get("title", "")),
        setting=t("js.setting.own_keys") if details.get("own_key") else str(details.get("setting", "")),
        model=str(details.get("model", "")),
        where=str(details.get("where", "")),
        http=f" (HTTP {status})" if status else "",
    )
