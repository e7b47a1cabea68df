"""Validate a frame of text against an :class:`EntitySchema`, all rows at once.

Each check is a vectorised polars expression, so 1.69M rows validate in seconds; every
failing cell becomes a :class:`RowError` naming the row, the column, the value and why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from doorstep.domain import visit_codes, weekdays
from doorstep.domain.days import FIRST_DAY, TOO_EARLY
from doorstep.domain.geo import haversine_m_array
from doorstep.domain.ids import ERASED_HOUSEHOLD, ID_FORM, NOT_IN_AN_ID, RESERVED
from doorstep.domain.languages import known_codes, parse_languages
from doorstep.domain.visit_codes import Vocabulary
from doorstep.say import Say, joined
from doorstep.services.importing.columns import Column, EntitySchema, Kind
from doorstep.services.importing.csvheader import (
    SHEET_ROW,
    lower_case_reason,
    twice_marked_reason,
    unnamed_position,
)
from doorstep.services.importing.errors import TWICE, RowError
from doorstep.services.importing.limits import Limits, limits

ROW = "__row"
_NUL = Say("holds a NUL character (0x00), which cannot be stored; remove it")
NUL_REASON = _NUL.english()
#: Why a date such as ``2027-1-20`` is refused (no value quoted: the errors file of a file
#: about people copies none).
_LOOSE_DATE = Say("not a date in the form YYYY-MM-DD: give the month and the day two digits each")
LOOSE_DATE = _LOOSE_DATE.english()
#: Why a day with a time of day other than midnight is refused in a date column (a
#: spreadsheet's date-time cell): the day it falls on is not always the day meant.
_TIMED = Say("a day with a time of day; a date column takes the day alone, YYYY-MM-DD")
_MISSING = Say("required value is missing")
#: Why a number written with a comma is refused: the comma is neither read as a decimal
#: point nor skipped as a thousands separator (either guess would store a wrong figure).
_COMMA_IN_WHOLE = Say("not a number; write a whole number without a thousands separator")
_COMMA_IN_NUMBER = Say(
    "not a number; write it without a thousands separator, with a point for decimals (1234.5)"
)
#: Why a code is refused that names no row the database or the file holds.
_UNKNOWN_CODE = {
    Kind.AREA: Say("unknown area code; import the areas first"),
    Kind.ORGANISATION: Say("unknown organisation code; import the organisations first"),
    Kind.TEAM: Say("unknown team code; import the teams first"),
}
ID_MAX = 64
#: The column of a household's id, in every file that has one: none may be the marker the
#: audit trail writes for an erased household (:data:`~doorstep.domain.ids.ERASED_HOUSEHOLD`).
HOUSEHOLD_ID = "household_id"
_TRUE = ("true", "yes", "y", "1", "t")
_FALSE = ("false", "no", "n", "0", "f", "")
# A row is reported as swapped when it lies this far from its area's other rows but its
# swapped coordinates lie close: real outliers are not flagged, transpositions are.
_SWAP_FAR_M = 300_000.0
_SWAP_NEAR_M = 50_000.0

#: Spaces and invisible format marks (zero-width space and joiners, word joiner, byte-order
#: mark) at either end of a cell.
_EDGES = r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$"


_CONTROL_IN_ID = Say(
    "holds a control character (a tab, a line break) or a text-direction mark; an id or code "
    "is plain text on one line"
)


#: A UUID as RFC 4122 writes it (hex digits in either case, with its four hyphens).
_UUID = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"


def holds_nul(expr: pl.Expr) -> pl.Expr:
    """Whether a cell holds a NUL character (no database stores one); an empty cell does
    not."""
    return expr.str.contains("\x00", literal=True).fill_null(False)


def trim_code(expr: pl.Expr) -> pl.Expr:
    """An id or code as stored: without the spaces and invisible marks at its edges, in
    Unicode normal form C (:mod:`doorstep.domain.ids`: ``CAFÉ`` typed either way is one
    id). The one trimming for codes, so that a code the file adds is known as it is stored."""
    return expr.str.replace_all(_EDGES, "").str.normalize(ID_FORM)


@dataclass(frozen=True)
class References:
    """Codes a row may refer to: those in the database plus those the file itself adds."""

    areas: Collection[str] = field(default_factory=frozenset)
    organisations: Collection[str] = field(default_factory=frozenset)
    teams: Collection[str] = field(default_factory=frozenset)
    households: Collection[str] = field(default_factory=frozenset)
    #: For a kind whose table the database holds no row of at all, the reason an unknown
    #: code gets instead of "unknown ... code": most likely the wrong database was opened.
    none_stored: Mapping[Kind, Say] = field(default_factory=dict)

    def for_kind(self, kind: Kind) -> Collection[str]:
        return {
            Kind.AREA: self.areas,
            Kind.ORGANISATION: self.organisations,
            Kind.TEAM: self.teams,
        }[kind]


@dataclass
class Validated:
    frame: pl.DataFrame  # typed columns plus ``__row``
    errors: list[RowError]


def validate(schema: EntitySchema, raw: pl.DataFrame, refs: References) -> Validated:
    """Check every cell; return the typed frame and the list of errors (empty when valid)."""
    errors: list[RowError] = []
    errors += _header_errors(schema, raw)
    if SHEET_ROW in raw.columns:
        frame = raw.rename({SHEET_ROW: ROW}).with_columns(pl.col(ROW).cast(pl.Int64))
    else:
        frame = raw.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    missing = [c for c in schema.columns if c.name not in raw.columns]
    frame = frame.with_columns([pl.lit(None, pl.String).alias(c.name) for c in missing])
    frame = frame.select([ROW, *schema.names])

    typed: list[pl.Expr] = [pl.col(ROW)]
    all_checks: list[tuple[str, pl.Expr, Reason]] = []
    prep: dict[str, pl.Expr] = {}
    # Lists (languages, weekdays) are parsed once per distinct text, in Python.
    tables = {c.name: _TABLES[c.kind](frame[c.name]) for c in schema.columns if c.kind in _TABLES}
    tables |= {
        c.name: _code_table(c.vocabulary, frame[c.name])
        for c in schema.columns
        if c.kind is Kind.CODES and c.vocabulary is not None
    }
    for col in schema.columns:
        expr, checks = _column_checks(col, refs, prep, tables, limits(schema.entity, col.name))
        # A missing column still gets its typed (empty) column, so that the checks that
        # span columns can read it; a missing required one is reported once, for the header.
        # A cell holding a NUL is refused (its first check) and typed as empty: PostgreSQL
        # can hold no NUL, so the checks that look a value up in the database would fail
        # on it, naming no row, where an empty cell is theirs to skip.
        nul = holds_nul(pl.col(col.name))
        typed.append(pl.when(~nul).then(expr).alias(col.name))
        if not (col.required and col in missing):
            all_checks += [(col.name, bad, reason) for bad, reason in checks]
    # Parse each cell once (numbers, dates, language lists); checks read the parsed columns.
    frame = frame.with_columns(**prep)
    # One parallel pass counts the failures of every check; only failing checks are
    # looked at again, so a clean file costs two passes whatever the number of checks.
    lazy = frame.lazy()
    sums, out = pl.collect_all(
        [
            lazy.select(
                [
                    bad.fill_null(False).sum().alias(str(i))
                    for i, (_, bad, _) in enumerate(all_checks)
                ]
            ),
            lazy.select(typed),
        ]
    )
    for (name, bad, reason), n in zip(all_checks, sums.row(0), strict=True):
        if n:
            errors += _collect(frame, name, bad, reason)
    errors += _duplicate_errors(schema, out)
    if {"lat", "lon"} <= set(schema.names):
        errors += _swap_errors(schema, out, errors)
    return Validated(out, errors)


def _header_errors(schema: EntitySchema, raw: pl.DataFrame) -> list[RowError]:
    errors: list[RowError] = []
    columns = [c for c in raw.columns if c != SHEET_ROW]
    expected = ", ".join(schema.names)
    for name in columns:
        if (position := unnamed_position(name)) is not None:
            # Spreadsheets save cells once formatted as empty columns (``a,b,,``): nothing
            # is in them to lose. A column with values and no name is refused.
            if _holds_values(raw[name]):
                reason = Say(
                    "column %(position)s has no name but holds values; name it or delete it",
                    position=position,
                )
                errors.append(RowError.said(1, "", "", reason))
        elif name not in schema.names:
            errors.append(_unknown_column(schema, name, expected))
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            errors.append(RowError.said(1, name, "", TWICE))
        seen.add(name)
    for c in schema.columns:
        if c.required and c.name not in columns:
            errors.append(RowError.said(1, c.name, "", Say("required column is missing")))
    return errors


def _unknown_column(schema: EntitySchema, name: str, expected: str) -> RowError:
    """Why ``name`` is not a column, with a hint for the usual slips."""
    parts = [p.strip() for p in name.split(";")]
    if len(parts) > 1 and any(p in schema.names for p in parts):
        said = Say("unknown column: the file looks separated by ';'; save it with commas (CSV)")
        return RowError.said(1, name, "", said)
    reason = lower_case_reason(name, schema.names) or twice_marked_reason(name)
    if reason is not None:
        return RowError.said(1, name, "", reason)
    said = Say("unknown column; the columns are: %(columns)s", columns=expected)
    return RowError.said(1, name, "", said)


def _holds_values(column: pl.Series) -> bool:
    """Whether any cell of ``column`` holds more than spaces."""
    return bool(column.str.strip_chars().fill_null("").ne("").any())


@dataclass(frozen=True)
class Filled:
    """A reason whose values are read from each failing row: ``say`` makes its sentence
    from the values of the expressions ``values`` (by name); ``redacted`` is its wording
    without the file's data it quotes (for the errors file of a file about people), empty
    when it quotes none."""

    say: Callable[..., Say]
    values: Mapping[str, pl.Expr]
    redacted: str = ""


#: Why a check fails: a sentence, one filled from the row, or English only (not converted).
Reason = Say | Filled | str


def _collect(frame: pl.DataFrame, column: str, bad: pl.Expr, reason: Reason) -> list[RowError]:
    hits = frame.filter(bad)
    if isinstance(reason, str):
        rows = hits.select(pl.col(ROW), pl.col(column).fill_null("").alias("v"))
        return [RowError(int(r), column, v, reason) for r, v in rows.iter_rows()]
    if isinstance(reason, Say):
        rows = hits.select(pl.col(ROW), pl.col(column).fill_null("").alias("v"))
        english = reason.english()  # once, for every row it refuses
        return [RowError(int(r), column, v, english, "", reason) for r, v in rows.iter_rows()]
    names = list(reason.values)
    rows = hits.select(
        pl.col(ROW),
        pl.col(column).fill_null("").alias("v"),
        *(expr.alias(f"__value_{i}") for i, expr in enumerate(reason.values.values())),
    )
    return [
        RowError.said(
            int(r), column, v, reason.say(**dict(zip(names, filled, strict=True))), reason.redacted
        )
        for r, v, *filled in rows.iter_rows()
    ]


def _language_table(values: pl.Series) -> pl.DataFrame:
    """Each distinct language text with its normalised form and its unknown codes."""
    known = known_codes()
    texts: list[str] = values.drop_nulls().unique().to_list()
    norm = [";".join(parse_languages(t)) for t in texts]
    bad = [", ".join(c for c in parse_languages(t) if c not in known) for t in texts]
    return pl.DataFrame(
        {"text": texts, "norm": norm, "bad": bad},
        schema={"text": pl.String, "norm": pl.String, "bad": pl.String},
    )


def _weekday_table(values: pl.Series) -> pl.DataFrame:
    """Each distinct weekday list with its stored form (``0;2;4``), none when it is none."""
    texts: list[str] = values.drop_nulls().unique().to_list()
    norm: list[str | None] = []
    for t in texts:
        try:
            norm.append(weekdays.stored(weekdays.parse_weekdays(t)))
        except ValueError:
            norm.append(None)
    return pl.DataFrame(
        {"text": texts, "norm": norm}, schema={"text": pl.String, "norm": pl.String}
    )


def _code_table(vocabulary: Vocabulary, values: pl.Series) -> pl.DataFrame:
    """Each distinct list of codes with its stored form (none when it holds a code not in
    the list, or ``alone`` beside another), its unknown codes, and whether it mixes."""
    texts: list[str] = values.drop_nulls().unique().to_list()
    norm: list[str | None] = []
    bad: list[str] = []
    mixed: list[bool] = []
    for t in texts:
        bad.append(", ".join(vocabulary.unknown([t])))
        try:
            norm.append(visit_codes.stored(vocabulary.parse([t])) or "")
            mixed.append(False)
        except ValueError:
            norm.append(None)
            mixed.append(not bad[-1])
    return pl.DataFrame(
        {"text": texts, "norm": norm, "bad": bad, "mixed": mixed},
        schema={"text": pl.String, "norm": pl.String, "bad": pl.String, "mixed": pl.Boolean},
    )


_TABLES = {Kind.LANGUAGES: _language_table, Kind.WEEKDAYS: _weekday_table}


def _column_checks(
    col: Column,
    refs: References,
    prep: dict[str, pl.Expr],
    tables: dict[str, pl.DataFrame],
    stored: Limits,
) -> tuple[pl.Expr, list[tuple[pl.Expr, Reason]]]:
    """The typed expression for a column and its (bad-row mask, reason) checks.

    Work shared by several checks is put in ``prep`` (computed once, as a column); lists
    are looked up in ``tables`` (each distinct text of a column, parsed).
    ``stored`` is what the database column can hold: no value beyond it gets through.
    """

    def once(what: str, expr: pl.Expr) -> pl.Expr:
        name = f"__{what}_{col.name}"
        prep[name] = expr
        return pl.col(name)

    raw = pl.col(col.name)
    present = raw.is_not_null() & (raw.str.strip_chars() != "")
    checks: list[tuple[pl.Expr, Reason]] = [(holds_nul(raw), _NUL)]
    if col.required and not col.may_be_empty:
        checks.append((~present, _MISSING))
    # A column with a default leaves an empty cell null, "not stated": the loader gives a
    # new row the default and a stored row keeps its value (see ``load.fill_unstated``).
    unstated = col.default is not None
    k = col.kind

    if k is Kind.ID or k in (Kind.AREA, Kind.ORGANISATION, Kind.TEAM):
        # Invisible marks at an id's edges (a byte-order mark, a zero-width space copied
        # from a web page) would make another household of the same id, unseen.
        trimmed = trim_code(raw)
        if col.uuid_lower:
            trimmed = pl.when(trimmed.str.contains(_UUID)).then(trimmed.str.to_lowercase())
            trimmed = trimmed.otherwise(trim_code(raw))
        value = once("value", trimmed)
        if col.required:
            checks.append((present & (value == ""), _MISSING))
        checks.append((present & value.str.contains(NOT_IN_AN_ID), _CONTROL_IN_ID))
        if col.name == HOUSEHOLD_ID:
            reserved = value.str.to_lowercase() == ERASED_HOUSEHOLD
            checks.append((present & reserved, RESERVED))
        longest = min(ID_MAX, stored.max_length or ID_MAX)
        checks.append(
            (
                present & (value.str.len_chars() > longest),
                Say("longer than %(most)s characters", most=longest),
            )
        )
        if k is not Kind.ID:
            known = list(refs.for_kind(k))
            checks.append(
                (
                    present & ~value.is_in(pl.Series(known, dtype=pl.String).implode()),
                    refs.none_stored.get(k, _UNKNOWN_CODE[k]),
                )
            )
        return pl.when(present & (value != "")).then(value), checks

    if k is Kind.TEXT:
        # Spaces around a name or an address are the spreadsheet's, not the value's (a name
        # stored as " Ann" is not found as "Ann"), and a cell of spaces only is empty, as
        # it is for every other kind: none, the default, or "required value is missing".
        value = once("text", raw.str.strip_chars())
        if col.code_list:  # (prep columns are made side by side: from the raw cell)
            code = pl.element().str.strip_chars().str.to_lowercase()
            items = raw.str.split(";").list.eval(code.filter(code != ""))
            joined = items.list.unique(maintain_order=True).list.join(";")
            value = once("codelist", pl.when(joined != "").then(joined))
        length = value.str.len_chars()
        longest = min(col.max_length, stored.max_length or col.max_length)
        checks.append(
            (
                present & (length > longest),
                Filled(
                    lambda n: Say(
                        "too long: %(n)s characters, at most %(most)s", n=n, most=longest
                    ),
                    {"n": length},
                ),
            )
        )
        return pl.when(present).then(value), checks

    if k in (Kind.INT, Kind.FLOAT, Kind.LAT, Kind.LON):
        num = once("num", raw.str.strip_chars().cast(pl.Float64, strict=False))
        # Digits around a comma: a thousands separator ("12,500", as a spreadsheet shows
        # an income) or a decimal comma ("26,58"); the reason says how to write either.
        comma = present & num.is_null() & raw.str.strip_chars().str.contains(r"^[-+]?\d+(,\d+)+$")
        checks.append((comma, _COMMA_IN_WHOLE if k is Kind.INT else _COMMA_IN_NUMBER))
        checks.append((present & num.is_null() & ~comma.fill_null(False), Say("not a number")))
        checks.append((present & (num.is_nan() | num.is_infinite()), Say("not a finite number")))
        lo, hi = col.minimum, col.maximum
        if k is Kind.LAT:
            lo, hi = -90.0, 90.0
        if k is Kind.LON:
            lo, hi = -180.0, 180.0
        ok = num.is_not_null() & num.is_finite()
        if k is Kind.INT:
            checks.append((ok & (num != num.floor()), Say("must be a whole number")))
            if stored.int_range is not None:
                # The database column's range (32 bits: far below 2**53, past which a float
                # would round the number), so no value is refused or changed by the database.
                least, most = stored.int_range
                if lo is None or lo < least:
                    lo = least
                if hi is None or hi > most:
                    checks.append(
                        (
                            ok & (num > most),
                            Say("must be a whole number at most %(most)s", most=most),
                        )
                    )
        if lo is not None:
            if k is Kind.LAT:
                # The other column read as a latitude: in range, the two look swapped.
                swapped = pl.col("lon").str.strip_chars().cast(pl.Float64, strict=False)
                looks = (swapped.abs() <= 90).fill_null(False)
                off = ok & ((num < -90.0) | (num > 90.0))
                checks.append((off & ~looks, Say("latitude must be between -90 and 90")))
                checks.append(
                    (
                        off & looks,
                        Say(
                            "latitude must be between -90 and 90; latitude and longitude look "
                            "swapped"
                        ),
                    )
                )
            elif k is Kind.LON:
                checks.append(
                    (
                        ok & ((num < lo) | (num > 180.0)),
                        Say("longitude must be between -180 and 180"),
                    )
                )
            else:
                checks.append((ok & (num < lo), Say("must be at least %(least)s", least=_fmt(lo))))
        if hi is not None and k not in (Kind.LAT, Kind.LON):
            checks.append((ok & (num > hi), Say("must be at most %(most)s", most=_fmt(hi))))
        typed = pl.when(ok).then(num)
        return (typed.cast(pl.Int64, strict=False) if k is Kind.INT else typed), checks

    if k is Kind.DATE:
        # Midnight is the day, however the time is written (a date-time cell at 00:00, from
        # a spreadsheet saved as CSV with or without its seconds, or from ISO 8601 ``T``);
        # any other time of day is refused below.
        text = raw.str.strip_chars().str.replace(r"[ T]00:00(:00(\.0+)?)?$", "")
        # Exactly YYYY-MM-DD, as the options read days (``cli.common.parse_day``): a year
        # of four digits (0001-9999; a signed or longer one parses, but neither Python nor
        # PostgreSQL can hold it), a month and a day of two. ``2027-1-20`` parses too, but
        # the columns promise YYYY-MM-DD, and a file holding it was written by hand or by a
        # tool set to another date format, whose other dates are best checked at the source.
        parsed = text.str.to_date("%Y-%m-%d", strict=False)
        iso = text.str.contains(r"^\d{4}-\d{2}-\d{2}$")
        date = once("date", pl.when(iso & (parsed.dt.year() >= 1)).then(parsed))
        loose = text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$") & (parsed.dt.year() >= 1)
        loose = present & date.is_null() & loose.fill_null(False)
        timed = text.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
        timed = present & date.is_null() & timed.fill_null(False) & ~loose
        checks.append((loose, _LOOSE_DATE))
        checks.append((timed, _TIMED))
        checks.append(((date < FIRST_DAY).fill_null(False), TOO_EARLY))
        checks.append(
            (present & date.is_null() & ~loose & ~timed, Say("not a date; use YYYY-MM-DD"))
        )
        return date, checks

    if k is Kind.BOOL:
        low = raw.str.strip_chars().str.to_lowercase()
        valid = low.is_in(list(_TRUE + _FALSE))
        checks.append((present & ~valid, Say("not true or false")))
        value = low.is_in(list(_TRUE))
        return (pl.when(present).then(value) if unstated else value), checks

    if k is Kind.CHOICE:
        low = raw.str.strip_chars().str.to_lowercase()
        one_of = Say("must be one of: %(choices)s", choices=", ".join(col.choices))
        checks.append((present & ~low.is_in(list(col.choices)), one_of))
        return pl.when(present).then(low), checks

    if k is Kind.LANGUAGES:
        # Few distinct texts ("zh", "zh;hmn") stand for millions of cells: each distinct text
        # is parsed once in Python and mapped back.
        table = tables.get(col.name, pl.DataFrame())
        mapped = once(
            "lang",
            raw.replace_strict(table["text"], table["norm"], default=None, return_dtype=pl.String)
            if table.height
            else pl.lit(None, pl.String),
        )
        bad = once(
            "badlang",
            raw.replace_strict(table["text"], table["bad"], default=None, return_dtype=pl.String)
            if table.height
            else pl.lit(None, pl.String),
        )
        checks.append(
            (
                present & bad.is_not_null() & (bad != ""),
                Filled(
                    lambda codes: Say(
                        "unknown language code(s): %(codes)s; use ISO 639 codes such as zh or hmn",
                        codes=codes,
                    ),
                    {"codes": bad},
                    "unknown language code(s); use ISO 639 codes such as zh or hmn",
                ),
            )
        )
        if not col.may_be_empty:
            checks.append((present & (mapped == ""), Say("no language given")))
        if stored.max_length is not None:
            most = stored.max_length
            checks.append(
                (
                    present & (mapped.str.len_chars() > most),
                    Filled(
                        lambda n: Say(
                            "too many languages: %(n)s characters, at most %(most)s",
                            n=n,
                            most=most,
                        ),
                        {"n": mapped.str.len_chars()},
                    ),
                )
            )
        if col.may_be_empty:  # an empty cell (or only ";") is no language: stored as none
            return pl.when(present).then(mapped).otherwise(pl.lit("")), checks
        return pl.when(present).then(mapped), checks

    if k is Kind.WEEKDAYS:
        # Stored as the planner reads it (0;2;4), whichever way the file writes it.
        table = tables[col.name]
        days = once(
            "days",
            raw.replace_strict(table["text"], table["norm"], default=None, return_dtype=pl.String)
            if table.height
            else pl.lit(None, pl.String),
        )
        checks.append(
            (
                present & days.is_null(),
                Say("not a list of weekdays; use e.g. mon;wed;fri or 0;2;4 (Monday = 0)"),
            )
        )
        return pl.when(present).then(days), checks

    if k is Kind.CODES:
        # As languages: each distinct text is parsed once (few stand for many cells).
        assert col.vocabulary is not None
        vocabulary = col.vocabulary
        table = tables[col.name]

        def looked_up(what: str, dtype: type[pl.DataType]) -> pl.Expr:
            if not table.height:
                return pl.lit(None, dtype)
            return raw.replace_strict(table["text"], table[what], default=None, return_dtype=dtype)

        codes = once("codes", looked_up("norm", pl.String))
        bad = once("badcodes", looked_up("bad", pl.String))
        checks.append(
            (
                present & bad.is_not_null() & (bad != ""),
                Filled(
                    lambda codes: _unknown_codes(vocabulary, codes),
                    {"codes": bad},
                    f"unknown {vocabulary.what} code(s); use one of: {vocabulary.listed}",
                ),
            )
        )
        mixed = vocabulary.mixed  # English only, as the vocabulary says it
        checks.append((present & once("mixed", looked_up("mixed", pl.Boolean)), mixed))
        # An empty cell (or only ';') is none: stored as none, as a stated empty list.
        return pl.when(present).then(codes).otherwise(pl.lit("")), checks

    raise AssertionError(f"unhandled column kind {k}")  # pragma: no cover


def _unknown_codes(vocabulary: Vocabulary, codes: str) -> Say:
    """Why a cell of ``vocabulary``'s codes holds ``codes``, which it does not know."""
    listed = vocabulary.listed
    if vocabulary.what == "activity":
        return Say(
            "unknown activity code(s): %(codes)s; use one of: %(listed)s",
            codes=codes,
            listed=listed,
        )
    if vocabulary.what == "outcome":
        return Say(
            "unknown outcome code(s): %(codes)s; use one of: %(listed)s",
            codes=codes,
            listed=listed,
        )
    return Say(
        "unknown %(what)s code(s): %(codes)s; use one of: %(listed)s",
        what=vocabulary.what,
        codes=codes,
        listed=listed,
    )


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _duplicate_errors(schema: EntitySchema, frame: pl.DataFrame) -> list[RowError]:
    keys = list(schema.keys)
    if any(frame[k].null_count() == frame.height for k in keys):
        return []
    dup = (
        frame.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in keys))
        .select(ROW, *keys, pl.col(ROW).min().over(keys).alias("first"))
        .filter(pl.col(ROW) != pl.col("first"))
    )
    label = joined(keys, " and ")
    return [
        RowError.said(
            int(r[0]),
            keys[0],
            str(r[1]),  # the cell of the column named (the others' in the first row's)
            Say("duplicate %(key)s in the file; first in row %(row)s", key=label, row=r[-1]),
        )
        for r in dup.iter_rows()
    ]


def _swap_errors(
    schema: EntitySchema, frame: pl.DataFrame, known: list[RowError]
) -> list[RowError]:
    """Rows whose coordinates look transposed compared with the rest of their area."""
    area_col = next((c.name for c in schema.columns if c.kind is Kind.AREA and c.required), None)
    if area_col is None:
        return []
    bad_rows = {e.row for e in known if e.column in ("lat", "lon")}
    ok = frame.filter(
        pl.col("lat").is_not_null() & pl.col("lon").is_not_null() & pl.col(area_col).is_not_null()
    ).filter(~pl.col(ROW).is_in(list(bad_rows)))
    if ok.height < 3:
        return []
    med = (
        ok.group_by(area_col)
        .agg(
            pl.col("lat").median().alias("mlat"),
            pl.col("lon").median().alias("mlon"),
            pl.len().alias("n"),
        )
        .filter(pl.col("n") >= 3)
    )
    j = ok.join(med, on=area_col)
    lat, lon = j["lat"].to_numpy(), j["lon"].to_numpy()
    mlat, mlon = j["mlat"].to_numpy(), j["mlon"].to_numpy()
    direct = haversine_m_array(lat, lon, mlat, mlon)
    swapped_ok = np.abs(lon) <= 90
    swapped = haversine_m_array(np.where(swapped_ok, lon, 0.0), lat, mlat, mlon)
    hit = (direct > _SWAP_FAR_M) & swapped_ok & (swapped < _SWAP_NEAR_M)
    out: list[RowError] = []
    for i in np.flatnonzero(hit):
        out.append(
            RowError.said(
                int(j[ROW][int(i)]),
                "lat",
                f"{lat[i]}, {lon[i]}",
                Say(
                    "latitude and longitude look swapped: the point is %(far)s km from the "
                    "other rows of area %(area)s, swapped it would be %(near)s km",
                    far=f"{direct[i] / 1000:.0f}",
                    area=j[area_col][int(i)],
                    near=f"{swapped[i] / 1000:.0f}",
                ),
                "latitude and longitude look swapped: the point is far from the other rows "
                "of its area, swapped it would be near them",
            )
        )
    return out
