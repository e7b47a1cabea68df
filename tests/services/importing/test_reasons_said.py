"""An import's refusals and notes carry their sentence as a template and values
(:class:`doorstep.say.Say`), so the import page can say them in its language; their English
is that template rendered in English, and still the very text `doorstep import`, the API and
the errors file have always written (each expected line below is the line as it was)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.domain.ids import RESERVED_REASON
from doorstep.errors import InvalidInput
from doorstep.say import Said, Say
from doorstep.services.importing import ImportRejected, import_file
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.scope import AreaScope
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

TODAY = dt.date(2026, 6, 1)
LONG = "x" * 201


def _refused(
    engine: Engine,
    entity: str,
    path: Path,
    scope: AreaScope | None = None,
    *,
    today: dt.date = TODAY,
    replace: bool = False,
) -> Any:
    with pytest.raises(ImportRejected) as caught, unit_of_work(engine) as s:
        import_file(s, entity, path, actor="test", today=today, scope=scope, replace_future=replace)
    return caught.value


def _said(errors: list[RowError]) -> list[str]:
    """Each error's line, once it is checked to be its Say rendered in English."""
    for e in errors:
        assert e.says is not None, f"said in English only: {e}"
        assert e.says.english() == e.reason
    return [str(e) for e in errors]


def test_a_households_file_s_cells_are_refused_in_the_words_they_always_had(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [
        household(household_id="H2", members="x"),
        household(household_id="H3", members=2.5),
        household(household_id="H4", lat=95),
        household(household_id="H5", lon=200),
        household(household_id="H6", consent="maybe"),
        household(household_id="H7", consent_date="2026-1-20"),
        household(household_id="H8", consent_date="soon"),
        household(household_id="H9", area_code="NOPE"),
        household(household_id="H10", languages="zh;xx"),
        household(household_id="H11", head_name=" "),
        household(household_id="erased household"),
        household(household_id="H2"),
        household(household_id="H14", consent_date="2026-06-02"),
        household(household_id="H15", members=0),
        household(household_id="H16", head_name=LONG),
        household(household_id="H17", lat=107.98, lon=26.58),
        household(household_id="H18", consent="", consent_date="2026-01-02"),
        household(household_id="H19", members=1e12),
    ]
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    refused = _refused(with_areas, "households", path)
    assert _said(refused.errors) == [
        "row 2, column members (value 'x'): not a number",
        "row 3, column members (value '2.5'): must be a whole number",
        "row 4, column lat (value '95'): latitude must be between -90 and 90",
        "row 5, column lon (value '200'): longitude must be between -180 and 180",
        "row 6, column consent (value 'maybe'): must be one of: pending, given, withdrawn",
        "row 7, column consent_date (value '2026-1-20'): not a date in the form YYYY-MM-DD: "
        "give the month and the day two digits each",
        "row 8, column consent_date (value 'soon'): not a date; use YYYY-MM-DD",
        "row 9, column area_code (value 'NOPE'): unknown area code; import the areas first",
        "row 10, column languages (value 'zh;xx'): unknown language code(s): xx; use ISO 639 "
        "codes such as zh or hmn",
        "row 11, column head_name (value ' '): required value is missing",
        f"row 12, column household_id (value 'erased household'): {RESERVED_REASON}",
        "row 13, column household_id (value 'H2'): duplicate household_id in the file; first "
        "in row 2",
        "row 14, column consent_date (value '2026-06-02'): is after today (2026-06-01): record "
        "a consent act on or after the day it is made",
        "row 15, column members (value '0'): must be at least 1",
        f"row 16, column head_name (value {LONG[:60] + '…'!r} [201 characters]): too long: "
        "201 characters, at most 200",
        "row 17, column lat (value '107.98'): latitude must be between -90 and 90; latitude "
        "and longitude look swapped",
        "row 18, column consent_date (value '2026-01-02'): a consent date needs its consent "
        "(given, pending or withdrawn) in the same row; to keep the stored consent, leave "
        "both empty",
        "row 19, column members (value '1000000000000.0'): must be a whole number at most "
        "2147483647",
    ]
    assert refused.headline() == "h.csv: 18 errors; nothing was imported"
    assert refused.said_headline().english() == refused.headline()


def test_a_file_s_header_is_refused_in_the_words_it_always_had(
    with_areas: Engine, tmp_path: Path
) -> None:
    header = ["household_id", "head_name", "Members", "nickname", "", "address"]
    path = write_csv(tmp_path / "h.csv", header, [["H1", "Wang", "4", "W", "c", "a"]])
    assert _said(_refused(with_areas, "households", path).errors) == [
        "row 1: column 5 has no name but holds values; name it or delete it",
        "row 1, column Members: unknown column; column names are lower case: members",
        "row 1, column area_code: required column is missing",
        "row 1, column languages: required column is missing",
        "row 1, column lat: required column is missing",
        "row 1, column lon: required column is missing",
        "row 1, column members: required column is missing",
        "row 1, column nickname: unknown column; the columns are: household_id, head_name, "
        "address, area_code, lat, lon, members, languages, consent, consent_date, "
        "remote_pool, preferred_weekdays",
    ]
    twice = write_csv(tmp_path / "t.csv", ["household_id", "address", "address"], [["H", "a", "b"]])
    assert _said(_refused(with_areas, "households", twice).errors) == [
        "row 1, column address: the column appears twice"
    ]
    one = write_csv(tmp_path / "one.csv", ["household_id"], [])
    refused = _refused(with_areas, "households", one)
    assert (
        refused.headline()
        == "one.csv: the file has a header but no data rows; nothing was imported"
    )
    assert refused.said_headline().english() == refused.headline()
    assert _said(refused.errors) == ["file: the file has a header but no data rows"]


def test_an_area_s_account_is_refused_another_area_s_rows_in_the_words_it_always_had(
    with_areas: Engine, tmp_path: Path
) -> None:
    with with_areas.connect() as conn:
        where = conn.execute(text("SELECT path FROM areas WHERE code = 'R-C-V1'")).scalar_one()
    scope = AreaScope("v1-coord", "R-C-V1", str(where))
    rows = [household(household_id="H1", area_code="R-C-V2")]
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    assert _said(_refused(with_areas, "households", path, scope).errors) == [
        "row 2, column area_code (value 'R-C-V2'): is an area outside area R-C-V1, the one "
        "account v1-coord imports for"
    ]
    visitors = write_csv(
        tmp_path / "v.csv", list(visitor()), [visitor(visitor_id="V7", home_area_code="")]
    )
    assert _said(_refused(with_areas, "visitors", visitors, scope).errors) == [
        "row 2, column home_area_code: is empty: a visitor imported for area R-C-V1, the one "
        "account v1-coord imports for, lives in it; give their home area"
    ]


def test_an_import_s_notes_keep_their_say_and_read_as_they_always_did(
    with_areas: Engine, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", HOUSEHOLD_HEADER, [household(consent_date="2026-01-02")])
    run_import(with_areas, "households", first, today=TODAY)
    again = write_csv(tmp_path / "b.csv", HOUSEHOLD_HEADER, [household(consent_date="2026-01-05")])
    notes = run_import(with_areas, "households", again, today=TODAY).notes
    assert notes == (
        "1 household with the same consent and another consent_date: its current consent "
        "act was re-dated, as a correction.",
    )
    assert all(isinstance(n, Said) and n.says.english() == n for n in notes)


def test_who_took_part_is_refused_in_the_words_it_always_had(
    with_areas: Engine, tmp_path: Path
) -> None:
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["S1", "Trust", "sponsor"]])
    run_import(with_areas, "organisations", orgs)
    hh = [household(household_id="H1"), household(household_id="H3", consent="pending")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    camp = ["CAMP", "summer_camp", "Camp", "R-C-V1", "S1", "2026-05-01", "2026-05-10"]
    header = ["code", "kind", "title", "area_code", "organisation_code", "starts_on", "ends_on"]
    run_import(with_areas, "activities", write_csv(tmp_path / "a.csv", header, [camp]), today=TODAY)
    rows = [
        ["NOPE", "H1", ""],
        ["CAMP", "H1", "V1"],
        ["CAMP", "", ""],
        ["CAMP", "H9", ""],
        ["CAMP", "H3", ""],
        ["CAMP", "", "V9"],
        ["CAMP", "H1", ""],
        ["CAMP", "H1", ""],
    ]
    path = write_csv(tmp_path / "t.csv", ["activity_code", "household_id", "visitor_id"], rows)
    assert _said(_refused(with_areas, "attendance", path).errors) == [
        "row 2, column activity_code (value 'NOPE'): unknown activity; import the activities first",
        "row 3, column household_id (value 'H1'): a row names one person: give a household_id "
        "or a visitor_id, not both",
        "row 3, column visitor_id (value 'V1'): unknown visitor; import the visitors first",
        "row 4, column household_id: give the household_id or the visitor_id of who took part",
        "row 5, column household_id (value 'H9'): unknown household; import the households first",
        "row 6, column household_id (value 'H3'): the household's consent was not given on the "
        "activity's first day (2026-05-01): it cannot be added (rows stored before a "
        "withdrawal stay until it is erased)",
        "row 7, column visitor_id (value 'V9'): unknown visitor; import the visitors first",
        "row 8, column household_id (value 'H1'): duplicate activity_code and household_id in "
        "the file; first in row 3",
        "row 9, column household_id (value 'H1'): duplicate activity_code and household_id in "
        "the file; first in row 3",
    ]


def _looked_up(says: Say | None) -> list[str]:
    """The templates a page's catalogue is asked for, to say ``says`` in its language."""
    looked: list[str] = []
    assert says is not None
    says.render(lambda template: looked.append(template) or template, str)
    return looked


def test_the_columns_a_refusal_names_together_are_joined_in_words_a_page_translates(
    with_areas: Engine, tmp_path: Path
) -> None:
    """Two columns a duplicate row repeats, and the files ``--replace`` is for, are joined
    by a part of the sentence a page looks up ("and"), not by English written into its
    values; the English reads as it always did."""
    vv = write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor(visitor_id="V1")])
    run_import(with_areas, "visitors", vv)
    twice = [["V1", "2026-07-01", "2026-07-03"], ["V1", "2026-07-01", "2026-07-02"]]
    leave = write_csv(tmp_path / "l.csv", ["visitor_id", "starts_on", "ends_on"], twice)
    [duplicate] = _refused(with_areas, "leave", leave).errors
    assert duplicate.reason == "duplicate visitor_id and starts_on in the file; first in row 2"
    assert "%(first)s and %(rest)s" in _looked_up(duplicate.says)
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["S1", "Trust", "sponsor"]])
    run_import(with_areas, "organisations", orgs)
    hh = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H1")])
    run_import(with_areas, "households", hh)
    camp = ["CAMP", "summer_camp", "Camp", "R-C-V1", "S1", "2026-05-01", "2026-05-10"]
    header = ["code", "kind", "title", "area_code", "organisation_code", "starts_on", "ends_on"]
    run_import(with_areas, "activities", write_csv(tmp_path / "a.csv", header, [camp]), today=TODAY)
    rows = [["CAMP", "H1", ""], ["CAMP", "H1", ""]]
    path = write_csv(tmp_path / "t.csv", ["activity_code", "household_id", "visitor_id"], rows)
    [again] = _refused(with_areas, "attendance", path).errors
    assert again.reason == "duplicate activity_code and household_id in the file; first in row 2"
    assert "%(first)s and %(rest)s" in _looked_up(again.says)
    with pytest.raises(InvalidInput) as replaced, unit_of_work(with_areas) as s:
        import_file(s, "households", hh, actor="test", today=TODAY, replace_future=True)
    assert replaced.value.message == "--replace is for leave and blackouts, not households"
    assert "%(first)s and %(rest)s" in _looked_up(replaced.value.says)
