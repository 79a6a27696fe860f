"""Settings from the environment (prefix AUTOCREA_). Embedded defaults need no configuration.

Only the roots (cli.py, web/app.py) read settings; everything below receives plain values.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Literal

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
        default=None,
        description="cache of generated apps' virtualenvs (default: ~/.cache/autocrea/runtimes; "
        "/var/cache/autocrea/runtimes when the server runs as root)",
    )
    sandbox: Literal["auto", "bubblewrap", "process"] = Field(
        default="auto",
        description="what runs generated code: `bubblewrap` (isolated; the default on Linux when `bwrap` "
        "works) or `process` (no isolation: single-user development only)",
    )
    sandbox_slots: int = Field(
        default=16, ge=1, le=1024, description="sandboxes that may run at once on this machine; more queue"
    )
    sandbox_uid_base: int = Field(
        default=1_500_000_000,
        ge=1000,
        le=4_000_000_000,
        description="as root, sandbox slot n runs as uid/gid base+n (a range nobody else uses)",
    )
    sandbox_cgroup: Path | None = Field(
        default=None,
        description="a cgroup v2 directory the server may write (pids and memory enabled for its children) "
        "to cap each sandbox's processes and memory together; as root it is found or made by itself",
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
    allow_private_model_urls: bool = Field(
        default=False,
        description="let users' own keys call private, loopback and reserved addresses (e.g. an Ollama "
        "on your network); off, their base URLs must be public so users cannot reach your internal services",
    )
    allow_private_git_remotes: bool = Field(
        default=False,
        description="let projects push to plain http:// remotes and to private, loopback and reserved "
        "addresses (e.g. a Gitea on your network); off, a remote must be https:// on a public address",
    )
    model_timeout_seconds: float = Field(
        default=120.0, gt=0, le=3600, description="longest wait for a model to connect or send a token"
    )
    model_answer_seconds: float = Field(
        default=60.0,
        gt=0,
        le=240,  # well under the architect step's 300 s: a slow model is a reason to fall back
        description="longest a role waits for a usable model answer (retries and re-asks included); "
        "past it the model is dropped for the rest of the run and the Blueprint builds the app",
    )
    model_max_retries: int = Field(
        default=3, ge=0, le=10, description="retries per model on 429/5xx/529, timeouts, lost connections"
    )
    model_fallbacks: str = Field(
        default="",
        description="comma-separated models tried in order when the chosen one fails, "
        "e.g. `openai:gpt-4o-mini,anthropic:claude-haiku-4-5`",
    )

    # Platform: accounts, credits, jobs, limits, operations.
    secret_key: SecretStr | None = Field(
        default=None,
        description="secret that encrypts users' model keys (any long random string); "
        "default: generated once into DATA_DIR/secret.key",
    )
    public_url: str = Field(
        default="http://localhost:8000", description="address users reach AUTOCREA at (links, CORS origin)"
    )
    preview_base_url: str = Field(
        default="http://{run}.preview.localhost:8000",
        description="origin of live previews; `{run}` becomes the preview's id. Must differ from the app's "
        "own origin so generated code never runs with the user's cookies",
    )
    preview_data_dir: Path | None = Field(
        default=None,
        description="where previews keep their apps' data, a directory per project (default: "
        "DATA_DIR/preview-data; /var/lib/autocrea/preview-data when the server runs as root). Every "
        "directory above it must be searchable by other users (sandbox uids reach their own)",
    )
    preview_data_mb: int = Field(
        default=64,
        ge=1,
        le=100_000,
        description="largest a preview's data may grow, in MB (its database and journal; also the "
        "largest file it may write): past it the preview stops and starts again only once reset",
    )
    generation_cost: int = Field(
        default=50, ge=1, le=100_000, description="credits one generation with a model costs"
    )
    offline_generation_cost: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="credits a generation built offline by the Blueprint costs (chosen, or because "
        "the chosen model failed); default: the same as generation_cost",
    )
    change_cost: int = Field(
        default=10,
        ge=1,
        le=100_000,
        description="credits one change of a project from its chat costs (held at start, spent only "
        "when the new version is verified)",
    )
    pricing_plans: str = Field(
        default="Pro:1000:19,Team:5000:79",
        description="monthly plans on /pricing as name:credits:price[:stripe_price_id], comma-separated",
    )
    credit_packs: str = Field(
        default="250:5,1000:15,5000:59",
        description="one-off credit packs on /pricing as credits:price[:stripe_price_id]",
    )
    currency: str = Field(default="EUR", max_length=3, description="ISO code prices on /pricing are in")
    admin_emails: str = Field(
        default="",
        description="comma-separated e-mails of the administrators (the admin role; "
        "credits can also be granted with `autocrea credits grant`)",
    )
    # Payments (Stripe). Off until both keys are set, or the local Stripe is asked for.
    stripe_secret_key: SecretStr | None = Field(
        default=None,
        validation_alias=_env("stripe_secret_key"),
        description="Stripe secret key (sk_live_… / sk_test_…); with the webhook secret it turns payments on",
    )
    stripe_webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias=_env("stripe_webhook_secret"),
        description="signing secret (whsec_…) of the Stripe webhook endpoint /api/billing/webhook",
    )
    stripe_api_base: str | None = Field(
        default=None,
        description="address of the Stripe API, for a local Stripe (autocrea.testing.stripe_server); "
        "default Stripe's",
    )
    stripe_fake: bool = Field(
        default=False,
        description="demo payments: start the local Stripe in this process (its own checkout page, "
        "signed webhooks to this server) and point the SDK at it; never real money",
    )
    session_days: int = Field(default=14, ge=1, le=365, description="how long a browser session lasts")
    redis_url: str | None = Field(
        default=None,
        validation_alias=_env("redis_url"),
        description="Redis for rate limits and live events across processes, e.g. redis://127.0.0.1:6379/0",
    )
    embedded_worker: bool = Field(
        default=True, description="run generations inside the server process (off: use `autocrea worker`)"
    )
    worker_concurrency: int = Field(default=2, ge=1, le=64, description="generations one worker runs at once")
    run_lease_seconds: float = Field(
        default=20.0,
        ge=1,
        le=3600,
        description="a running generation whose worker sent no heartbeat for this long is marked failed",
    )
    sse_heartbeat_seconds: float = Field(
        default=15.0, gt=0, le=300, description="idle time after which the event stream sends a heartbeat"
    )
    max_body_bytes: int = Field(
        default=1_000_000, ge=1024, description="largest request body accepted (bigger gets 413)"
    )
    rate_limit_api: str = Field(default="600/minute", description="requests per user (or IP when anonymous)")
    rate_limit_generate: str = Field(default="10/minute", description="generations a user may start")
    password_hash_memory_kib: int = Field(
        default=65536,
        ge=8192,
        le=1_048_576,
        description="argon2id memory per password hash, in KiB (each hash in flight holds it; at most "
        "one per CPU at a time); stored hashes are re-made with a new cost at the user's next login",
    )
    password_hash_time_cost: int = Field(
        default=3, ge=1, le=20, description="argon2id passes per password hash"
    )
    rate_limit_login: str = Field(
        default="10/15 minutes", description="failed logins allowed per account and, times 5, per IP"
    )
    trusted_proxies: str = Field(
        default="", description="comma-separated proxy IPs whose X-Forwarded-For is believed"
    )
    clerk_jwks_url: str | None = Field(
        default=None, description="Clerk mode: JWKS URL of the Clerk instance (session JWTs are verified)"
    )
    clerk_pem_public_key: str | None = Field(
        default=None, description="Clerk mode: the instance's PEM public key instead of a JWKS URL"
    )
    clerk_issuer: str | None = Field(default=None, description="Clerk mode: required `iss` of session JWTs")
    clerk_authorized_parties: str = Field(
        default="", description="Clerk mode: comma-separated origins accepted in `azp`"
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="when set, `/metrics` answers only to `Authorization: Bearer <token>` (Prometheus "
        "`authorization` / `bearer_token`); unset, it is public",
    )
    sentry_dsn: SecretStr | None = Field(
        default=None, validation_alias=_env("sentry_dsn"), description="report errors to Sentry when set"
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
        if os.geteuid() == 0 and not os.environ.get("XDG_CACHE_HOME"):
            return Path("/var/cache/autocrea/runtimes")  # root's home is closed to the sandbox's uids
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache) / "autocrea" / "runtimes"

    @property
    def preview_data_path(self) -> Path:
        if self.preview_data_dir is not None:
            return self.preview_data_dir
        if os.geteuid() == 0:
            return Path("/var/lib/autocrea/preview-data")  # DATA_DIR may be closed to the sandbox's uids
        return self.data_dir / "preview-data"

    @property
    def offline_cost(self) -> int:
        """What a Blueprint-built generation costs: never more than one with a model."""
        offline = self.offline_generation_cost
        return self.generation_cost if offline is None else min(offline, self.generation_cost)

    def is_admin(self, email: str) -> bool:
        """Whether this account's e-mail is one of AUTOCREA_ADMIN_EMAILS (compared without case)."""
        wanted = email.strip().lower()
        return bool(wanted) and wanted in {e.lower() for e in self.list_of(self.admin_emails)}

    @property
    def payments_enabled(self) -> bool:
        """Stripe checkout and webhooks are served: both keys are set, or the local Stripe runs."""
        keys = (self.stripe_secret_key, self.stripe_webhook_secret)
        return self.stripe_fake or all(k is not None and k.get_secret_value().strip() for k in keys)

    @property
    def projects_path(self) -> Path:
        return self.data_dir / "projects"

    def secret(self) -> bytes:
        """The server's secret: the setting, else a random one kept in DATA_DIR/secret.key (0600)."""
        if self.secret_key is not None and self.secret_key.get_secret_value().strip():
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_bytes().strip()

    def list_of(self, value: str) -> list[str]:
        return [item.strip() for item in value.split(",") if item.strip()]
