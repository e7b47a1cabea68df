"""A household has no more members in paid work than members: an indicators row above its
household's members, and a households row below a year's members in work, are refused
with the row, the column and why, and the import writes nothing, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.storage.repositories import household_sizes as sizes_repo
from tests.factories.db import rejected, run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.outcomes import INDICATOR_HEADER


def _households(engine: Engine, tmp_path: Path, **members: int) -> None:
    rows = [household(household_id=h, members=m) for h, m in members.items()]
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))


def _work(engine: Engine) -> list[tuple[str, int, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, i.year, i.members_in_work FROM household_indicators i "
                "JOIN households h ON h.id = i.household_id ORDER BY h.external_id, i.year"
            )
        ).all()
    return [(h, y, w) for h, y, w in rows]


def test_more_members_in_work_than_members_is_refused_and_as_many_is_taken(
    with_areas: Engine, tmp_path: Path
) -> None:
    _households(with_areas, tmp_path, H1=4, H2=2)
    rows = [
        ["H1", 2025, 12_000, 4, ""],  # all four in work: taken
        ["H2", 2025, 9_000, 3, ""],  # three of two
        ["H2", 2024, 8_000, "", ""],  # said nothing of work
    ]
    path = write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows)
    assert rejected(with_areas, "indicators", path) == [
        "row 3, column members_in_work (value '3'): is more than the household's 2 members: "
        "no more members can be in paid work than the household has; correct the row, or "
        "first the household's members (import households)"
    ]
    assert _work(with_areas) == []
    rows[1][3] = 2
    run_import(with_areas, "indicators", write_csv(path, INDICATOR_HEADER, rows))
    assert _work(with_areas) == [("H1", 2025, 4), ("H2", 2024, None), ("H2", 2025, 2)]


def test_a_households_import_cannot_leave_fewer_members_than_a_year_s_members_in_work(
    with_areas: Engine, tmp_path: Path
) -> None:
    _households(with_areas, tmp_path, H1=5, H2=3)
    rows = [["H1", 2024, "", 4, ""], ["H1", 2025, "", 2, ""], ["H2", 2025, "", 3, ""]]
    run_import(with_areas, "indicators", write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows))
    lowered = [household(household_id="H1", members=3), household(household_id="H2", members=3)]
    path = write_csv(tmp_path / "h2.csv", HOUSEHOLD_HEADER, lowered)
    assert rejected(with_areas, "households", path) == [
        "row 2, column members (value '3'): is fewer than the 4 members in paid work its "
        "outcomes of 2024 hold: correct members_in_work of that year first (import "
        "indicators), or keep its members"
    ]
    # Once that year says three, the household of three is taken.
    fixed = write_csv(tmp_path / "i2.csv", INDICATOR_HEADER, [["H1", 2024, "", 3, ""]])
    run_import(with_areas, "indicators", fixed)
    run_import(with_areas, "households", path)
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT members FROM households ORDER BY id")).scalars().all() == [
            3,
            3,
        ]


def test_a_file_refused_for_another_row_names_the_size_too(
    with_areas: Engine, tmp_path: Path
) -> None:
    _households(with_areas, tmp_path, H1=1)
    rows = [["H1", 2025, "", 2, ""], ["H9", 2025, "", 1, ""], ["H1", 2024, "x", 1, ""]]
    path = write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows)
    errors = rejected(with_areas, "indicators", path)
    assert len(errors) == 3
    assert errors[0].startswith("row 2, column members_in_work (value '2'): is more than the ")


def test_the_errors_file_of_a_refused_size_quotes_no_stored_member_count(
    with_areas: Engine, tmp_path: Path
) -> None:
    _households(with_areas, tmp_path, H1=17)
    path = write_csv(tmp_path / "i.csv", INDICATOR_HEADER, [["H1", 2025, "", 18, ""]])
    rejected(with_areas, "indicators", path)
    (written,) = tmp_path.glob("i*errors*")
    said = written.read_text(encoding="utf-8")
    assert "more than the household's members: no more" in said and "17" not in said


@pytest.mark.parametrize("among_at_most", [0, 1, 50_000])
def test_a_file_naming_more_households_than_are_read_alone_is_checked_the_same(
    with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, among_at_most: int
) -> None:
    # Past AMONG_AT_MOST households the checks read every candidate, not the file's alone.
    monkeypatch.setattr(sizes_repo, "AMONG_AT_MOST", among_at_most)
    _households(with_areas, tmp_path, H1=2, H2=3, H3=1)
    rows = [["H1", 2025, "", 3, ""], ["H2", 2025, "", 3, ""]]
    path = write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows)
    assert [e.split(":")[0] for e in rejected(with_areas, "indicators", path)] == [
        "row 2, column members_in_work (value '3')"
    ]
    rows[0][3] = 2
    run_import(with_areas, "indicators", write_csv(path, INDICATOR_HEADER, rows))
    lowered = [household(household_id="H1", members=1), household(household_id="H2", members=2)]
    path = write_csv(tmp_path / "h2.csv", HOUSEHOLD_HEADER, lowered)
    assert [e.split(":")[0] for e in rejected(with_areas, "households", path)] == [
        "row 2, column members (value '1')",
        "row 3, column members (value '2')",
    ]
