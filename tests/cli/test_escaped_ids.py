"""Every database-mode command that looks a household or visitor up by id finds it by the
id an export writes: ``=X`` is written ``'=X`` (a spreadsheet must not run it), and a user
copies it from there. An id stored as ``'=X`` itself (imported as ``''=X``) is found as
typed first, and an id held by no one is refused as it always was."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.services.pairing.tree import add, commit, home, propose, tree, worker

#: Stored ``=X`` and ``=V``, given as an export writes them.
COPIED = ("'=X", "'=V")
#: Stored ``'=Y`` and ``'=W`` themselves, given as stored.
EXACT = ("'=Y", "'=W")
UNKNOWN = "'=Z"
NO_HOUSEHOLD = f"error: no household with id {UNKNOWN!r}"
NO_VISITOR = f"error: no visitor with id {UNKNOWN!r}"


@dataclass(frozen=True)
class Command:
    """A command line, ``{h}`` and ``{v}`` standing for a household's and a visitor's id:
    ``code``, its exit code with people it knows; ``names``, whose ids its output names
    ("h", "v"); ``refusals``, the line it refuses an unknown household ("h") or visitor
    ("v") with, or ``None`` for a filter that lists nothing (``[]``)."""

    line: str
    names: str
    refusals: dict[str, str | None]
    code: int = 0

    def args(self, h: str, v: str) -> list[str]:
        return [a.format(h=h, v=v) for a in self.line.split()]


def _household(line: str, *, names: str = "h", code: int = 0) -> Command:
    return Command(line, names, {"h": NO_HOUSEHOLD}, code)


def _visitor(line: str, *, names: str = "v", code: int = 0) -> Command:
    return Command(line, names, {"v": NO_VISITOR}, code)


def _both(line: str, *, names: str = "hv", code: int = 0, no_visitor: str = NO_VISITOR) -> Command:
    return Command(line, names, {"h": NO_HOUSEHOLD, "v": no_visitor}, code)


#: An activity's refusal of an unknown visitor has always said it so.
_ATTEND = "activity attend CAMP --household {h} --visitor {v}"
_NOT_ATTENDING = f"error: no visitor {UNKNOWN!r}"
_DAY = "--start 2026-06-02 --today 2026-06-03"

KINDS: dict[str, list[Command]] = {
    "household": [
        _household("household show {h}"),
        _household("household export {h}"),
        _household("household consent {h} --state withdrawn --evidence call"),
        _household("household erase {h} --yes"),
    ],
    "visitor": [
        _visitor("visitor show {v}"),
        _visitor("visitor export {v}"),
        _visitor("visitor end {v} --last-day 2030-12-31"),
        # Refused, once found: the visitor has a current pairing.
        _visitor("visitor erase {v} --yes", code=1),
    ],
    "visits": [
        _both(f"visits record {{h}} --visitor {{v}} {_DAY}"),
        # Refused, once both are found: no visit was planned.
        _both(f"visits missed {{h}} --visitor {{v}} {_DAY}", code=1),
        _visitor("visits due --visitor {v} --today 2026-06-03 --days 90 --format json"),
        _visitor("visits calendar --visitor {v} --out v.ics"),
    ],
    "pair": [
        _household("pair explain {h} -q", names="hv"),
        _both("pair exclude {h} {v}"),
        _both("pair unexclude {h} {v}"),
        _household("pair exclusions --household {h}"),
    ],
    "activity and project": [
        _both(_ATTEND, names="", no_visitor=_NOT_ATTENDING),
        _both(_ATTEND, no_visitor=_NOT_ATTENDING),  # again: those recorded already are named
        _household("project benefit WELL --household {h}", names=""),
        _household("project benefit WELL --household {h}"),
    ],
    "referral": [
        _both("referral add {h} --to ORG --service health --visitor {v}", names="h"),
        _household("referral list --household {h} --format json"),
    ],
    # An account of its own for each visitor (their id's last letter in its name).
    "account": [_visitor("account add acc-{v[2]} --role visitor --visitor {v}")],
    "audit": [
        Command("audit --household {h} --format json", "h", {"h": None}),
        Command("audit --visitor {v} --format json", "v", {"v": None}),
    ],
}


@pytest.fixture
def programme(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """``=X`` paired with ``=V``, ``'=Y`` with ``'=W`` (2.2 km north); an activity CAMP and
    a project WELL of organisation ORG in county A."""
    monkeypatch.chdir(tmp_path)
    tree(engine, tmp_path)
    north = {"lat": 51.52, "capacity": 1}
    visitors = [worker(visitor_id="=V", capacity=1), worker(visitor_id="''=W", **north)]
    add(engine, tmp_path, "visitors", visitors)  # stored as =V and '=W
    add(
        engine,
        tmp_path,
        "households",
        [home(household_id="=X"), home(household_id="''=Y", **north)],
    )
    commit(engine, propose(engine, "A").id)
    org = [{"code": "ORG", "name": "Clinic", "kind": "ngo", "area_code": "A"}]
    run_import(engine, "organisations", write_csv(tmp_path / "o.csv", list(org[0]), org))
    day = {"area_code": "A", "starts_on": "2026-06-01"}
    activity = {"code": "CAMP", "kind": "trip", "title": "Zoo", "ends_on": "2026-06-01"} | day
    run_import(engine, "activities", write_csv(tmp_path / "a.csv", list(activity), [activity]))
    project = {"code": "WELL", "title": "Well", "sponsor_code": "ORG"} | day
    run_import(engine, "projects", write_csv(tmp_path / "p.csv", list(project), [project]))
    return engine


def _named_in_trail(engine: Engine, given: str) -> bool:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT entity_id, detail FROM audit_events")).all()
    # The detail as JSON on both databases (PostgreSQL's comes back a dict, whose repr
    # quotes =X as '=X').
    said = (d if isinstance(d, str) else json.dumps(d, ensure_ascii=False) for _, d in rows)
    return any(entity == given for entity, _ in rows) or any(given in d for d in said)


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_command_finds_a_copied_id_an_exact_one_and_refuses_an_unknown_one(
    cli: Invoke, programme: Engine, kind: str
) -> None:
    for command in KINDS[kind]:
        # Copied from an export: '=X is =X, and the command names =X alone (nor does the
        # audit trail keep '=X anywhere).
        result = cli(*command.args(*COPIED))
        assert result.exit_code == command.code, result.output
        for given, who in zip(COPIED, "hv", strict=True):
            assert given not in result.output, result.output
            assert given[1:] in result.output or who not in command.names, result.output
            assert not _named_in_trail(programme, given)
        # Stored as '=Y: found as typed, before any =Y (none here).
        result = cli(*command.args(*EXACT))
        assert result.exit_code == command.code, result.output
        for given, who in zip(EXACT, "hv", strict=True):
            assert given in result.output or who not in command.names, result.output
        # Held by no one, as the household or as the visitor: the line it always said.
        for who, refusal in command.refusals.items():
            h, v = (UNKNOWN if w == who else c for w, c in zip("hv", COPIED, strict=True))
            result = cli(*command.args(h, v))
            if refusal is None:
                assert (result.exit_code, result.output.strip()) == (0, "[]"), result.output
            else:
                assert result.exit_code != 0, result.output
                assert result.output.strip().splitlines()[0] == refusal, result.output
