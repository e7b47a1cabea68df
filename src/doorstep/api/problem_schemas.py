"""What the API answers when it refuses a request: a problem document (RFC 9457, media type
``application/problem+json``), declared here so that ``/openapi.json`` describes the
answers a client must handle as well as the ones it hopes for.

FastAPI would otherwise describe every refusal of a request's types as its own
``HTTPValidationError`` (a list under ``detail``), which is not what this API sends
(:mod:`doorstep.api.errors`), and no other refusal at all.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """A request refused: why, in the words the command line prints, which say what to do.
    401: no token the programme knows (or one expired, revoked, of a disabled account);
    403: outside what the account may see or do; 404: no such record; 409: the records
    changed meanwhile or are in use; 422: input refused by a rule; 400: any other refusal."""

    title: str = Field(description="The kind of refusal, e.g. `NotFound`, `Conflict`")
    status: int = Field(description="The HTTP status, repeated")
    detail: str = Field(description="What was refused and what to do about it")


class FieldError(BaseModel):
    """One part of a request its declared types refuse."""

    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then names")
    msg: str
    type: str = Field(description="The kind of error, e.g. `missing`, `date_from_datetime_parsing`")
    input: Any = Field(default=None, description="The value refused, as sent")
    ctx: dict[str, Any] | None = Field(default=None, description="What the rule expected")


class RequestProblem(Problem):
    """A request its declared types refuse (422): ``detail`` lists each error in one line,
    ``errors`` one by one."""

    errors: list[FieldError]


class RowError(BaseModel):
    """One refused cell of an imported file."""

    row: int = Field(description="The row, counting the header as row 1; 0: the whole file")
    column: str = Field(description="The column's heading; empty for the whole file or row")
    value: str = Field(description="The cell as read")
    reason: str


class ImportProblem(Problem):
    """An imported file refused (422), nothing written: each bad row by row, column and
    reason, at most a thousand of them (``errors_total`` counts them all)."""

    sheet: str | None = Field(description="The worksheet read, for an .xlsx file")
    errors_total: int
    errors: list[RowError]


#: The refusals every route may answer, for ``responses=`` (any 4xx status: a
#: :class:`Problem`; 422 also as a :class:`RequestProblem`).
REFUSALS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": Problem, "description": "Refused: a problem document"},
    422: {
        "model": RequestProblem | Problem,
        "description": "Input refused by the request's types (with `errors`) or by a rule",
    },
}

#: An import's refusal: its rows' errors, besides the others.
IMPORT_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ImportProblem | RequestProblem | Problem,
        "description": "The file refused by row, column and reason, nothing written; or "
        "the request refused",
    }
}
