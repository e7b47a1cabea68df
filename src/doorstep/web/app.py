"""The whole site: the API under ``/api/v1`` and the web app's pages beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import FastAPI

from doorstep.api.app import create_app as create_api
from doorstep.web import (
    account_pages,
    activity_pages,
    audit_pages,
    blank_fields,
    cadence_pages,
    check_pages,
    door_pages,
    exclusion_pages,
    explain_pages,
    file_pages,
    import_pages,
    lost_pages,
    offline,
    pages,
    pairing_pages,
    planning_pages,
    project_pages,
    record_pages,
    referral_pages,
)


def create_app(
    database_url: str | None = None, *, today: Callable[[], dt.date] = dt.date.today
) -> FastAPI:
    """What `doorstep serve` serves: the API and the pages, over one database."""
    app = create_api(database_url, today=today)
    # A form's box left empty is a field not given, on the pages (not the API).
    app.add_middleware(blank_fields.BlankFieldsDropped)
    pages.install(app)
    lost_pages.install(app)
    app.include_router(record_pages.router)
    app.include_router(door_pages.router)
    offline.install(app)
    # Before the pairing pages: their /pairing/{proposal} would take /pairing/explain.
    app.include_router(explain_pages.router)
    app.include_router(pairing_pages.router)
    app.include_router(planning_pages.router)
    app.include_router(activity_pages.router)
    app.include_router(project_pages.router)
    app.include_router(referral_pages.router)
    app.include_router(import_pages.router)
    app.include_router(exclusion_pages.router)
    app.include_router(check_pages.router)
    app.include_router(account_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(file_pages.router)
    app.include_router(cadence_pages.router)
    return app
