"""What lets the record form open on a phone with no network: the service worker, the
app's manifest (so the site can be added to a phone's home screen) and the pages' scripts.

The worker must be served from the site's root to act for its pages (its scope is the
folder it is served from), so it has an address of its own rather than one under
``/static``. Browsers run workers only on HTTPS pages, or on ``localhost``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/sw.js", response_class=FileResponse)
def service_worker() -> FileResponse:
    # Asked again on each visit (no-cache), so a new worker replaces the old at once.
    return FileResponse(
        STATIC / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"}
    )


@router.get("/manifest.webmanifest", response_class=FileResponse)
def manifest() -> FileResponse:
    return FileResponse(STATIC / "manifest.webmanifest", media_type="application/manifest+json")


def install(app: FastAPI) -> None:
    """Add the worker, the manifest and ``/static`` (scripts and icon) to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
