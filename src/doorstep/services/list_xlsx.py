"""A list as a workbook (.xlsx), as the web app's list pages and the API give it to take
away: every row, its days as dates a spreadsheet sorts and counts with, its ids and codes
as text (``00123`` stays ``00123``), its header in the reader's words. Written by
:func:`doorstep.reports.render.write_xlsx`, each text cell made safe as an export's is, so
a list downloaded holds what the list holds, cell for cell."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Mapping, Sequence

import polars as pl

from doorstep.errors import InvalidInput
from doorstep.reports.render import XLSX_MAX_ROWS, write_xlsx
from doorstep.say import Say
from doorstep.services.exporting import escape_for_xlsx, neutralise_formulas


def fits_a_sheet(rows: int) -> None:
    """Refuse a list longer than a sheet holds, saying so: a file cut short would pass for
    the whole list. Called before the read is committed, so a list refused is not read in
    the trail: nothing of it was shown."""
    if rows + 1 > XLSX_MAX_ROWS:
        raise InvalidInput(
            Say(
                "the list has %(rows)s rows, more than a spreadsheet's sheet holds "
                "(%(most)s): list a smaller area or fewer days",
                rows=rows,
                most=XLSX_MAX_ROWS - 1,
            )
        )


def list_xlsx(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, object]],
    *,
    header: Sequence[str],
    sheet: str,
    days: Collection[str] = (),
    numbers: Collection[str] = (),
    shown: Callable[[object], object] = lambda value: value,
) -> bytes:
    """``rows`` as a workbook of one sheet named ``sheet``: ``header``, then each row's
    ``columns`` in that order; the ``days`` columns as dates, the ``numbers`` as whole
    numbers, the others as text, each value as ``shown`` shows it (a line a service wrote,
    in the reader's language)."""
    fits_a_sheet(len(rows))
    schema = {
        c: pl.Date() if c in days else pl.Int64() if c in numbers else pl.String() for c in columns
    }
    frame = pl.DataFrame(
        [[_cell(shown(r.get(c)), c in days or c in numbers) for c in columns] for r in rows],
        schema=schema,
        orient="row",
    )
    out = io.BytesIO()
    write_xlsx(escape_for_xlsx(neutralise_formulas(frame)), out, sheet[:31], header)
    return out.getvalue()


def _cell(value: object, typed: bool) -> object:
    """A text column's value as text (an id stored as a number too), a typed one as it is."""
    return value if typed or value is None else str(value)
