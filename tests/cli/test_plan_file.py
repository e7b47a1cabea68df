"""``doorstep plan`` in file mode, end to end on small CSV files."""

from __future__ import annotations

import csv
import itertools
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.engine.planning import public_holidays


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    visitors = write(
        tmp_path / "V.csv",
        ["visitor_id", "lat", "lon", "languages", "capacity", "organisation"],
        [[f"V{i}", 40.0, 116.0, "zh", 2, f"ORG{i % 2}"] for i in range(10)],
    )
    pairs = write(
        tmp_path / "pairs.csv",
        ["household_id", "visitor_id", "distance_m", "reason"],
        [[f"H{i}", f"V{i % 10}", 1000 + 997 * i % 29_000, ""] for i in range(18)]
        + [["H99", "", "", "no visitor in reach"]],
    )
    return pairs, visitors


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["plan", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_file_mode_writes_visits_and_ends_with_a_json_summary(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    pairs, visitors = files
    out = tmp_path / "visits.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--months", "12", "--country", "CN", "--staff-cap", "0.3", "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    assert list(summary)[:6] == [
        "pairings", "visits", "compliant_pairings", "infeasible", "max_gap_days", "seconds"
    ]  # fmt: skip
    assert summary["pairings"] == 18  # the unpaired household is skipped
    assert summary["compliant_pairings"] + summary["infeasible"] == 18
    assert summary["max_gap_days"] == 60
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["household_id", "visitor_id", "start", "end"]
    assert len(rows) == summary["visits"]
    holidays = public_holidays("CN", date(2027, 1, 1), date(2028, 1, 10))
    away: Counter[tuple[str, date]] = Counter()
    by_pair: dict[str, list[date]] = {}
    for r in rows:
        start, end = date.fromisoformat(r["start"]), date.fromisoformat(r["end"])
        assert end - start == timedelta(days=4)
        days = [start + timedelta(days=k) for k in range(5)]
        assert not holidays.intersection(days)
        org = f"ORG{int(r['visitor_id'][1:]) % 2}"
        away.update((org, d) for d in days)
        by_pair.setdefault(r["household_id"], []).append(start)
    assert max(away.values()) <= 1  # 30% of 5 staff, floored, is 1
    if summary["infeasible"] == 0:
        for starts in by_pair.values():
            points = [date(2027, 1, 1), *sorted(starts), date(2028, 1, 1)]
            assert max((b - a).days for a, b in itertools.pairwise(points)) <= 60


def test_ics_dir_gets_one_calendar_per_visitor(files: tuple[Path, Path], tmp_path: Path) -> None:
    pairs, visitors = files
    ics = tmp_path / "ics"
    out = tmp_path / "visits.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--months", "6", "--ics-dir", str(ics), "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, output
    with out.open() as f:
        per_visitor = Counter(r["visitor_id"] for r in csv.DictReader(f))
    assert {p.stem for p in ics.glob("*.ics")} == set(per_visitor)
    for path in ics.glob("*.ics"):
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        assert len([c for c in cal.walk() if c.name == "VEVENT"]) == per_visitor[path.stem]


def test_compliance_file_lists_each_unmet_pairing_with_its_reason(tmp_path: Path) -> None:
    visitors = write(tmp_path / "V.csv", ["visitor_id", "capacity"], [["V0", 13]])
    pairs = write(
        tmp_path / "pairs.csv",
        ["household_id", "visitor_id", "distance_m", "reason"],
        [[f"H{i}", "V0", 100, ""] for i in range(13)],
    )
    report = tmp_path / "unmet.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--months", "2", "--max-gap-days", "58", "--compliance", str(report), "-q",
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    with report.open() as f:
        unmet = list(csv.DictReader(f))
    assert len(unmet) == summary["infeasible"] >= 1
    assert {r["reason"] for r in unmet} == {"visitor_fully_booked"}


def test_a_pairing_with_an_unknown_visitor_is_refused_with_one_line(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    _, visitors = files
    pairs = write(
        tmp_path / "bad.csv", ["household_id", "visitor_id", "distance_m"], [["H1", "VX", 5]]
    )
    code, _ = run("--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01")
    assert code == 2


def test_missing_options_and_bad_dates_exit_with_usage_errors(files: tuple[Path, Path]) -> None:
    pairs, _ = files
    assert run("--pairings", str(pairs))[0] == 2
    assert run("--pairings", str(pairs), "--start", "2027-13-01")[0] == 2
    assert run("--pairings", str(pairs), "--start", "2027-01-01", "--stay-days", "90")[0] == 2


def test_household_coordinates_decide_the_rest_day_between_stays(tmp_path: Path) -> None:
    # Two households, one visitor, a 10-day gap and 5-day stays: only back-to-back stays
    # keep the cadence, and they are allowed only when the homes are near.
    visitors = write(tmp_path / "V.csv", ["visitor_id", "capacity"], [["V0", 2]])
    pairs = write(
        tmp_path / "pairs.csv",
        ["household_id", "visitor_id", "distance_m", "reason"],
        [["A", "V0", 10, ""], ["B", "V0", 10, ""]],  # at most 20 m apart by the home bound
    )
    households = write(
        tmp_path / "H.csv", ["household_id", "lat", "lon"], [["A", 40.0, 116.0], ["B", 41.0, 116.0]]
    )

    def rests(*extra: str) -> list[int]:
        out = tmp_path / "visits.csv"
        code, output = run(
            "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
            "--months", "2", "--max-gap-days", "10", "--out", str(out), "-q", *extra,
        )  # fmt: skip
        assert code == 0, output
        with out.open() as f:
            stays = sorted(
                (date.fromisoformat(r["start"]), date.fromisoformat(r["end"]), r["household_id"])
                for r in csv.DictReader(f)
            )
        return [(b[0] - a[1]).days - 1 for a, b in itertools.pairwise(stays) if a[2] != b[2]]

    assert 0 in rests()  # near by the bound: back to back between the two homes
    far = rests("--households", str(households))
    assert far and min(far) >= 1  # about 111 km apart: a free day between stays


def test_the_output_of_doorstep_pair_on_a_demo_village_plans_end_to_end(tmp_path: Path) -> None:
    from doorstep.demo import generate

    households, visitors = generate(preset="village", seed=1).write_pairing_files(tmp_path)
    pairs = tmp_path / "pairs.csv"
    paired = CliRunner().invoke(
        app,
        ["pair", "--households", str(households), "--visitors", str(visitors),
         "--out", str(pairs), "--workers", "1", "-q"],
        catch_exceptions=False,
    )  # fmt: skip
    assert paired.exit_code == 0, paired.output
    out = tmp_path / "visits.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--country", "CN", "--staff-cap", "0.3", "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    with pairs.open() as f:
        n_paired = sum(1 for r in csv.DictReader(f) if r["visitor_id"])
    assert summary["pairings"] == n_paired > 0
    with out.open() as f:
        assert sum(1 for _ in csv.DictReader(f)) == summary["visits"] > 0
