"""Exports are safe to open in a spreadsheet and read back by import."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.errors import InvalidInput
from doorstep.services.exporting import export_entity
from doorstep.services.importing.reader import read_table
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    area_rows,
    household,
    visitor,
    write_csv,
)


def written(path: Path) -> pl.DataFrame:
    """The cells of an exported file as a spreadsheet shows them (no unescaping)."""
    if path.suffix == ".csv":
        return pl.read_csv(path, infer_schema=False)
    return pl.read_excel(path, engine="calamine", infer_schema_length=0)


def export(engine: Engine, entity: str, path: Path) -> int:
    with unit_of_work(engine) as s:
        pending = export_entity(s, entity, path, actor="test")
    return pending.write()


def test_cells_that_would_run_as_formulas_are_neutralised(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
    rows = [
        household(household_id="H1", head_name='=HYPERLINK("http://x")'),
        household(household_id="H2", head_name="+1", address="-2", lon=-73.5, lat=-10),
        household(household_id="H3", head_name="@SUM(A1)"),
        household(household_id="H4", head_name="Plain"),
    ]
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"out{suffix}"
        assert export(engine, "households", out) == 4
        back = written(out)
        assert back["head_name"].to_list() == [
            '\'=HYPERLINK("http://x")',
            "'+1",
            "'@SUM(A1)",
            "Plain",
        ]
        assert back["address"].to_list()[1] == "'-2"
        assert float(back["lon"].to_list()[1]) == -73.5


# Values a spreadsheet would run, values that look escaped already, and one that does not.
TRICKY = ["=1+1", "+86", "-7", "@SUM(A1)", "'=B", "''C", "'plain", "'"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_ids_codes_and_names_that_look_like_formulas_survive_export_and_import_exactly(
    engine: Engine, tmp_path: Path, suffix: str
) -> None:
    areas = [{"code": "R", "name": "=Root", "parent_code": "", "level": "region"}]
    for i, value in enumerate(TRICKY):
        parent = areas[-1]["code"]
        areas.append({"code": value, "name": value, "parent_code": parent, "level": f"l{i}"})
    # Parquet is read as it is (it is not for spreadsheets), so the values go in unchanged.
    pl.DataFrame(areas).write_parquet(tmp_path / "a.parquet")
    run_import(engine, "areas", tmp_path / "a.parquet")
    homes = [household(household_id=v, head_name=v, address=v, area_code=v) for v in TRICKY]
    pl.DataFrame(homes).write_parquet(tmp_path / "h.parquet")
    run_import(engine, "households", tmp_path / "h.parquet")
    before = stored(engine)
    for entity, count in (("areas", len(areas)), ("households", len(homes))):
        out = tmp_path / f"{entity}{suffix}"
        assert export(engine, entity, out) == count
        cells = written(out)
        assert not any(
            v.startswith(("=", "+", "-", "@"))
            for c in cells.columns
            if cells.schema[c] == pl.String
            for v in cells[c].drop_nulls()
        )
        summary = run_import(engine, entity, out)
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, count)
    assert stored(engine) == before
    assert [code for code, *_ in before[: len(areas)]] == ["R", *TRICKY]


def stored(engine: Engine) -> list[tuple[object, ...]]:
    """The text an export and import could change, of every area and household."""
    with engine.connect() as conn:
        areas = conn.execute(
            text(
                "SELECT a.code, a.name, p.code, a.path FROM areas a "
                "LEFT JOIN areas p ON p.id = a.parent_id ORDER BY a.depth"
            )
        ).all()
        homes = conn.execute(
            text(
                "SELECT h.external_id, h.head_name, h.address, a.code FROM households h "
                "JOIN areas a ON a.id = h.area_id ORDER BY h.id"
            )
        ).all()
    return [tuple(r) for r in [*areas, *homes]]


def test_the_consent_date_exported_is_that_of_the_act_in_force(
    with_areas: Engine, tmp_path: Path
) -> None:
    def exported_consent() -> list[object]:
        out = tmp_path / "out.csv"
        export(with_areas, "households", out)
        return list(read_table(out).select("consent", "consent_date").row(0))

    given = household(consent="given", consent_date="2024-01-01")
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [given]))
    assert exported_consent() == ["given", "2024-01-01"]
    withdrawn = household(consent="withdrawn", consent_date="2025-06-01")
    run_import(
        with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [withdrawn])
    )
    assert exported_consent() == ["withdrawn", "2025-06-01"]


def test_control_characters_survive_an_xlsx_export_and_import_exactly(
    engine: Engine, tmp_path: Path
) -> None:
    names = [
        "a\x01b",
        "colour \x1b[31mred",
        "line\rend",
        "bell\x07",
        "looks escaped _x0001_",
        "lower _x00e9_",
        "tab\tand\nnewline",
        "_x0041_x0042_",  # two escape-like runs sharing an underscore
        "ab_x0020_x0020_cd",
    ]
    areas = [
        {"code": f"A{i}", "name": name, "parent_code": None, "level": "region"}
        for i, name in enumerate(names)
    ]
    pl.DataFrame(areas, schema=dict.fromkeys(AREA_HEADER, pl.String)).write_parquet(
        tmp_path / "a.parquet"
    )
    run_import(engine, "areas", tmp_path / "a.parquet")
    before = stored(engine)
    out = tmp_path / "areas.xlsx"
    assert export(engine, "areas", out) == len(names)
    summary = run_import(engine, "areas", out)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, len(names))
    assert stored(engine) == before
    assert [name for _, name, *_ in before] == names


def test_an_export_has_the_same_types_from_either_database(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [
        visitor(visitor_id="V1", active_from="2026-01-01", active_to="2027-06-30"),
        visitor(visitor_id="V2"),
    ]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows))
    run_import(
        with_areas,
        "organisations",
        write_csv(tmp_path / "o.csv", ["code", "name"], [["O1", "Bureau"]]),
    )
    export(with_areas, "visitors", tmp_path / "v.parquet")
    export(with_areas, "organisations", tmp_path / "o.parquet")
    v = pl.read_parquet(tmp_path / "v.parquet")
    o = pl.read_parquet(tmp_path / "o.parquet")
    assert v.schema["active_from"] == pl.Date and v.schema["is_team_lead"] == pl.Boolean
    assert v.schema["capacity"] == pl.Int64 and v.schema["lat"] == pl.Float64
    assert o.schema["staff_cap"] == pl.Float64  # no value at all, still a number column
    export(with_areas, "visitors", tmp_path / "v.csv")
    assert pl.read_csv(tmp_path / "v.csv", infer_schema=False)["is_team_lead"].to_list() == [
        "false",
        "false",
    ]


def test_an_export_that_cannot_write_its_file_records_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
    (tmp_path / "blocker").write_text("a file where a folder should be")
    with pytest.raises(InvalidInput, match="cannot write"):
        export(engine, "areas", tmp_path / "blocker" / "areas.csv")
    with engine.connect() as conn:
        exports = conn.execute(text("SELECT count(*) FROM audit_events WHERE action = 'export'"))
        assert exports.scalar_one() == 0


def test_an_export_about_people_names_each_one_for_their_own_export(
    with_areas: Engine, tmp_path: Path
) -> None:
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V2")]
    hh = [household(household_id=h) for h in ("H1", "H2", "H3")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    figures = [["H3", 2025, 100], ["H3", 2026, 200], ["H1", 2026, 300]]
    header = ["household_id", "year", "annual_income"]
    run_import(with_areas, "indicators", write_csv(tmp_path / "i.csv", header, figures))
    with with_areas.connect() as conn:
        last = conn.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
    for entity in ("areas", "households", "visitors", "indicators"):
        export(with_areas, entity, tmp_path / f"out_{entity}.csv")
    with with_areas.connect() as conn:
        events = [
            (r[0], r[1], r[2], r[3] if isinstance(r[3], dict) else json.loads(r[3]))
            for r in conn.execute(
                text(
                    "SELECT action, entity, entity_id, detail FROM audit_events "
                    "WHERE id > :last AND entity_id IS NOT NULL ORDER BY id"
                ),
                {"last": last},
            )
        ]

    def named(entity: str, ids: tuple[str, ...], export: str) -> list[tuple[object, ...]]:
        detail = {"file": f"out_{export}.csv", "export": export}
        return [("export", entity, i, detail) for i in ids]

    # Areas hold nobody's data; a household with two years of figures is named once.
    assert sorted(events, key=lambda e: (e[3]["export"], e[1], e[2])) == [
        *named("household", ("H1", "H2", "H3"), "households"),
        *named("household", ("H1", "H3"), "indicators"),
        *named("visitor", ("V1", "V2"), "visitors"),
    ]
