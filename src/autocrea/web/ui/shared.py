"""The public page of a shared run: its steps replayed, its evidence and the files of its version.

Anyone with the link may look; nothing of the owner's account is on it, and it links to nothing
that needs the owner's session. A withdrawn or unknown link is the 404 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from autocrea.web.auth import services
from autocrea.web.routes.share import public_summary, shared
from autocrea.web.ui.evidence import step_words
from autocrea.web.ui.render import render, viewer_for
from autocrea.web.ui.tree import file_tree

router = APIRouter(include_in_schema=False)


@router.get("/share/{token}", response_class=HTMLResponse)
async def shared_page(token: Annotated[str, Path(max_length=64)], request: Request) -> Response:
    found = await shared(services(request), token)
    return render(
        request,
        "share.html",
        viewer=await viewer_for(request),
        page_id="share",
        project_name=found.project,
        run=found.run,
        ev=found.evidence,
        summary=public_summary(found.run),
        step_words=step_words,
        commit=found.commit,
        tree=file_tree(found.files),
        file_count=len(found.files),
        token=token,
    )
