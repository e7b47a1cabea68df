"""The rows of visits, referrals, exclusions, leave and blackouts that the database refuses,
two leads for one team, and an import's notes on visitors who cannot keep their households,
on excluded pairs and on visits made during leave carry their sentence as a
:class:`~doorstep.say.Say`, so the import page says them in its language; their English is
still, byte for byte, what `doorstep import`, the API and the errors file wrote (each line
below is the line the code before the change wrote for the same file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.say import Said
from tests.factories.bad_rows import NOTED, REFUSED, TODAY
from tests.factories.db import run_import
from tests.factories.visits import plan_three
from tests.services.importing.test_reasons_said import _refused, _said

#: Each file refused: its headline and its lines, as they always were.
REFUSED_SAID: dict[str, tuple[str, list[str]]] = {
    "visits": (
        "visits.csv: 4 errors; nothing was imported",
        [
            "row 2, column household_id (value 'H9'): unknown household",
            "row 3, column visitor_id (value 'V9'): unknown visitor",
            (
                "row 5, column start (value '2027-02-09'): shares a day with the visit on row 4 "
                "of the same visitor: a visitor makes one visit at a time"
            ),
            (
                "row 6, column visitor_id: the household is not paired with this visitor on "
                "every day of the visit"
            ),
        ],
    ),
    "referrals": (
        "referrals.csv: 7 errors; nothing was imported",
        [
            (
                "row 2, column household_id (value 'H9'): unknown household; import the "
                "households first"
            ),
            ("row 3, column visitor_id (value 'V9'): unknown visitor; import the visitors first"),
            (
                "row 4, column made_on (value '2027-03-05'): is after today (2027-03-01): "
                "record a referral on the day it is made"
            ),
            "row 5, column status_on: is empty: give the day the referral became accepted",
            (
                "row 6, column status_on (value '2027-02-02'): an open referral's day is the "
                "day it was made (made_on)"
            ),
            (
                "row 7, column status_on (value '2027-01-30'): is before the referral was made "
                "(2027-02-01)"
            ),
            (
                "row 8, column referral (value '7'): is not the number of a referral of this "
                "household to this organisation for this service on this day; leave it empty "
                "for a new referral"
            ),
        ],
    ),
    "exclusions": (
        "exclusions.csv: 2 errors; nothing was imported",
        [
            (
                "row 2, column household_id (value 'H9'): unknown household; import the "
                "households first"
            ),
            ("row 3, column visitor_id (value 'V9'): unknown visitor; import the visitors first"),
        ],
    ),
    "leave": (
        "leave.csv: 1 error; nothing was imported",
        [
            (
                "row 3, column starts_on (value '2027-04-05'): overlaps row 2 (leave of the "
                "same visitor, 2027-04-01 to 2027-04-10); merge the two into one row"
            ),
        ],
    ),
    "leave stored": (
        "leave.csv: 1 error; nothing was imported",
        [
            (
                "row 2, column starts_on (value '2027-05-05'): overlaps the leave stored for "
                "this visitor from 2027-05-01 to 2027-05-10; to change that period, give its "
                "starts_on, or import with --replace to make the file the whole of this "
                "visitor's periods from today on"
            ),
        ],
    ),
    "blackouts": (
        "blackouts.csv: 1 error; nothing was imported",
        [
            (
                "row 3, column starts_on (value '2027-04-05'): overlaps row 2 (a blackout "
                "period of the same household, 2027-04-01 to 2027-04-10); merge the two into "
                "one row"
            ),
        ],
    ),
    "a past blackout": (
        "blackouts.csv: 1 error; nothing was imported",
        [
            (
                "row 2, column starts_on (value '2027-02-05'): overlaps the blackout period "
                "stored for this household from 2027-02-01 to 2027-02-10 (it ended before "
                "today: --replace keeps it); to change that period, give its starts_on"
            ),
        ],
    ),
    "team leads": (
        "leads.csv: 2 errors; nothing was imported",
        [
            (
                "row 2, column is_team_lead: team T1 would have 2 leads (rows 2, 3); a team has "
                "one lead: set is_team_lead to false for all but one"
            ),
            (
                "row 3, column is_team_lead: team T1 would have 2 leads (rows 2, 3); a team has "
                "one lead: set is_team_lead to false for all but one"
            ),
        ],
    ),
}
#: Each file imported with notes: the notes, as they always were.
NOTES: dict[str, list[str]] = {
    "unkept households": [
        (
            "1 visitor now holds households they cannot keep: V1 has 3 households for 1 place; "
            "pair --area AREA --new-only, then pair commit and plan --area, hands them over."
        ),
    ],
    "an excluded pair": [
        (
            "1 excluded pair is paired now (H0 with V1): each pairing stays until the next "
            "`doorstep pair --area` for its area (R-C-V1) is committed, which ends it; until "
            "then `doorstep plan` plans no visits for it."
        ),
        (
            "1 planned visit of excluded pairs cancelled (V1 to H0 on 2027-04-03): the "
            "visitors' next calendars send them as cancelled."
        ),
    ],
    "a visit during leave": [
        (
            "1 visit made during the visitor's recorded leave (row 2); for row 2: V1 is on "
            "leave from 2027-02-06 to 2027-02-09 by the records: if they worked those days, "
            "correct the leave (export leave, edit it, import leave --replace)."
        ),
    ],
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_rows_the_database_refuses_are_refused_in_the_words_they_always_had(
    with_areas: Engine, tmp_path: Path, name: str
) -> None:
    plan_three(with_areas, tmp_path)
    sent = REFUSED[name](with_areas, tmp_path)
    refused = _refused(with_areas, sent.entity, sent.path, today=TODAY, replace=sent.replace)
    headline, lines = REFUSED_SAID[name]
    assert refused.headline() == headline
    assert _said(refused.errors) == lines


@pytest.mark.parametrize("name", list(NOTED))
def test_an_import_s_notes_keep_their_say_and_read_as_they_always_did(
    with_areas: Engine, tmp_path: Path, name: str
) -> None:
    plan_three(with_areas, tmp_path)
    sent = NOTED[name](with_areas, tmp_path)
    notes = run_import(with_areas, sent.entity, sent.path, today=TODAY).notes
    assert list(notes) == NOTES[name]
    assert all(isinstance(n, Said) and n.says.english() == n for n in notes)
