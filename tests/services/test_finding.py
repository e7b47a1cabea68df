"""Finding households by id, name or address: in any case, within an area or a visitor's
households, the exact id first, each one found a read in the trail, the text not kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import InvalidInput, NotFound
from doorstep.services.finding import Found, find_households
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.visits import START, plan_three

TODAY = START + dt.timedelta(days=1)


@pytest.fixture
def named(with_areas: Engine, tmp_path: Path) -> Engine:
    """``plan_three`` (H0-H2, "Wang Fang", with V1), and in R-C-V2: H10 "Émile Zola",
    H11 "Li 100%_Wang" at "No. 7 Élan Road", H12 "Wang Wei"."""
    plan_three(with_areas, tmp_path)
    rows = [
        household(household_id="H10", head_name="Émile Zola", area_code="R-C-V2"),
        household(
            household_id="H11",
            head_name="Li 100%_Wang",
            address="No. 7 Élan Road",
            area_code="R-C-V2",
        ),
        household(household_id="H12", head_name="Wang Wei", area_code="R-C-V2"),
    ]
    run_import(with_areas, "households", write_csv(tmp_path / "more.csv", HOUSEHOLD_HEADER, rows))
    return with_areas


def _find(engine: Engine, text: str, **scope: str | int) -> Found:
    with unit_of_work(engine) as s:
        return find_households(s, text, actor="coord", today=TODAY, **scope)  # type: ignore[arg-type]


def _ids(found: Found) -> list[str]:
    return [r["household"] for r in found.rows]


def test_households_are_found_by_id_name_or_address_in_any_case(named: Engine) -> None:
    assert _ids(_find(named, "wang")) == ["H0", "H1", "H11", "H12", "H2"]
    assert _ids(_find(named, "WANG WEI")) == ["H12"]
    assert _ids(_find(named, "h1")) == ["H1", "H10", "H11", "H12"]
    # The id asked for first.
    assert _ids(_find(named, "H12"))[0] == "H12"
    # Accented capitals as typed, and in the address; % and _ are letters here.
    assert _ids(_find(named, "Émile")) == ["H10"]
    # An accented capital in any case, on both databases (SQLite's LOWER folds ASCII only).
    assert _ids(_find(named, "élan")) == ["H11"]
    assert _ids(_find(named, "Élan")) == ["H11"]
    assert _ids(_find(named, "100%_")) == ["H11"]
    # As wildcards, "%" would find everyone, and "_wang" every Wang.
    assert _ids(_find(named, "%")) == ["H11"]
    assert _ids(_find(named, "_wang")) == ["H11"]
    assert _ids(_find(named, "no such one")) == []


def test_the_search_keeps_to_an_area_or_a_visitor_s_households_and_says_if_more(
    named: Engine,
) -> None:
    assert _ids(_find(named, "wang", area="R-C-V2")) == ["H11", "H12"]
    assert _ids(_find(named, "wang", visitor="V1")) == ["H0", "H1", "H2"]
    assert _ids(_find(named, "wang", visitor="V2")) == []
    first = _find(named, "wang", limit=2)
    assert (_ids(first), first.more) == (["H0", "H1"], True)
    assert _find(named, "wang", limit=5).more is False
    with pytest.raises(NotFound):
        _find(named, "wang", area="NOPE")
    for text, limit in (("  ", 10), ("wang", 0), ("wang", 501)):
        with pytest.raises(InvalidInput):
            _find(named, text, limit=limit)


def test_a_household_found_shows_its_consent_on_the_day(named: Engine) -> None:
    from doorstep.services import household_consent

    with unit_of_work(named) as s:
        household_consent.record_consent(
            s, "H12", "withdrawn", actor="t", evidence="a letter", on=TODAY, today=TODAY
        )
    with unit_of_work(named) as s:
        before = find_households(s, "H12", actor="t", today=TODAY - dt.timedelta(days=1))
        on_the_day = find_households(s, "H12", actor="t", today=TODAY)
    assert [r["consent"] for r in before.rows + on_the_day.rows] == ["given", "withdrawn"]


def test_each_household_found_is_read_and_the_text_is_not_kept(named: Engine) -> None:
    mark = last_event_id(named)
    _find(named, "Wang Wei", area="R-C-V2")
    events = trail(named, mark)
    assert events == [
        (
            "read",
            "households",
            None,
            {"search": True, "rows": 1, "area": "R-C-V2", "visitor": None},
        ),
        ("read", "household", "H12", {"found": "search"}),
    ]
    assert "Wang" not in str(events)


def test_visitors_are_found_by_id_or_name_where_they_live_and_not_once_erased(
    named: Engine,
) -> None:
    from doorstep.services import visitor_rights
    from doorstep.services.finding import find_visitors

    def found(text: str, **scope: str) -> list[str]:
        with unit_of_work(named) as s:
            got = find_visitors(s, text, actor="coord", **scope)  # type: ignore[arg-type]
        return [r["visitor"] for r in got.rows]

    assert found("li wei") == ["V1", "V2"]
    assert found("v2") == ["V2"]
    assert found("li", area="R-C-V1") == ["V1", "V2"]
    assert found("li", area="R-C-V2") == []
    mark = last_event_id(named)
    found("V1")
    assert [(a, e, i) for a, e, i, _ in trail(named, mark)] == [
        ("read", "visitors", None),
        ("read", "visitor", "V1"),
    ]
    with unit_of_work(named) as s:
        visitor_rights.erase_visitor(s, "V2", actor="t")
    assert found("v") == ["V1"]
