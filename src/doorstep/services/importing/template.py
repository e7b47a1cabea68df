"""An empty workbook for one kind of import file: its columns as the header, to fill in.

A coordinator handed a blank sheet types the ids and codes an import reads, and a
spreadsheet changes some as they are typed: ``00123`` becomes 123 and ``3-4`` a date.
Every column that holds no number is formatted as text here, so each stays as typed. A
column of choices offers them in a drop-down, and a number outside its bounds, or a day
before the first a record may hold, is refused as it is typed. Each header cell's note
says what the column holds and whether it is required, in the reader's language
(``told``). The workbook has one sheet: the one an import reads.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from doorstep.domain.days import FIRST_DAY
from doorstep.reports.render import XLSX_MAX_ROWS
from doorstep.say import Say
from doorstep.services.importing.columns import Column, EntitySchema, Kind

#: The columns a spreadsheet should read as numbers (or days): the others are text.
_NUMBERS = {Kind.INT, Kind.FLOAT, Kind.LAT, Kind.LON, Kind.DATE}
#: The bounds a latitude and a longitude always have, where the column names none.
_BOUNDS = {Kind.LAT: (-90.0, 90.0), Kind.LON: (-180.0, 180.0)}
#: The longest list of choices a drop-down's rule may hold (Excel's limit).
_LONGEST_LIST = 255


def need_in_english(required: bool) -> str:
    """Whether a column is required, as the command line and the API say it."""
    return "required" if required else "optional"


def template_xlsx(
    schema: EntitySchema,
    told: Callable[[str | Say], str] = str,
    need: Callable[[bool], str] = need_in_english,
) -> bytes:
    """The workbook of ``schema``'s file, empty but for its header. ``told`` says a
    column's help, ``need`` "required" or "optional", in the reader's language (by default
    English, as the command line and the API write them)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = schema.entity[:31]
    for index, column in enumerate(schema.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.name)
        cell.font = Font(bold=column.required)
        help_text = told(column.help) if column.help else ""
        cell.comment = Comment(f"{need(column.required)}: {help_text}".rstrip(": "), "Doorstep")
        width = max(12, len(column.name) + 4)
        sheet.column_dimensions[letter].width = width
        if column.kind not in _NUMBERS:
            sheet.column_dimensions[letter].number_format = "@"
        rule = _rule(column)
        if rule is not None:
            rule.add(f"{letter}2:{letter}{XLSX_MAX_ROWS}")  # every row but the header
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rule(column: Column) -> DataValidation | None:
    """What a spreadsheet checks a column's cell against as it is typed, if anything: a
    choice among the column's, a number within its bounds, or a day from the first a record
    may hold. An empty cell passes. A yes-or-no column offers true and false, but takes what
    the import takes (yes, 1...)."""
    if column.kind is Kind.BOOL:
        return DataValidation(type="list", formula1='"true,false"', showErrorMessage=False)
    listed = ",".join(column.choices)
    if column.choices and len(listed) + 2 <= _LONGEST_LIST:
        return _checked(type="list", formula1=f'"{listed}"')
    if column.kind is Kind.DATE:
        # A day before the first a record may hold is a year typed short: refused as typed,
        # as the import refuses it.
        first = f"DATE({FIRST_DAY.year},{FIRST_DAY.month},{FIRST_DAY.day})"
        return _checked(type="date", operator="greaterThanOrEqual", formula1=first)
    if column.kind not in _BOUNDS and column.kind not in (Kind.INT, Kind.FLOAT):
        return None
    low, high = column.minimum, column.maximum
    if low is None and high is None:
        low, high = _BOUNDS.get(column.kind, (None, None))
    kind = "whole" if column.kind is Kind.INT else "decimal"
    if low is not None and high is not None:
        return _checked(
            type=kind, operator="between", formula1=_number(low), formula2=_number(high)
        )
    if low is not None:
        return _checked(type=kind, operator="greaterThanOrEqual", formula1=_number(low))
    if high is not None:
        return _checked(type=kind, operator="lessThanOrEqual", formula1=_number(high))
    return None


def _checked(**rule: str) -> DataValidation:
    """A rule the spreadsheet holds a typed cell to, with its own message in its language."""
    return DataValidation(**rule, allow_blank=True, showErrorMessage=True)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
