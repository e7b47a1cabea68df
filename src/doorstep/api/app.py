"""The FastAPI application: ``create_app()`` for a database, served by `doorstep serve`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from doorstep import __version__
from doorstep.api import errors
from doorstep.api.nul_refused import refuse_nul
from doorstep.api.problem_schemas import REFUSALS
from doorstep.api.routes import (
    accounts,
    activities,
    audit,
    cadence,
    checks,
    exclusions,
    files,
    households,
    imports,
    me,
    pairing,
    planning,
    projects,
    referrals,
    reports,
    rights,
    visitors,
    visits,
)
from doorstep.api.safe_headers import SafeHeaders
from doorstep.api.upload_bound import UploadBound
from doorstep.config import get_settings
from doorstep.storage.session import make_engine

#: Where every route lives: a later, incompatible API gets a prefix of its own.
PREFIX = "/api/v1"


def create_app(
    database_url: str | None = None, *, today: Callable[[], dt.date] = dt.date.today
) -> FastAPI:
    """The API over the database at ``database_url`` (default: ``DOORSTEP_DATABASE_URL``),
    whose schema must be up to date (`doorstep db upgrade`); ``today`` is the clock the
    routes read the day from."""
    # The docs page (/docs) loads its scripts from this app (/docs-assets), not
    # from a CDN: a programme's server may reach no other site, nor its reader's browser.
    app = FastAPIOffline(
        static_url="/docs-assets",
        redoc_url=None,  # one page of docs: Swagger UI, which tries requests too
        title="Doorstep",
        version=__version__,
        summary="Work lists, visits and reports of a home-visiting programme",
        responses=REFUSALS,
        # Each route, the pages' too (the site is built on this app): before its own.
        dependencies=[Depends(refuse_nul)],
    )
    app.state.engine = make_engine(
        database_url or get_settings().database_url,
        busy_timeout_ms=get_settings().sqlite_busy_timeout_ms,
    )
    app.state.today = today
    app.state.max_upload_bytes = get_settings().max_upload_mb * 2**20
    app.add_middleware(UploadBound, limit=lambda: int(app.state.max_upload_bytes))
    app.add_middleware(SafeHeaders)  # outermost: a refusal of either is sent with them too
    errors.install(app)
    for router in (
        me.router,
        visits.router,
        households.router,
        pairing.router,
        planning.router,
        rights.router,
        reports.router,
        reports.outcomes_router,
        activities.router,
        projects.router,
        referrals.router,
        imports.router,
        exclusions.router,
        checks.router,
        accounts.router,
        audit.router,
        cadence.router,
        visitors.router,
        files.router,  # last: its paths would take the others' below an id
    ):
        app.include_router(router, prefix=PREFIX)
    errors.describe(app)
    return app
