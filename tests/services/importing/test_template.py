"""Each import file's empty spreadsheet: its header is the file's columns, in their order,
each with its note; a column of choices offers them, and a number is held to its bounds
(filled in, it imports: ``tests/web/test_import_pages``), and a day to the first a record
may hold."""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from doorstep.say import Say
from doorstep.services.importing import IMPORTS
from doorstep.services.importing.columns import Kind
from doorstep.services.importing.template import template_xlsx


def _told(text: str | Say) -> str:
    return text.english() if isinstance(text, Say) else text


def _need(required: bool) -> str:
    return "required" if required else "optional"


@pytest.mark.parametrize("entity", list(IMPORTS))
def test_each_file_s_template_holds_its_columns_notes_and_checks(entity: str) -> None:
    schema = IMPORTS[entity]
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx(schema, _told, _need))).worksheets[0]
    assert [c.value for c in sheet[1]] == list(schema.names)
    assert sheet.max_row == 1 and sheet.freeze_panes == "A2"
    rules = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    for index, column in enumerate(schema.columns, start=1):
        letter = get_column_letter(index)
        note = sheet[f"{letter}1"].comment.text
        assert note.startswith(_need(column.required)), (entity, column.name)
        assert _told(column.help) in note
        is_text = sheet.column_dimensions[letter].number_format == "@"
        assert is_text == (column.kind not in (Kind.INT, Kind.FLOAT, Kind.LAT, Kind.LON, Kind.DATE))
        rule = rules.get(f"{letter}2")
        if column.choices:
            assert rule is not None and rule.type == "list", (entity, column.name)
            assert rule.formula1 == '"' + ",".join(column.choices) + '"'
        elif column.kind in (Kind.LAT, Kind.LON) or (
            column.kind in (Kind.INT, Kind.FLOAT)
            and (column.minimum is not None or column.maximum is not None)
        ):
            assert rule is not None and rule.type in ("whole", "decimal"), (entity, column.name)
        elif column.kind is Kind.DATE:
            assert rule is not None, (entity, column.name)
            assert (rule.type, rule.operator) == ("date", "greaterThanOrEqual")
            assert rule.formula1 == "DATE(1900,1,1)"
        elif column.kind is not Kind.BOOL:
            assert rule is None, (entity, column.name)
