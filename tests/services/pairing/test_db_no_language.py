"""A household imported with no language is unpaired for no shared language in database
mode, as in file mode, and `pair explain` says so of it and of each visitor near it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from doorstep.engine.pairing.explain import NotChosen
from doorstep.engine.pairing.result import Unpaired
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, home, propose, reasons, tree, worker


def test_a_household_with_no_language_is_unpaired_for_no_shared_language(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=3)])
    add(
        engine,
        tmp_path,
        "households",
        [home(household_id="H1"), home(household_id="H2", languages="")],
    )
    view = propose(engine, "A")
    assert reasons(engine, view.id) == {"H1": None, "H2": "no_shared_language"}
    assert view.figures["unpaired_reasons"] == {"no_shared_language": 1}
    with unit_of_work(engine) as s:
        out = pairing.explain_household(s, "H2", actor="test", today=TODAY)
    e = out.explanation
    assert (e.visitor_id, e.unpaired) == (None, Unpaired.NO_SHARED_LANGUAGE)
    assert [(a.visitor_id, a.why) for a in e.alternatives] == [("V", NotChosen.NO_SHARED_LANGUAGE)]
