"""Two demos started together: the second waits for the first, then finds the database
holding another programme and is refused (before, both found it empty and the second
overwrote half of the first)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from doorstep.demo import generate
from doorstep.errors import Conflict
from doorstep.services.demo import load_demo
from doorstep.storage.session import unit_of_work
from tests.factories.sides import Side


def test_a_second_demo_waits_then_is_refused(engine: Engine, db_url: str) -> None:
    first = generate(preset="village", seed=1)
    other = generate(preset="village", households=50, visitors=20, seed=3)

    def load_other(e: Engine) -> object:
        with unit_of_work(e) as s:
            return load_demo(s, other, actor="second")

    second = Side(db_url, load_other)
    with unit_of_work(engine) as s:
        load_demo(s, first, actor="first")
        waited = second.waits()
    second.join(60)
    assert waited, f"the second demo did not wait: {second.outcome}"
    assert isinstance(second.outcome, Conflict), second.outcome
    assert "already holds a programme" in str(second.outcome)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT COUNT(*) FROM households")).scalar_one()
    assert stored == first.households.height
