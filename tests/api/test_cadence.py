"""The programme's cadence over the API: read by every account, set by a manager of the
whole programme only, and the default of the lists and plans asked for without one."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import TODAY, Headers
from tests.factories.audit import events_about


def test_every_account_reads_the_cadence_and_the_programme_s_manager_sets_it(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    default = {"max_gap_days": 60, "stay_days": 5, "set_on": None, "set_by": None}
    assert client.get("/api/v1/cadence", headers=auth("v1")).json() == default
    for name in ("v1", "v1-coord"):
        refused = client.put("/api/v1/cadence", json={"max_gap_days": 30}, headers=auth(name))
        assert refused.status_code == 403, name
    bad = client.put("/api/v1/cadence", json={"stay_days": 61}, headers=auth("boss"))
    assert bad.status_code == 422 and "longer than the 60 days" in bad.json()["detail"]
    unknown = client.put("/api/v1/cadence", json={"gap": 30}, headers=auth("boss"))
    assert unknown.status_code == 422
    # Neither setting: the API names its own fields, not the command line's options.
    neither = client.put("/api/v1/cadence", json={}, headers=auth("boss"))
    assert neither.status_code == 422
    assert neither.json()["detail"] == (
        "give max_gap_days, stay_days or both: there is nothing to set"
    )
    done = client.put("/api/v1/cadence", json={"max_gap_days": 10}, headers=auth("boss"))
    assert done.status_code == 200, done.text
    assert done.json() == {
        "max_gap_days": 10,
        "stay_days": 5,
        "set_on": TODAY.isoformat(),
        "set_by": "api:boss",
    }
    assert events_about(programme, "programme")[-1][:2] == ("update", "cadence")
    # A list asked for without a cadence measures by the programme's: the pairings began
    # on 2027-01-04, so 10 days after the last visit is long past on 2027-03-01.
    overdue = client.get("/api/v1/visits/overdue", headers=auth("v1-coord")).json()["rows"]
    assert overdue
    for row in overdue:
        assert dt.date.fromisoformat(row["deadline"]) < TODAY
    own = client.get(
        "/api/v1/visits/overdue", params={"max_gap_days": 3660}, headers=auth("v1-coord")
    )
    assert own.json()["rows"] == []
    plan = client.post("/api/v1/plans", json={"area": "R", "months": 1}, headers=auth("v1-coord"))
    assert plan.status_code == 403  # R is outside the village's coordinator's area
    plan = client.post("/api/v1/plans", json={"area": "R", "months": 1}, headers=auth("boss"))
    assert plan.status_code == 200, plan.text
    assert plan.json()["max_gap_days"] == 10
