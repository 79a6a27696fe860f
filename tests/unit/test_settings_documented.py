"""Every setting must appear in the README's configuration table, under each of its names."""

from pathlib import Path

from pydantic import AliasChoices

from autocrea.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _env_names(name: str) -> list[str]:
    prefix = Settings.model_config.get("env_prefix", "")
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice).upper() for choice in alias.choices]
    return [f"{prefix}{name}".upper()]


def test_every_setting_is_documented() -> None:
    text = README.read_text(encoding="utf-8").upper()
    missing = [env for name in Settings.model_fields for env in _env_names(name) if f"`{env}`" not in text]
    assert not missing, f"settings missing from README: {missing}"


def test_readme_keeps_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "`make run`" in text and "`make test`" in text


def test_runtimes_are_cached_per_user_not_per_directory(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("AUTOCREA_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert Settings().runtimes_path == tmp_path / "autocrea" / "runtimes"
    monkeypatch.setenv("AUTOCREA_RUNTIME_DIR", "/srv/rt")
    assert Settings().runtimes_path == Path("/srv/rt")
