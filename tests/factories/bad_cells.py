"""Bad cells of an import file, drawn from its column's schema: what the property of
``tests/services/importing/test_one_bad_cell.py`` puts in one cell of a valid file.

The rules, so that no value the schema allows by design is drawn as bad:

* every column: a NUL character (no column holds one);
* a required column (but one that ``may_be_empty``, such as languages): empty, or spaces
  only; an optional one is never emptied, as an empty cell is its default or none;
* ``ID``: longer than 64 characters (no id is); the household id "erased household",
  reserved; an id that must name a stored row (:data:`REFERENCES`, which the schema cannot
  tell from an id that names a new one): one nobody has;
* ``AREA``, ``ORGANISATION``, ``TEAM``: a code nobody has;
* ``TEXT``: one character more than its ``max_length``;
* ``INT``, ``FLOAT``: not a number, NaN, infinity, a fraction for a whole number, one below
  the ``minimum`` or above the ``maximum`` (a number past 32 bits for a whole number
  without one); ``LAT``/``LON``: not a number, or past +-90/+-180;
* ``DATE``: no such day (Feb 30), the month or day in one digit, another order, words;
* ``BOOL``: neither true nor false; ``CHOICE``: not one of its choices;
* ``LANGUAGES``: codes in no ISO 639 list; ``WEEKDAYS``: no day, or a day 7;
* ``CODES``: a code not in its vocabulary, or its ``alone`` code beside another;
* what a column's own rule refuses beyond its type (:data:`RULES`, written out by hand):
  a last day before the first, a referral made after today, a year after this one.
"""

from __future__ import annotations

from doorstep.services.importing.columns import Column, EntitySchema, Kind

#: (kind of import, column) of the ids that name a row stored already (not a new one).
REFERENCES: dict[tuple[str, str], str] = {
    ("indicators", "household_id"): "NOBODY",
    ("visits", "household_id"): "NOBODY",
    ("visits", "visitor_id"): "NOBODY",
    ("exclusions", "household_id"): "NOBODY",
    ("exclusions", "visitor_id"): "NOBODY",
    ("leave", "visitor_id"): "NOBODY",
    ("blackouts", "household_id"): "NOBODY",
    ("attendance", "activity_code"): "NOTHING",
    ("attendance", "household_id"): "NOBODY",
    ("project_households", "project_code"): "NOTHING",
    ("project_households", "household_id"): "NOBODY",
    ("referrals", "household_id"): "NOBODY",
    ("referrals", "visitor_id"): "NOBODY",
    ("referrals", "referral"): "999",
}

#: (kind of import, column): values its own rules refuse that its type allows, on the
#: valid files of :func:`~tests.factories.busy_writer.import_files` (today 2027-03-01).
RULES: dict[tuple[str, str], tuple[str, ...]] = {
    ("teams", "ends_on"): ("2026-12-31",),  # before its starts_on
    ("leave", "ends_on"): ("2000-01-01",),
    ("blackouts", "ends_on"): ("2000-01-01",),
    ("activities", "ends_on"): ("2027-01-31",),
    ("projects", "ends_on"): ("2027-01-04",),
    ("visits", "end"): ("2000-01-01",),
    ("referrals", "made_on"): ("2099-01-01",),  # after today
    ("indicators", "year"): ("2100",),  # after this year
}

ID_MAX = 64


def bad_values(schema: EntitySchema, column: Column) -> tuple[str, ...]:
    """The bad values of ``column`` of ``schema`` (see the module's rules)."""
    out: list[str] = ["a\x00b"]
    if column.required and not column.may_be_empty:
        out += ["", "   "]
    out += _of_kind(column)
    if column.kind is Kind.ID:
        out.append("x" * (ID_MAX + 1))
        if column.name == "household_id" and schema.entity == "households":
            out.append("Erased Household")
    reference = REFERENCES.get((schema.entity, column.name))
    if reference is not None:
        out.append(reference)
    out += RULES.get((schema.entity, column.name), ())
    return tuple(out)


def _of_kind(column: Column) -> list[str]:
    k = column.kind
    if k in (Kind.AREA, Kind.ORGANISATION, Kind.TEAM):
        return ["NOWHERE"]
    if k is Kind.TEXT:
        return ["x" * (column.max_length + 1)]
    if k in (Kind.INT, Kind.FLOAT):
        out = ["many", "nan", "inf"]
        step = 1.0 if k is Kind.INT else 0.5
        if k is Kind.INT:
            out.append("1.5")
        if column.minimum is not None:
            out.append(_number(column.minimum - step))
        if column.maximum is not None:
            out.append(_number(column.maximum + step))
        elif k is Kind.INT:
            out.append(str(2**40))
        return out
    if k is Kind.LAT:
        return ["north", "90.5", "-91"]
    if k is Kind.LON:
        return ["east", "180.5", "-181"]
    if k is Kind.DATE:
        return ["2027-02-30", "2027-1-5", "05/01/2027", "soon"]
    if k is Kind.BOOL:
        return ["maybe", "2"]
    if k is Kind.CHOICE:
        return ["nonsuch"]
    if k is Kind.LANGUAGES:
        return ["xx", "zh;1234"]
    if k is Kind.WEEKDAYS:
        return ["funday", "7", "mon;8"]
    if k is Kind.CODES:
        assert column.vocabulary is not None
        other = next(c for c in column.vocabulary.codes if c != column.vocabulary.alone)
        mixed = [f"{column.vocabulary.alone};{other}"] if column.vocabulary.alone else []
        return ["nonsuch", *mixed]
    if k is Kind.ID:
        return []
    raise AssertionError(f"no bad values for a {k} column: add them here")


def _number(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)
