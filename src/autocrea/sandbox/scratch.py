"""Scratch directories: where a sandbox's copy of a project lives on the host, for one use."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def scratch_dir(prefix: str) -> Path:
    """A new directory under the host's temp dir that a sandbox slot's uid may pass through (mode
    0711: it can reach the mounts inside, never list or touch anything else here)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(path, 0o711)  # noqa: S103 - search only: the sandbox passes through, never lists
    return path
