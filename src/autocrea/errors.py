"""One exception tree for AUTOCREA.

AutocreaError                  base; `code` is the stable machine name, `message` is for people
├── InvalidInput               the user's input cannot be used (exit code 2, HTTP 400/413/422)
│   ├── PromptRejected         empty, too long, binary, or no recognisable application domain
│   └── OutputDirNotEmpty      `--out` points at an existing non-empty directory
├── UnsafePath                 a file path escapes the project or touches .git / links
├── SpecInvalid                an AppSpec broke its own rules (names, relations, pages)
├── SandboxError               the sandbox could not run a command (not: the command failed)
│   └── SandboxTimeout         a command ran past its wall-clock limit and was killed
├── RuntimeSetupFailed         the generated app's dependencies could not be installed
├── GitError                   a repository operation failed (unknown ref, corrupt repo)
└── GenerationFailed           a run finished without meeting the definition of done
"""

from __future__ import annotations

from typing import Any


class AutocreaError(Exception):
    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The API's one error shape."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(AutocreaError):
    code = "invalid_input"


class PromptRejected(InvalidInput):
    code = "prompt_rejected"


class OutputDirNotEmpty(InvalidInput):
    code = "output_dir_not_empty"


class UnsafePath(AutocreaError):
    code = "unsafe_path"


class SpecInvalid(AutocreaError):
    code = "spec_invalid"


class SandboxError(AutocreaError):
    code = "sandbox_error"


class SandboxTimeout(SandboxError):
    code = "sandbox_timeout"


class RuntimeSetupFailed(AutocreaError):
    code = "runtime_setup_failed"


class GitError(AutocreaError):
    code = "git_error"


class GenerationFailed(AutocreaError):
    code = "generation_failed"
