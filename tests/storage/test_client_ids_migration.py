"""Migration 0021 keeps the ids devices give consent acts (a table of their own) and
referrals (a column), each unique, and takes them away again, keeping every referral."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from doorstep.services import referrals
from doorstep.storage.migrate import alembic_config, current_revision, head_revision, upgrade
from doorstep.storage.session import unit_of_work
from tests.services.test_referrals import TODAY, people  # noqa: F401 - the fixture
from tests.storage.new_table import check_new_table

ID = "0b7c3c1e-7d0a-4c55-9d0e-1f2a3b4c5d6e"


def test_the_consent_ids_table_matches_its_model_and_comes_and_goes(engine: Engine) -> None:
    # The household's record goes with it.
    check_new_table(engine, "consent_client_ids", before="0020", ondelete={"households": "CASCADE"})


def _referral_columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("referrals")}


def test_the_referrals_id_column_comes_and_goes_and_the_referrals_stay(
    people: Engine,  # noqa: F811
) -> None:
    with unit_of_work(people) as s:
        referrals.add_referral(
            s,
            "H1",
            organisation="JOBS",
            service="employment",
            made_on=TODAY,
            visitor="V1",
            actor="test",
            today=TODAY,
            client_id=ID,
        )
    count = "SELECT COUNT(*) FROM referrals"
    try:
        command.downgrade(alembic_config(people), "0020")
        assert current_revision(people) == "0020"
        assert "client_id" not in _referral_columns(people)
        with people.connect() as conn:
            assert conn.execute(text(count)).scalar_one() == 1
        upgrade(people)
        assert "client_id" in _referral_columns(people)
        with people.connect() as conn:
            assert conn.execute(text(count)).scalar_one() == 1
    finally:
        upgrade(people)  # the next tests on this database need it at head
    assert current_revision(people) == head_revision(people)


@pytest.mark.parametrize("table", ["referrals", "consent_client_ids"])
def test_the_database_refuses_an_id_twice(
    people: Engine,  # noqa: F811
    table: str,
) -> None:
    with people.connect() as conn:
        hid = conn.execute(text("SELECT id FROM households WHERE external_id = 'H1'")).scalar_one()
        org = conn.execute(text("SELECT id FROM organisations")).scalar_one()
    insert = {
        "referrals": "INSERT INTO referrals (household_id, organisation_id, service, made_on, "
        "status, status_on, client_id) VALUES (:h, :o, 'employment', :d, 'open', :d, :c)",
        "consent_client_ids": "INSERT INTO consent_client_ids (client_id, household_id, state, "
        "since, evidence, was) VALUES (:c, :h, 'given', :d, 'form', 'pending')",
    }[table]
    values = {"h": hid, "o": org, "d": dt.date(2027, 1, 1), "c": ID}
    with people.begin() as conn:
        conn.execute(text(insert), values)
    with pytest.raises(IntegrityError), people.begin() as conn:
        conn.execute(text(insert), values)
