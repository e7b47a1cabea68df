"""Registry files imported over the API, as `doorstep import ENTITY FILE` imports them: all
rows or none, every bad row named by row, column and reason. A manager of the whole
programme imports any file; an area's account the rows of its own area (each row is
checked: :mod:`doorstep.services.importing.scope`), and no organisations.

The upload is written to a private temporary folder under its own file name (its suffix
says how it is read: .csv, .xlsx or .parquet) and removed with everything an import
leaves beside it once the answer is made: the errors come back in the answer, not as a
file on the server.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from doorstep.api import remedies
from doorstep.api.choices import Choices
from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.errors import PROBLEM
from doorstep.api.problem_schemas import IMPORT_REFUSED
from doorstep.api.schemas import ImportDone
from doorstep.errors import InvalidInput, NotFound
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.privacy.audit import Attempt
from doorstep.reports.render import XLSX_TYPE
from doorstep.say import Said, Say
from doorstep.services.importing import IMPORTS
from doorstep.services.importing.template import need_in_english, template_xlsx

if TYPE_CHECKING:
    from doorstep.services.importing import ImportRejected

router = APIRouter(prefix="/imports", tags=["imports"])

#: What a file imports; the route refuses another in its own words (404).
Entity = Annotated[str, Choices(lambda: IMPORTS)]

_TEMPLATE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_TYPE: {}}, "description": "An empty workbook of the file's columns"}
}

#: The most row errors an answer lists (`errors_total` counts them all).
MAX_LISTED = 1000
#: The longest upload file name kept (a file system takes 255 bytes; the trail names it).
MAX_NAME_BYTES = 200


def upload_name(filename: str | None) -> str:
    """The upload's own file name, without any folder a browser or client sent with it."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    if not name or name in (".", ".."):
        raise InvalidInput(
            Say(
                "the upload has no file name: send the file as the form field `file` with its "
                "name (households.csv), whose suffix says how it is read"
            )
        )
    if "\x00" in name or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidInput(
            Say(
                "the upload's file name is not one a file can have here (at most "
                "%(most)s bytes, no NUL): rename it, e.g. households.csv",
                most=MAX_NAME_BYTES,
            )
        )
    return name


class UploadRejected(InvalidInput):
    """An uploaded file refused with its row errors: ``body`` is the answer's problem
    document (the API sends it; the web page shows its errors, in its language:
    :meth:`told`)."""

    def __init__(self, body: dict[str, Any], exc: ImportRejected, folder: str) -> None:
        super().__init__(str(body["detail"]))
        self.body = body
        self._rejected = exc
        self._folder = folder

    def told(self, tell: Callable[[Say], str]) -> dict[str, Any]:
        """The problem document with its detail and the listed errors' reasons said by
        ``tell`` (a reason that is English only stays so), the server's folder left out."""
        listed = self._rejected.errors[:MAX_LISTED]
        sheet = self._rejected.sheet
        return {
            **self.body,
            "detail": self._unfoldered(tell(self._rejected.said_headline())),
            "sheet": tell(sheet.says) if isinstance(sheet, Said) else sheet,
            "errors": [
                shown if e.says is None else {**shown, "reason": self._unfoldered(tell(e.says))}
                for shown, e in zip(self.body["errors"], listed, strict=True)
            ],
        }

    def _unfoldered(self, text: str) -> str:
        return unfoldered(text, self._folder)


@router.get("/{entity}/template.xlsx", response_class=Response, responses=_TEMPLATE)
def import_template(entity: Entity, who: PrincipalDep) -> Response:
    """An empty spreadsheet of an ``entity`` file's columns, to fill in and import, as
    `doorstep import ENTITY FILE.xlsx --template` writes it: ids and codes formatted as
    text, choices in a drop-down, each column's note in English. It holds no one's data."""
    return template_response(who, entity)


def template_response(
    who: Principal,
    entity: str,
    told: Callable[[str | Say], str] = str,
    need: Callable[[bool], str] = need_in_english,
) -> Response:
    """The template of ``entity``'s file for an account that may import (the API's route
    and the import page's download both serve this), its notes worded by ``told`` and
    ``need`` in the reader's language (by default the API's English)."""
    access.check_import(who)
    schema = IMPORTS.get(entity)
    if schema is None:
        raise NotFound(Say("no import file is called %(kind)s", kind=repr(entity)))
    return Response(
        template_xlsx(schema, told, need),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{entity}.xlsx"'},
    )


@router.post("/{entity}", response_model=ImportDone, responses=IMPORT_REFUSED)
def import_upload(
    entity: Entity,
    file: Annotated[UploadFile, File(description="A .csv (UTF-8), .xlsx or .parquet file")],
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    replace: Annotated[
        bool,
        Query(
            description="leave and blackouts: the file is the whole set of its people's "
            "periods from today on (`--replace`)"
        ),
    ] = False,
) -> ImportDone | JSONResponse:
    """Import an uploaded file of ``entity`` rows: the counts written, or (422) every row
    error (``row`` counts the header as row 1, as a spreadsheet does) with nothing written.
    An area's account imports the rows of its own area: a row reaching outside it is one
    of those errors.
    ``entity`` is what `doorstep import` takes: areas, organisations, teams, visitors,
    households, indicators, leave, blackouts, visits, exclusions, activities, attendance,
    projects, project_households, referrals."""
    try:
        return import_sent(entity, file, engine, who, today, replace, tell=remedies.said)
    except UploadRejected as exc:
        body = exc.told(remedies.said)
        return JSONResponse(body, status_code=exc.status, media_type=PROBLEM)


def import_sent(
    entity: str,
    file: UploadFile,
    engine: Engine,
    who: Principal,
    today: dt.date,
    replace: bool = False,
    *,
    tell: Callable[[Say], str],
) -> ImportDone:
    """What :func:`import_upload` does, for the web page too: the counts written, or
    :class:`UploadRejected` with every row error. ``tell`` says the notes a service wrote
    as a :class:`~doorstep.say.Say` (the API's English, or a page's language)."""
    from doorstep.services.importing import ImportRejected, import_file
    from doorstep.services.importing.scope import AreaScope

    if entity not in IMPORTS:
        raise NotFound(
            Say(
                "nothing is imported as %(entity)s: import one of %(entities)s",
                entity=repr(entity),
                entities=", ".join(IMPORTS),
            )
        )
    name = upload_name(file.filename)
    scope = (
        None
        if who.area is None or who.area_path is None
        else AreaScope(who.name, who.area, who.area_path)
    )
    # An area's account imports within its area: the event says which, for its manager.
    where = {} if scope is None else {"area": scope.code}
    tried = Attempt(who.actor, "import", entity, detail={"file": name, **where}, quote=False)
    with tempfile.TemporaryDirectory(prefix="doorstep-upload-") as folder:
        path = Path(folder) / name
        try:
            with unit(engine, who, tried) as session:
                access.check_import(who, entity)  # in the unit: the trail keeps the refusal
                with path.open("wb") as out:
                    shutil.copyfileobj(file.file, out, length=1 << 20)
                summary = import_file(
                    session,
                    entity,
                    path,
                    actor=who.actor,
                    today=today,
                    replace_future=replace,
                    scope=scope,
                )
        except ImportRejected as exc:
            raise UploadRejected(rejected(exc, folder), exc, folder) from None
    return ImportDone(
        entity=summary.entity,
        file=name,
        sheet=tell(summary.sheet.says) if isinstance(summary.sheet, Said) else summary.sheet,
        rows=summary.rows,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        notes=[tell(n.says) if isinstance(n, Said) else n for n in summary.notes],
    )


def rejected(exc: ImportRejected, folder: str) -> dict[str, Any]:
    """An import refused, as a problem document (422) that lists its row errors (at most
    :data:`MAX_LISTED`; ``errors_total`` counts them all), naming the file as it was sent
    (never the server's temporary ``folder``)."""

    def said(reason: str) -> str:
        return unfoldered(reason, folder)

    errors = exc.errors
    return {
        "title": "ImportRejected",
        "status": 422,
        "detail": said(exc.headline()),
        "sheet": exc.sheet,
        "errors_total": len(errors),
        "errors": [
            {"row": e.row, "column": e.column, "value": e.value, "reason": said(e.reason)}
            for e in errors[:MAX_LISTED]
        ],
    }


def unfoldered(text: str, folder: str) -> str:
    """``text`` without the server's temporary ``folder`` (a file is named as it was sent)."""
    return text.replace(folder + "/", "").replace(folder, "")
