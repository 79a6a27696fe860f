"""The UI's strings: both languages for every key, and every key the pages and scripts use exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autocrea.web.ui.i18n import browser_strings, parse_strings, strings, translator

WEB = Path(__file__).resolve().parents[4] / "src" / "autocrea" / "web"


def test_every_key_has_both_languages_and_they_differ_somewhere() -> None:
    table = strings()
    assert table["es"].keys() == table["en"].keys()
    assert table["es"]["chat.generate"] == "Generar aplicación"
    assert table["en"]["chat.generate"] == "Generate application"


def test_a_row_without_both_languages_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'a\.b' needs one non-empty text per language"):
        parse_strings({"a.b": ["solo español"]})
    with pytest.raises(ValueError, match="needs one non-empty text"):
        parse_strings({"a.b": ["", "empty Spanish"]})


def test_placeholders_and_singular_forms() -> None:
    t = translator("es")
    assert t("chat.credits_n", n=40) == "40 créditos"
    assert t("project.files_n", n=1) == "1 archivo"
    assert t("project.files_n", n=2) == "2 archivos"
    assert translator("en")("project.files_n", n=1) == "1 file"


def test_every_key_a_template_names_exists() -> None:
    used = set()
    for template in (WEB / "templates").rglob("*.html"):
        # Literal keys only: t('chat.title'), not the ones built with ~.
        used |= set(re.findall(r"""\bt\('([a-z0-9_.]+)'[,)]""", template.read_text(encoding="utf-8")))
    assert used, "no keys found: the pattern no longer matches the templates"
    missing = sorted(k for k in used if k not in strings()["es"])
    assert not missing, f"templates use keys missing from strings.yml: {missing}"


def test_every_key_a_script_names_exists() -> None:
    sent = browser_strings("es")
    used = set()
    for script in (WEB / "static" / "js").rglob("*.js"):
        used |= set(re.findall(r"""\bt\("([a-z0-9_.]+)"[,)]""", script.read_text(encoding="utf-8")))
    assert used, "no keys found: the pattern no longer matches the scripts"
    missing = sorted(k for k in used if k not in sent)
    assert not missing, f"scripts use keys the page does not send: {missing}"


def test_the_browser_gets_script_strings_step_and_status_names_only() -> None:
    sent = browser_strings("en")
    assert sent["run.finished"] == "App ready and verified!"
    assert sent["step.tester.title"] == "Tester" and sent["status.running"] == "Generating"
    assert "landing.lead" not in sent


def test_every_feature_and_step_summary_the_run_view_words_has_both_languages() -> None:
    # Built keys (`feature.${f}`, `run.summary.${step}`) escape the literal-key check above.
    from typing import get_args

    from autocrea.domain.appspec import Feature

    for lang in ("es", "en"):
        sent = browser_strings(lang)
        assert all(f"feature.{f}" in sent for f in get_args(Feature)), lang
        for step in ("architect", "builder", "tester", "security"):
            assert f"run.summary.{step}" in sent and f"run.summary.{step}.one" in sent
    es = translator("es")
    assert es("js.run.summary.builder", n=12, lines=916) == "12 archivos, 916 líneas"
    assert es("js.run.summary.builder", n=1, lines=9) == "1 archivo, 9 líneas"


def test_every_keyed_log_line_of_the_pipeline_has_both_languages() -> None:
    found: set[str] = set()
    for source in (WEB.parent / "pipeline").rglob("*.py"):
        # key="name", or key="a" if ... else "b"
        for expression in re.findall(
            r"""\bkey=("[a-z_]+"(?: if [^,]+ else "[a-z_]+")?)""", source.read_text()
        ):
            found |= set(re.findall(r'"([a-z_]+)"', expression))
    assert {"rendered", "booting", "pytest_done", "deps_cached", "deps_installed"} <= found, found
    for lang in ("es", "en"):
        sent = browser_strings(lang)
        missing = sorted(k for k in found if f"log.{k}" not in sent)
        assert not missing, (lang, missing)


def test_the_too_long_description_message_is_the_apis_own_sentence() -> None:
    from autocrea.domain.prompt import MAX_PROMPT_CHARS, clean_prompt
    from autocrea.errors import PromptTooLong

    with pytest.raises(PromptTooLong) as refused:
        clean_prompt("a" * 25_000)
    details = refused.value.details
    # The page formats the numbers in its language (lib/dom.js number) and fills them in.
    english = translator("en")("js.err.prompt_too_long", length="25,000", limit=f"{MAX_PROMPT_CHARS:,}")
    assert english == refused.value.message
    assert (details["length"], details["limit"]) == (25_000, MAX_PROMPT_CHARS)
    spanish = translator("es")("js.err.prompt_too_long", length="25.000", limit="20.000")
    assert spanish == "La descripción tiene 25.000 caracteres; el límite es 20.000. Acórtala."


def test_every_step_of_a_change_run_has_a_title_and_description_in_both_languages() -> None:
    from autocrea.pipeline.revision import Change, Verify, Version
    from autocrea.pipeline.roles.security import Security

    for lang in ("es", "en"):
        sent = browser_strings(lang)
        for role in (Change, Verify, Security, Version):
            assert f"step.{role.name}.title" in sent and f"step.{role.name}.desc" in sent, (lang, role.name)
        assert "run.summary.version" in sent
    es, en = translator("es"), translator("en")
    assert (es("step.change.title"), en("step.change.title")) == ("Cambio", "Change")
    assert (es("step.version.title"), en("step.version.title")) == ("Versión", "Version")
    assert es("history.role.change") == "Cambio" and en("changes.label") == "What should change?"
    assert es("changes.label") == "¿Qué quieres cambiar?"
