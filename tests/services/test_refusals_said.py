"""The refusals a visitor and a coordinator meet at the door (a visit made or missed, a
consent act, a referral made or moved on, the access checks on those paths) carry their
sentence as a template and values (:class:`doorstep.say.Say`), so a page can translate
it; their English message is that template rendered in English, and still the very text
the command line, the API and the audit trail have always written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from doorstep.errors import DoorstepError
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.services import household_consent, referrals, visit_records
from doorstep.services.visit_records import MadeVisit
from doorstep.storage.session import unit_of_work
from tests.factories.db import area_tree
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import first_planned, plan_three

TODAY = dt.date(2027, 3, 1)
WITHDRAWN = dt.date(2027, 2, 1)
V2 = Principal("v2", "visitor", None, None, "V2")


def _withdrawn_and_visited(engine: Engine, folder: Path) -> None:
    """:func:`plan_three`, H1's consent withdrawn and H0's first visit recorded."""
    plan_three(engine, folder)
    first, last = first_planned(engine, "H0")
    with unit_of_work(engine) as s:
        household_consent.record_consent(
            s, "H1", "withdrawn", actor="test", evidence="letter", on=WITHDRAWN, today=TODAY
        )
        visit_records.record_visit(s, MadeVisit("H0", "V1", first, last), actor="test", today=TODAY)


@pytest.fixture
def programme(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """H0-H2 paired with V1 and planned from 2027-01-04, V2 with nobody; H1 withdrew its
    consent on 2027-02-01; H0's first visit recorded (built once, ``prebuilt``)."""
    prebuilt(with_areas, tmp_path, _withdrawn_and_visited, over=area_tree)
    return with_areas


Refuse = Callable[[Session, tuple[dt.date, dt.date]], object]


def _visit(household: str, visitor: str, start: dt.date, end: dt.date | None = None) -> Refuse:
    def refuse(s: Session, _first: tuple[dt.date, dt.date]) -> None:
        made = MadeVisit(household, visitor, start, end)
        visit_records.record_visit(s, made, actor="test", today=TODAY)

    return refuse


def _again(s: Session, first: tuple[dt.date, dt.date]) -> None:
    visit_records.record_visit(s, MadeVisit("H0", "V1", *first), actor="test", today=TODAY)


def _not_paired(s: Session, first: tuple[dt.date, dt.date]) -> None:
    visit_records.record_visit(s, MadeVisit("H0", "V2", first[0]), actor="test", today=TODAY)


#: Each refusal, and its English exactly as it was written before it was a template
#: (``{first}``, ``{last}``: H0's first visit, recorded).
CASES: dict[str, tuple[Refuse, str]] = {
    "visit, not paired": (
        _not_paired,
        "cannot record the visit of V2 to H0 from {first}: the household is not paired with "
        "this visitor on every day of the visit",
    ),
    "visit, after today": (
        _visit("H2", "V1", dt.date(2027, 3, 2)),
        "cannot record the visit of V1 to H2 from 2027-03-02: is after today (2027-03-01): "
        "record a visit once it is made",
    ),
    "visit, ends before it starts": (
        _visit("H2", "V1", dt.date(2027, 2, 2), dt.date(2027, 2, 1)),
        "cannot record the visit of V1 to H2 from 2027-02-02: ends before it starts",
    ),
    "visit, no consent": (
        _visit("H1", "V1", dt.date(2027, 2, 15)),
        "cannot record the visit of V1 to H1 from 2027-02-15: the household's consent is not "
        "given on 2027-02-15 (withdrawn); a visit needs it",
    ),
    "visit, recorded already": (
        _again,
        "cannot record the visit of V1 to H0 from {first}: this visit is recorded already "
        "({first} to {last}, the visitor at this household): nothing to record again",
    ),
    "visit, unknown visitor": (
        _visit("H0", "V9", dt.date(2027, 2, 1)),
        "no visitor with id 'V9'",
    ),
    "visit, unknown household": (
        _visit("H9", "V1", dt.date(2027, 2, 1)),
        "no household with id 'H9'",
    ),
    "missed, none planned": (
        lambda s, _: visit_records.mark_missed(
            s, "H2", "V1", dt.date(2027, 1, 1), actor="test", today=TODAY
        ),
        "no planned visit of H2 by V1 starts on 2027-01-01",
    ),
    "missed, made": (
        lambda s, first: visit_records.mark_missed(
            s, "H0", "V1", first[0], actor="test", today=TODAY
        ),
        "the visit of H0 by V1 from {first} was recorded as made (on {days}): a visit made "
        "is not marked missed",
    ),
    "consent, already": (
        lambda s, _: household_consent.record_consent(
            s, "H1", "withdrawn", actor="test", evidence="call", today=TODAY
        ),
        "household H1's consent is withdrawn already since 2027-02-01",
    ),
    "consent, before the act in force": (
        lambda s, _: household_consent.record_consent(
            s, "H1", "given", actor="test", evidence="call", on=dt.date(2027, 1, 20), today=TODAY
        ),
        "the act is dated 2027-01-20, before the act in force (withdrawn since 2027-02-01); "
        "an earlier act is filed in the household's history by `doorstep import households`",
    ),
    "consent, after today": (
        lambda s, _: household_consent.record_consent(
            s, "H1", "given", actor="test", evidence="call", on=dt.date(2027, 3, 9), today=TODAY
        ),
        "the act is dated 2027-03-09, after today (2027-03-01): record it once made",
    ),
    "consent, no evidence": (
        lambda s, _: household_consent.record_consent(
            s, "H1", "given", actor="test", evidence=" ", today=TODAY
        ),
        "say what the act rests on (a signed form, a call, a letter) in 1 to 500 characters",
    ),
    "referral, no consent": (
        lambda s, _: referrals.add_referral(
            s,
            "H1",
            organisation="JOBS",
            service="employment",
            made_on=TODAY,
            visitor="V1",
            actor="test",
            today=TODAY,
        ),
        "household H1's consent is withdrawn, not given: it cannot be referred",
    ),
    "referral, unknown organisation": (
        lambda s, _: referrals.add_referral(
            s,
            "H0",
            organisation="NOPE",
            service="employment",
            made_on=TODAY,
            visitor="V1",
            actor="test",
            today=TODAY,
        ),
        "no organisation with code 'NOPE' (`doorstep import organisations FILE` adds them)",
    ),
    "referral, after today": (
        lambda s, _: referrals.add_referral(
            s,
            "H0",
            organisation="NOPE",
            service="employment",
            made_on=dt.date(2027, 3, 2),
            visitor="V1",
            actor="test",
            today=TODAY,
        ),
        "the referral's day 2027-03-02 is after today (2027-03-01): record it on the day",
    ),
    "referral moved, unknown": (
        lambda s, _: referrals.move_status(s, 999, "accepted", on=TODAY, actor="test", today=TODAY),
        "no referral number 999 (`doorstep referral list` shows them)",
    ),
    "access, another visitor's visit": (
        lambda s, _: access.check_visit(s.connection(), V2, "H0", "V1"),
        "account v2 records the visits of visitor V2 only",
    ),
    "access, another visitor's household's consent": (
        lambda s, _: access.check_consent(s.connection(), V2, "H0", TODAY),
        "account v2 records the consent of visitor V2's households only, and H0 is not one "
        "of them today",
    ),
    "access, another visitor's household's referral": (
        lambda s, _: access.check_referral_household(s.connection(), V2, "H0", TODAY),
        "account v2 keeps the referrals of visitor V2's households only, and H0 is not one "
        "of them today",
    ),
    "access, another visitor's referral": (
        lambda s, _: access.referral_visitor(V2, "V1"),
        "account v2 records the referrals of visitor V2",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_refusal_s_english_is_its_template_rendered_in_english_as_it_always_read(
    programme: Engine, case: str
) -> None:
    refuse, english = CASES[case]
    first, last = first_planned_or_recorded(programme)
    days = str(first) if first == last else f"{first} to {last}"
    said = refused_said(programme, lambda s: refuse(s, (first, last)))
    assert said == english.format(first=first, last=last, days=days)


def refused_said(engine: Engine, refuse: Callable[[Session], object]) -> str:
    """The English message of the refusal ``refuse`` raises in a unit of work on ``engine``,
    once checked to be its :class:`~doorstep.say.Say` rendered in English (so a page can say
    it in its own language)."""
    with pytest.raises(DoorstepError) as raised, unit_of_work(engine) as s:
        refuse(s)
    error = raised.value
    assert error.says is not None, "raised as plain English: a page cannot translate it"
    assert error.message == error.says.english()
    return error.message


def first_planned_or_recorded(engine: Engine) -> tuple[dt.date, dt.date]:
    """H0's first visit's days (recorded by the fixture, so no longer planned)."""
    with engine.connect() as conn:
        a, z = conn.execute(
            text(
                "SELECT actual_start, COALESCE(actual_end, actual_start) FROM visits vi "
                "JOIN households h ON h.id = vi.household_id WHERE h.external_id = 'H0' "
                "AND vi.status = 'done'"
            )
        ).one()
    return dt.date.fromisoformat(str(a)[:10]), dt.date.fromisoformat(str(z)[:10])
