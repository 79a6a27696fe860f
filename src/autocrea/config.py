"""Settings from the environment (prefix AUTOCREA_). Embedded defaults need no configuration.

Only the roots (cli.py, web/app.py) read settings; everything below receives plain values.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_sandbox_python() -> str:
    # Debian's interpreter: a sandbox user can read it, unlike pyenv's under /root.
    return (
        "/usr/bin/python3"
        if Path("/usr/bin/python3").exists()
        else (shutil.which("python3") or sys.executable)
    )


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
        default=None, description="cache of generated apps' virtualenvs (default: DATA_DIR/runtimes)"
    )
    log_level: str = Field(default="info", description="log level of the server")

    @property
    def runtimes_path(self) -> Path:
        return self.runtime_dir if self.runtime_dir is not None else self.data_dir / "runtimes"
