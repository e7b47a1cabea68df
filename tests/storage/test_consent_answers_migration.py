"""Migration 0027 keeps with a consent act sent under a device's id the figures its answer
said (visits cancelled, stays cut short), and takes them away again, keeping every act;
acts kept before it hold none, and a resend of one says only that it was recorded."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from doorstep.services.household_consent import record_consent
from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade
from doorstep.storage.session import unit_of_work
from tests.services.test_referrals import TODAY, people  # noqa: F401 - the fixture
from tests.storage.new_table import HEAD
from tests.storage.test_api_accounts_migration import _tables

ID = "2c8d4e6f-0a1b-4c2d-8e3f-4a5b6c7d8e9f"


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("consent_client_ids")}


def _withdraw(engine: Engine) -> tuple[str, ...]:
    """H1's withdrawal under ``ID`` (it has no visits to take off): the answer's notes."""
    with unit_of_work(engine) as s:
        done = record_consent(
            s, "H1", "withdrawn", actor="v1", evidence="a call", today=TODAY, client_id=ID
        )
    return done.notes


def test_the_figures_match_their_model_and_come_and_go_keeping_the_acts(
    people: Engine,  # noqa: F811
) -> None:
    with people.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    table = "consent_client_ids"
    assert [d for d in diff if table in {getattr(x, "name", None) for x in _tables(d)}] == []
    assert _withdraw(people) == ()
    # Sent again: it took no visit off, and says so by saying nothing more.
    assert _withdraw(people) == (
        "This act was recorded already, when first sent: nothing was recorded again.",
    )
    acts = "SELECT client_id, household_id, state, since, evidence, was, was_since FROM " + table
    with people.connect() as conn:
        before = conn.execute(text(acts)).all()
        figures = conn.execute(text(f"SELECT cancelled, cut FROM {table}")).all()
    assert len(before) == 1 and figures == [(0, 0)]
    try:
        command.downgrade(alembic_config(people), "0026")
        assert current_revision(people) == "0026"
        assert {"cancelled", "cut"} & _columns(people) == set()
        upgrade(people)
        with people.connect() as conn:
            assert conn.execute(text(acts)).all() == before
            # Kept before the columns were there: not known.
            assert conn.execute(text(f"SELECT cancelled, cut FROM {table}")).all() == [(None, None)]
        # So its resend says only that whatever it took off was taken off then.
        assert _withdraw(people) == (
            "This act was recorded already, when first sent: nothing was recorded again, and "
            "the household's planned visits it took off, if any, were taken off then.",
        )
    finally:
        upgrade(people)  # the next tests on this database need it at head
    assert current_revision(people) == HEAD
    assert {"cancelled", "cut"} <= _columns(people)
