"""Settings from the environment (prefix AUTOCREA_). Embedded defaults need no configuration.

Only the roots (cli.py, web/app.py) read settings; everything below receives plain values.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_sandbox_python() -> str:
    # Debian's interpreter: a sandbox user can read it, unlike pyenv's under /root.
    return (
        "/usr/bin/python3"
        if Path("/usr/bin/python3").exists()
        else (shutil.which("python3") or sys.executable)
    )


def _env(name: str) -> AliasChoices:
    # An explicit alias bypasses env_prefix, so list the prefixed name first; the bare name matches
    # the plain variable (OPENAI_API_KEY; env names are case-insensitive) and `Settings(name=...)`.
    return AliasChoices(f"AUTOCREA_{name.upper()}", name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTOCREA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path(".autocrea"), description="where projects, runtimes and the database live"
    )
    host: str = Field(default="127.0.0.1", description="address `autocrea serve` binds")
    port: int = Field(default=8000, ge=1, le=65535, description="port `autocrea serve` listens on")
    sandbox_python: str = Field(
        default_factory=_default_sandbox_python,
        description="interpreter used to build generated apps' virtualenvs",
    )
    runtime_dir: Path | None = Field(
        default=None, description="cache of generated apps' virtualenvs (default: ~/.cache/autocrea/runtimes)"
    )
    log_level: str = Field(default="info", description="log level of the server")
    database_url: str = Field(
        default="",
        validation_alias=_env("database_url"),
        description="SQLAlchemy URL: sqlite+aiosqlite:///file or postgresql+asyncpg://user@host/db "
        "(default: the SQLite file DATA_DIR/autocrea.db)",
    )

    # Model providers. The seed spec names the plain variables; both spellings work.
    joxcoder_api_url: str | None = Field(
        default=None,
        validation_alias=_env("joxcoder_api_url"),
        description="JoxCoder endpoint (Hugging Face Inference Endpoint or TGI server)",
    )
    joxcoder_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("joxcoder_api_key"), description="JoxCoder endpoint token"
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("openai_api_key"), description="OpenAI (or compatible) key"
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=_env("openai_base_url"),
        description="OpenAI-compatible server (vLLM, Ollama, LM Studio, llama.cpp, TGI /v1)",
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("anthropic_api_key"), description="Anthropic key"
    )
    anthropic_base_url: str | None = Field(
        default=None,
        validation_alias=_env("anthropic_base_url"),
        description="Anthropic API address (a gateway or proxy); default Anthropic's",
    )
    model_timeout_seconds: float = Field(
        default=120.0, gt=0, le=3600, description="longest wait for a model to connect or send a token"
    )
    model_max_retries: int = Field(
        default=3, ge=0, le=10, description="retries per model on 429/5xx/529, timeouts, lost connections"
    )
    model_fallbacks: str = Field(
        default="",
        description="comma-separated models tried in order when the chosen one fails, "
        "e.g. `openai:gpt-4o-mini,anthropic:claude-haiku-4-5`",
    )

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url.strip():
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'autocrea.db'}"
        return self

    @property
    def runtimes_path(self) -> Path:
        if self.runtime_dir is not None:
            return self.runtime_dir
        # Per user, not per directory: every `autocrea generate` shares one pip install per requirements set.
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache) / "autocrea" / "runtimes"
