"""File-mode pairing: what the CSVs may hold, and errors that say where a value is wrong."""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import InvalidInput
from doorstep.services.outfile import check_out
from doorstep.services.pairing.files import pair_files, read_problem

HOUSEHOLDS = "household_id,lat,lon,languages\nh1,27.0,107.0,zh\nh2,27.001,107.0,zh\n"
VISITORS = "visitor_id,lat,lon,languages,capacity\nv1,27.0,107.0,zh,1\nv2,27.002,107.0,zh,1\n"


def write(
    tmp_path: Path, *, households: str = HOUSEHOLDS, visitors: str = VISITORS
) -> tuple[Path, Path]:
    h, v = tmp_path / "h.csv", tmp_path / "v.csv"
    h.write_bytes(households.encode())
    v.write_bytes(visitors.encode())
    return h, v


def refused(tmp_path: Path, **files: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        read_problem(*write(tmp_path, **files))
    return caught.value.message


def test_a_visitors_file_with_only_a_header_leaves_every_household_unpaired(
    tmp_path: Path,
) -> None:
    h, v = write(tmp_path, visitors="visitor_id,lat,lon,languages,capacity\n")
    out = tmp_path / "pairs.csv"
    run = pair_files(h, v, out, params=PairingParams())
    pairs = pl.read_csv(out, schema_overrides={"visitor_id": pl.Utf8})
    assert pairs["reason"].to_list() == ["no_visitor_within_distance"] * 2
    assert pairs["visitor_id"].null_count() == 2
    assert run.summary()["unpaired_reasons"] == {"no_visitor_within_distance": 2}


@pytest.mark.parametrize(
    "ending",
    ["\n", "\n\n", "\r\n\r\n", "\n,,,\n", "\n   \n"],
    ids=["trailing-newline", "blank-line", "crlf-blank-line", "empty-fields", "spaces"],
)
def test_lines_that_are_entirely_empty_are_skipped(tmp_path: Path, ending: str) -> None:
    households = HOUSEHOLDS.rstrip("\n") + ending
    if ending.startswith("\r\n"):
        households = households.replace("\n", "\r\n").replace("\r\r\n", "\r\n")
    problem = read_problem(*write(tmp_path, households=households))
    assert problem.household_ids.tolist() == ["h1", "h2"]


def test_a_blank_line_in_the_middle_keeps_the_row_numbers_of_the_rows_after_it(
    tmp_path: Path,
) -> None:
    message = refused(
        tmp_path, households="household_id,lat,lon,languages\nh1,27,107,zh\n\nh2,95,107,zh\n"
    )
    assert message == (
        f"{tmp_path / 'h.csv'}: row 4, column lat (value '95'): latitude must be between -90 and 90"
    )


def test_a_row_with_some_values_missing_is_still_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, households=HOUSEHOLDS + "h3,,107,zh\n")
    assert "row 4, column lat: required value is missing" in message


def test_spaces_around_numbers_are_ignored(tmp_path: Path) -> None:
    problem = read_problem(
        *write(
            tmp_path,
            households="household_id,lat,lon,languages\nh1, 27.0 , 107.0, zh\n",
            visitors="visitor_id,lat,lon,languages,capacity\nv1,27.0,107.0,zh, 2\n",
        )
    )
    assert problem.household_lat.tolist() == [27.0]
    assert problem.visitor_capacity.tolist() == [2]


@pytest.mark.parametrize(
    ("households", "visitors", "expected"),
    [
        (
            HOUSEHOLDS + "h3,27,181,zh\n",
            VISITORS,
            "h.csv: row 4, column lon (value '181'): longitude must be between -180 and 180",
        ),
        (
            HOUSEHOLDS + "h1,27,107,zh\n",
            VISITORS,
            "h.csv: row 4, column household_id (value 'h1'): duplicate household_id in the "
            "file; first in row 2",
        ),
        (
            'household_id,lat,lon,languages\nh1,"27,5",107,zh\n',
            VISITORS,
            "h.csv: row 2, column lat (value '27,5'): not a number; use a point for decimals",
        ),
        (
            HOUSEHOLDS + "h3,nan,107,zh\n",
            VISITORS,
            "h.csv: row 4, column lat (value 'nan'): not a finite number",
        ),
        (
            HOUSEHOLDS,
            VISITORS + "v3,27,107,zh,1.5\n",
            "v.csv: row 4, column capacity (value '1.5'): must be a whole number",
        ),
        (
            HOUSEHOLDS,
            VISITORS + "v4,27,107,zh,many\n",
            "v.csv: row 4, column capacity (value 'many'): not a number",
        ),
        (
            HOUSEHOLDS.replace("languages\n", "languages,current_visitor_id\n").replace(
                "h2,27.001,107.0,zh\n", "h2,27.001,107.0,zh,v9\n"
            ),
            VISITORS,
            "h.csv: row 3, column current_visitor_id (value 'v9'): not a visitor_id in",
        ),
    ],
    ids=["lon", "duplicate", "comma", "nan", "capacity-fraction", "capacity-text", "current"],
)
def test_a_bad_value_is_named_by_file_row_column_and_value(
    tmp_path: Path, households: str, visitors: str, expected: str
) -> None:
    message = refused(tmp_path, households=households, visitors=visitors)
    assert f"{tmp_path}/{expected}" in message
    # Only the file at fault is named first; the other is not blamed.
    other = "v.csv" if expected.startswith("h.csv") else "h.csv"
    assert not message.startswith(str(tmp_path / other))


def test_several_bad_rows_are_listed_together(tmp_path: Path) -> None:
    message = refused(tmp_path, households=HOUSEHOLDS + "h3,91,107,zh\nh4,x,107,zh\n")
    assert message.splitlines() == [
        f"{tmp_path / 'h.csv'}: 2 errors",
        "  row 4, column lat (value '91'): latitude must be between -90 and 90",
        "  row 5, column lat (value 'x'): not a number",
    ]


def test_more_language_codes_than_a_problem_holds_is_bad_input_with_the_count(
    tmp_path: Path,
) -> None:
    codes = [f"{a}{b}" for a in "abc" for b in "abcdefghijklmnopqrstuvwxyz"][:70]
    rows = "".join(f"h{i},27,107,{c}\n" for i, c in enumerate(codes))
    message = refused(tmp_path, households="household_id,lat,lon,languages\n" + rows)
    assert "71 distinct language codes" in message  # 70, and the visitors' zh
    assert "at most 64" in message


def test_an_output_path_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    h, v = write(tmp_path)
    with pytest.raises(InvalidInput, match="is a folder"):
        check_out(tmp_path)
    with pytest.raises(InvalidInput, match="is a file, not a folder"):
        check_out(h / "pairs.csv")
    with pytest.raises(InvalidInput, match="one of the input files"):
        check_out(h, (h, v))
    check_out(tmp_path / "new" / "pairs.csv")  # missing folders are created when writing


def test_out_and_explain_are_checked_before_the_solve_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import doorstep.services.pairing.files as module

    def no_solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("solved before the checks")

    monkeypatch.setattr(module, "solve", no_solve)
    h, v = write(tmp_path)
    out = tmp_path / "pairs.csv"
    with pytest.raises(InvalidInput, match="'nobody' is not a household_id in"):
        pair_files(h, v, out, params=PairingParams(), explain_id="nobody")
    with pytest.raises(InvalidInput, match="is a folder"):
        pair_files(h, v, tmp_path, params=PairingParams())
    assert not out.exists()


def test_a_missing_output_folder_is_created(tmp_path: Path) -> None:
    h, v = write(tmp_path)
    out = tmp_path / "new" / "pairs.csv"
    run = pair_files(h, v, out, params=PairingParams(), explain_id="h1")
    assert pl.read_csv(out).height == 2
    assert run.explanation is not None and run.explanation.visitor_id == "v1"


# New only: h_far is paired 10 km away although v_door, at its door, has room; a full solve
# would move it (10 km saved is worth more than keep_km), --new-only keeps it.
NEW_ONLY_HOUSEHOLDS = """household_id,lat,lon,languages,current_visitor_id
h_far,27.0,107.0,zh,v_far
h_kept,27.0,107.101,zh,v_far
h_new,27.0,107.001,zh,
h_fr,27.0,107.0,fr,
"""
NEW_ONLY_VISITORS = """visitor_id,lat,lon,languages,capacity
v_door,27.0,107.0,zh,2
v_far,27.0,107.1,zh,2
"""


def test_new_only_pairs_the_new_households_and_moves_no_existing_pair_when_room_is_near(
    tmp_path: Path,
) -> None:
    h, v = write(tmp_path, households=NEW_ONLY_HOUSEHOLDS, visitors=NEW_ONLY_VISITORS)
    out = tmp_path / "pairs.csv"
    run = pair_files(h, v, out, params=PairingParams(), new_only=True)
    pairs = pl.read_csv(out, schema_overrides={"visitor_id": pl.Utf8, "reason": pl.Utf8})
    assert pairs.columns == ["household_id", "visitor_id", "distance_m", "reason"]
    rows = {r["household_id"]: (r["visitor_id"], r["reason"]) for r in pairs.iter_rows(named=True)}
    assert rows == {
        "h_far": ("v_far", None),
        "h_kept": ("v_far", None),
        "h_new": ("v_door", None),
        # Unpaired before, so "new" again: tried again and given its reason again.
        "h_fr": (None, "no_shared_language"),
    }
    s = run.summary()
    assert (s["mode"], s["new"], s["paired"], s["unpaired"], s["moved"]) == (
        "new_only",
        2,  # h_new and h_fr
        3,
        1,
        0,
    )
    assert s["exact"] is True
    assert s["certified"] is False
    assert s["total_distance_m"] == pairs["distance_m"].sum()
    assert s["unpaired_reasons"] == {"no_shared_language": 1}
    # The same files without --new-only: the full solve moves h_far to its door.
    full = pair_files(h, v, None, params=PairingParams())
    assert full.summary()["moved"] == 1


def test_new_only_gives_an_unpairable_new_household_the_reason_of_a_full_solve(
    tmp_path: Path,
) -> None:
    households = NEW_ONLY_HOUSEHOLDS + "h_late,27.0,107.0,zh,\nh_late2,27.0,107.0,zh,\n"
    h, v = write(tmp_path, households=households, visitors=NEW_ONLY_VISITORS)
    run = pair_files(h, v, None, params=PairingParams(), new_only=True)
    # Four places, five who speak zh: one newcomer is left, and every visitor it may have is full.
    assert run.summary()["unpaired_reasons"] == {
        "no_shared_language": 1,
        "all_eligible_visitors_full": 1,
    }
    assert run.summary()["new"] == 4


def test_new_only_refuses_balance_before_reading_anything(tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    missing = tmp_path / "nowhere.csv"  # not read: the refusal comes first
    with pytest.raises(InvalidInput, match="--balance-m does not apply with --new-only"):
        pair_files(missing, missing, out, params=PairingParams(balance_m=100), new_only=True)
    assert not out.exists()


def test_new_only_explains_a_kept_pair_by_continuity(tmp_path: Path) -> None:
    h, v = write(tmp_path, households=NEW_ONLY_HOUSEHOLDS, visitors=NEW_ONLY_VISITORS)
    run = pair_files(h, v, None, params=PairingParams(), new_only=True, explain_id="h_far")
    assert run.explanation is not None
    assert run.explanation.visitor_id == "v_far"
    # v_door is 10 km nearer with room: a full solve would say balance; kept here.
    assert [(a.visitor_id, a.why.value) for a in run.explanation.alternatives] == [
        ("v_door", "continuity")
    ]


@pytest.mark.parametrize(
    ("households", "visitors", "expected"),
    [
        (
            "household_id,lat,lon,languages,lat\nh1,27.0,107.0,zh,10\n",
            VISITORS,
            "h.csv: row 1, column lat: the column appears twice",
        ),
        (
            "household_id,lat, lat ,lon,languages\nh1,27.0,10,107.0,zh\n",
            VISITORS,
            "h.csv: row 1, column lat: the column appears twice",
        ),
        (
            HOUSEHOLDS,
            "visitor_id,lat,lon,languages,capacity,capacity\nv1,27.0,107.0,zh,1,5\n",
            "v.csv: row 1, column capacity: the column appears twice",
        ),
    ],
    ids=["households", "households-spaces", "visitors"],
)
def test_a_column_named_twice_is_refused_naming_it(
    tmp_path: Path, households: str, visitors: str, expected: str
) -> None:
    assert refused(tmp_path, households=households, visitors=visitors) == f"{tmp_path}/{expected}"


def _hundred(row_51: str) -> str:
    """A households file of 100 rows whose row 51 (the header being row 1) is ``row_51``."""
    rows = [f"h{i},27.0,107.0,zh\n" for i in range(100)]
    rows[49] = row_51 + "\n"
    return "household_id,lat,lon,languages\n" + "".join(rows)


@pytest.mark.parametrize(
    ("row_51", "expected"),
    [
        (
            'h49,27.0,107.0,"zh',
            "row 51, column languages (value '\"zh'): unclosed quote: this value opens with a "
            "quote that never closes; add the closing quote or remove this one",
        ),
        (
            'h49,27.0,107.0,z"h',
            "row 51, column languages (value 'z\"h'): a quote inside a value that is not "
            'quoted; quote the whole value and double each quote inside it, e.g. "a ""b"" c"',
        ),
        (
            'h49,27.0,107.0,"zh"x',
            "row 51, column languages (value '\"zh\"x'): text after the closing quote; remove "
            'it, or quote the whole value and double each quote inside it, e.g. "a ""b"" c"',
        ),
        (
            'h49,"27.0,107.0,zh',
            "row 51, column lat (value '\"27.0,107.0,zh'): unclosed quote: this value opens "
            "with a quote that never closes; add the closing quote or remove this one",
        ),
    ],
    ids=["unclosed", "stray", "after-closing", "unclosed-mid-row"],
)
def test_a_malformed_quote_is_named_by_row_and_column_without_the_rest_of_the_file(
    tmp_path: Path, row_51: str, expected: str
) -> None:
    message = refused(tmp_path, households=_hundred(row_51))
    assert message == f"{tmp_path / 'h.csv'}: {expected}"


def test_an_unclosed_quote_closed_by_a_later_quote_is_named_where_it_opens(
    tmp_path: Path,
) -> None:
    households = _hundred('h49,27.0,107.0,"zh').replace("h80,27.0,107.0,zh", 'h80,27.0,"107.0",zh')
    message = refused(tmp_path, households=households)
    assert message.startswith(
        f"{tmp_path / 'h.csv'}: row 51, column languages (value '\"zh'): unclosed quote: "
    )
    assert "line 82" in message


def test_rows_after_a_value_quoted_over_two_lines_keep_their_numbers(tmp_path: Path) -> None:
    households = (
        'household_id,lat,lon,languages\nh1,27,107,"zh\nhmn"\nh2,27,107,zh\nh3,27,107,z"h\n'
    )
    assert refused(tmp_path, households=households).startswith(
        f"{tmp_path / 'h.csv'}: row 4, column languages (value 'z\"h'): a quote inside a value"
    )


@pytest.mark.parametrize(("separator", "shown"), [(";", "';'"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_says_so_not_that_its_columns_are_missing(
    tmp_path: Path, separator: str, shown: str
) -> None:
    rows = ["household_id", "lat", "lon", "languages"], ["h1", "27", "107", "zh"]
    message = refused(tmp_path, households="".join(separator.join(r) + "\n" for r in rows))
    assert message.startswith(
        f"{tmp_path / 'h.csv'}: row 1: the file seems separated by {shown}, not commas; "
        "save it with commas ("
    )
    assert "missing" not in message


def test_a_quote_left_open_in_the_header_is_named_not_reported_as_missing_columns(
    tmp_path: Path,
) -> None:
    message = refused(tmp_path, households='household_id,lat,lon,"languages\nh1,27,107,zh\n')
    assert message == (
        f"{tmp_path / 'h.csv'}: row 1 (value '\"languages'): unclosed quote: this value opens "
        "with a quote that never closes; add the closing quote or remove this one"
    )


def test_a_file_polars_cannot_read_for_another_reason_gets_one_short_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise pl.exceptions.ComputeError(
            "could not parse `h1,27` as dtype\nh2,27,107,zh\nYou might want to try:\n- ..."
        )

    monkeypatch.setattr(pl, "read_csv", fail)
    message = refused(tmp_path)
    assert message.splitlines() == [  # each file is tried, so each says it cannot be read
        f"{tmp_path / name}: cannot read the file as CSV: could not parse `h1,27` as dtype"
        for name in ("h.csv", "v.csv")
    ]


def test_spaces_around_ids_are_ignored_so_duplicates_and_references_see_the_same_id(
    tmp_path: Path,
) -> None:
    message = refused(tmp_path, households=HOUSEHOLDS + " h1 ,27,107,zh\n")
    assert message == (
        f"{tmp_path / 'h.csv'}: row 4, column household_id (value 'h1'): duplicate "
        "household_id in the file; first in row 2"
    )
    message = refused(tmp_path, visitors=VISITORS + "v2 ,27,107,zh,1\n")
    assert "row 4, column visitor_id (value 'v2'): duplicate visitor_id" in message
    h, v = write(
        tmp_path,
        households="household_id,lat,lon,languages,current_visitor_id,remote_pool\n"
        " h1 ,27.0,107.0,zh, v1 , p \nh2,27.001,107.0,zh,,p\n",
        visitors="visitor_id,lat,lon,languages,capacity,remote_pool\n"
        " v1,27.0,107.0,zh,1,p \nv2 ,27.002,107.0,zh,1,\n",
    )
    out = tmp_path / "pairs.csv"
    run = pair_files(h, v, out, params=PairingParams(), explain_id=" h1")
    assert run.problem.household_ids.tolist() == ["h1", "h2"]
    assert run.problem.visitor_ids.tolist() == ["v1", "v2"]
    assert run.problem.household_current.tolist() == [0, -1]
    assert run.problem.pools == ("p",)
    pairs = pl.read_csv(out)
    assert set(pairs["household_id"]) == {"h1", "h2"}
    assert set(pairs["visitor_id"]) == {"v1", "v2"}


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.replace("\n", "\r").encode(),
        lambda s: b"\xef\xbb\xbf" + s.replace("\n", "\r").encode(),
        lambda s: s.encode("utf-16"),  # with its byte-order mark
        lambda s: codecs.BOM_UTF16_BE + s.replace("\n", "\r\n").encode("utf-16-be"),
        lambda s: s.replace("\n", "\r").encode("utf-16"),
    ],
    ids=["cr-only", "bom-cr-only", "utf-16", "utf-16-be-crlf", "utf-16-cr-only"],
)
def test_old_mac_line_ends_and_utf16_with_a_byte_order_mark_are_read(
    tmp_path: Path, encode: Callable[[str], bytes]
) -> None:
    h, v = write(tmp_path)
    h.write_bytes(encode(HOUSEHOLDS.replace("h2,", "h2é,")))
    v.write_bytes(encode(VISITORS))
    problem = read_problem(h, v)
    assert problem.household_ids.tolist() == ["h1", "h2é"]
    assert problem.visitor_capacity.tolist() == [1, 1]


def test_old_mac_rows_with_a_line_break_inside_a_quoted_value_are_read(tmp_path: Path) -> None:
    # Excel for Mac's "CSV (Macintosh)": rows end in CR, a line break inside a cell is LF.
    h, v = write(tmp_path)
    h.write_bytes(
        b'household_id,lat,lon,languages,note\rh1,27.0,107.0,zh,"line 1\nline 2"\r'
        b"h2,27.001,107.0,zh,x\r"
    )
    problem = read_problem(h, v)
    assert problem.household_ids.tolist() == ["h1", "h2"]


def test_a_file_in_another_encoding_is_refused_naming_the_encoding(tmp_path: Path) -> None:
    h, v = write(tmp_path)
    h.write_bytes(HOUSEHOLDS.encode("utf-16-le"))  # no byte-order mark
    with pytest.raises(InvalidInput) as caught:
        read_problem(h, v)
    assert caught.value.message == (
        f"{h}: the header holds NUL bytes: the file looks like UTF-16 without a byte-order "
        "mark; save it as UTF-8 (CSV UTF-8)"
    )
    h.write_bytes(HOUSEHOLDS.encode("utf-16") + b"\x00")  # an odd number of bytes
    with pytest.raises(InvalidInput, match="byte-order mark but is not valid UTF-16"):
        read_problem(h, v)
    h.write_bytes(HOUSEHOLDS.replace("h2", "Jos\xe9").encode("latin-1"))
    with pytest.raises(InvalidInput) as caught:
        read_problem(h, v)
    assert caught.value.message.startswith(
        f"{h}: row 3, column household_id: byte 0xe9 at byte 51 of the file is not UTF-8"
    )


def test_a_missing_value_is_listed_with_the_files_other_errors(tmp_path: Path) -> None:
    message = refused(
        tmp_path,
        households="household_id,lat,lon,languages\n"
        "h1,27,107,zh\n,27,107,zh\nh3,95,107,zh\nh1,27,107,zh\nh5,,107,zh en\n",
    )
    h = tmp_path / "h.csv"
    assert message == (
        f"{h}: 5 errors\n"
        "  row 3, column household_id: required value is missing\n"
        "  row 4, column lat (value '95'): latitude must be between -90 and 90\n"
        "  row 5, column household_id (value 'h1'): duplicate household_id in the file; "
        "first in row 2\n"
        "  row 6, column languages (value 'zh en'): separate languages with ';', not ' '\n"
        "  row 6, column lat: required value is missing"
    )


def test_both_files_errors_are_listed_together(tmp_path: Path) -> None:
    message = refused(
        tmp_path,
        households=HOUSEHOLDS + "h3,27,,zh\n",
        visitors=VISITORS + "v3,27,107,zh,\nv4,27,107,zh,-1\n",
    )
    h, v = tmp_path / "h.csv", tmp_path / "v.csv"
    assert message == (
        f"{h}: row 4, column lon: required value is missing\n"
        f"{v}: 2 errors\n"
        "  row 4, column capacity: required value is missing\n"
        "  row 5, column capacity (value '-1'): must be at least 0"
    )


def test_a_file_that_cannot_be_read_does_not_hide_the_other_files_errors(tmp_path: Path) -> None:
    message = refused(
        tmp_path, households="household_id,lat,lon\nh1,27,107\n", visitors=VISITORS + "v3\n"
    )
    h, v = tmp_path / "h.csv", tmp_path / "v.csv"
    assert message.splitlines() == [
        f"{h}: missing column(s) languages",
        f"{v}: row 4, column lat: the row ends early: 1 field(s) where the header "
        "has 5 (an empty value still needs its comma)",
    ]


def test_a_pipe_given_as_a_file_is_named_as_one_not_as_missing(tmp_path: Path) -> None:
    # `--households <(cut ... h.csv)` gives /dev/fd/63: it exists, but is read more than once.
    _, v = write(tmp_path)
    pipe = tmp_path / "h.pipe"
    os.mkfifo(pipe)
    with pytest.raises(InvalidInput) as caught:
        read_problem(pipe, v)  # never opened: a pipe nobody writes would block
    assert caught.value.message == (
        f"{pipe} is not a regular file (a pipe or a device); save it to a file and give that"
    )
    with pytest.raises(InvalidInput) as caught:
        read_problem(tmp_path / "nothing.csv", v)
    assert caught.value.message == f"{tmp_path / 'nothing.csv'}: no such file"


def test_a_capacity_with_a_thousands_separator_is_not_told_to_use_a_decimal_point(
    tmp_path: Path,
) -> None:
    # "use a point for decimals" made 1,000 into 1.000: a capacity of one, without a word.
    message = refused(tmp_path, visitors=VISITORS + 'v3,27,107,zh,"1,000"\n')
    assert message == (
        f"{tmp_path / 'v.csv'}: row 4, column capacity (value '1,000'): not a number; write "
        "a whole number without a thousands separator"
    )
