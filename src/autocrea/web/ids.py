"""The one shape of an object id in a URL path.

Ids are checked before any query: PostgreSQL refuses text with NUL bytes outright (a 500), and an
id that can never exist needs no database round trip to be refused.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
