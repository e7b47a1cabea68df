"""The audit trail's page shows each event's detail by its labels in the page's language
(``Table: exclusions``, ``Rows: visits 3, pairings 1``), its codes by their names, ids,
files and days as they are; a key with no label as it is, its value all the same; and the
detail as stored under each event."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, insert

from doorstep.engine.pairing.params import NEW_ONLY
from doorstep.privacy.audit import FAILED, REFUSED, record_event, record_events, record_row_events
from doorstep.services import cancel_reasons
from doorstep.services.planning_unmet import LIST
from doorstep.storage.base import Base, utcnow
from doorstep.storage.repositories import household_data, visitor_data
from doorstep.storage.session import unit_of_work
from doorstep.web.labels import CODED, DETAILS, LABELS, RECORDS, TABLES
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH

_CELL = re.compile(r'<td class="detail">(.*?)</td>', re.S)
_STORED = re.compile(r"<details><summary>[^<]*</summary><code>(.*?)</code></details>", re.S)


def _details(page: str) -> list[str]:
    """Each event's detail as the page shows it, as a reader reads it, newest first."""
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", "", _STORED.sub("", cell))).split())
        for cell in _CELL.findall(page)
    ]


def _labels(page: str) -> set[str]:
    return set(re.findall(r'<span class="key">([^<]*)</span>', page))


def test_the_trail_shows_an_import_an_explanation_a_refusal_and_an_erasure_by_their_labels(
    sign_in: SignIn, tmp_path: Path
) -> None:
    boss = sign_in("boss")
    bad = [household(household_id="H7", lat="north")]
    with write_csv(tmp_path / "bad.csv", HOUSEHOLD_HEADER, bad).open("rb") as fh:
        refused = boss.post("/imports", data={"kind": "households"}, files={"file": fh})
    assert refused.status_code == 422, refused.text
    assert boss.get("/pairing/explain", params={"household": "H0"}).status_code == 200
    erased = boss.post("/household/erase", data={"id": "H2", "confirm": "H2"})
    assert erased.status_code == 200, erased.text
    asked = [{"action": "import", "entity": "households"}, {"entity": "pairing_explanation"}]
    asked.append({"household": "H2", "action": "delete"})
    asked.append({"household": "H2", "action": "create"})  # its import's, redacted

    english = [_details(boss.get("/audit", params=a).text) for a in asked]
    assert english == [
        [
            "File: bad.csv; Outcome: refused; Error: ImportRejected; Errors: 1",
            "File: h.csv; Rows: 3; Created: 3; Updated: 0; Unchanged: 0",
        ],
        ["Proposal: 1"],
        ["Erased: households 1, pairings 1, proposed pairs 1, visits 2"],
        ["Redacted: household erased"],
    ]
    chinese_pages = [boss.get("/audit", params=a, headers=ZH).text for a in asked]
    assert [_details(p) for p in chinese_pages] == [
        [
            "文件：bad.csv；结果：被拒绝；错误：ImportRejected；错误数：1",
            "文件：h.csv；行数：3；新建：3；已更新：0；未变：0",
        ],
        ["结对方案：1"],
        ["已清除：农户 1，结对 1，方案中的结对 1，走访 2"],
        ["已隐去：农户数据已清除"],
    ]
    # No key is left in English on the Chinese pages: each is shown by its label.
    shown = set().union(*(_labels(p) for p in chinese_pages))
    assert len(shown) == 11
    assert not shown & {english for _, english in DETAILS.values()}
    # Each visitor the explanation showed has its read, naming the proposal explained.
    v1 = boss.get("/audit", params={"visitor": "V1", "action": "read"}, headers=ZH).text
    assert "结对说明所属方案：1" in _details(v1)


def test_a_key_with_no_label_is_shown_as_it_is_with_its_value_and_the_detail_as_stored(
    sign_in: SignIn, programme: Engine
) -> None:
    # An event of a later version, written as it is stored (not by today's code, whose
    # every key has a label: tests/conftest.py).
    detail = {"reviewed_by": "x", "counts": {"visits": 2, "widgets": 1}, "flags": ["a_b"]}
    events = Base.metadata.tables["audit_events"]
    with programme.begin() as conn:
        conn.execute(
            insert(events).values(
                at=utcnow(), actor="later", action="read", entity="visits", detail=detail
            )
        )
    boss = sign_in("boss")
    page = boss.get("/audit", params={"actor": "later"}).text
    assert _details(page) == ["reviewed_by: x; counts: visits 2, widgets 1; flags: a_b"]
    chinese = boss.get("/audit", params={"actor": "later"}, headers=ZH).text
    assert _details(chinese) == ["reviewed_by：x；counts：走访 2，widgets 1；flags：a_b"]
    assert "<summary>存储原文</summary>" in chinese
    for shown in (page, chinese):
        (stored,) = _STORED.findall(shown)
        assert json.loads(html.unescape(stored)) == detail


def test_a_key_written_with_no_label_is_found_by_each_writer(
    engine: Engine, trail_watched: set[str]
) -> None:
    """The check of tests/conftest.py sees each way an event is written; cleared here, as
    this test writes a key with no label on purpose."""
    with unit_of_work(engine) as s:
        record_event(s, actor="t", action="read", entity="visits", detail={"one_key": 1})
        record_events(s, actor="t", entity="visitor", events=[("read", "V1", {"two": {"x": 1}})])
        record_row_events(
            s,
            actor="t",
            action="read",
            entity="household",
            source="households",
            key="external_id",
            ids=pl.Series([], dtype=pl.Int64),
            detail={"rows": {"visits": 1, "three": 2}},
        )
    assert trail_watched == {"one_key", "two", "x", "three"}
    trail_watched.clear()


def test_every_table_a_detail_counts_has_a_name_and_every_coded_key_a_label() -> None:
    assert set(Base.metadata.tables) <= set(RECORDS) | set(TABLES)
    assert set(CODED) <= set(DETAILS)


def test_the_stored_codes_and_reasons_a_detail_holds_have_labels() -> None:
    stored = {
        REFUSED,
        FAILED,
        household_data.REDACTED["redacted"],
        visitor_data.REDACTED["redacted"],
        LIST,
        NEW_ONLY,
        *cancel_reasons.ALL,
    }
    assert stored <= set(LABELS)


def test_each_reason_a_visit_is_cancelled_for_is_labelled_by_its_own_words() -> None:
    # Keyed by the services' constants, a label's English is written out for extraction:
    # a reason reworded in the services must be reworded in its label too.
    assert {reason: LABELS[reason] for reason in cancel_reasons.ALL} == {
        reason: reason for reason in cancel_reasons.ALL
    }
