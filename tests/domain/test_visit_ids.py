"""The visit id of a visit recorded by hand: a version-8 UUID of household, visitor and
first day, told apart from a device's."""

from __future__ import annotations

import datetime as dt
import uuid

from doorstep.domain.visit_ids import is_recorded_visit_id, recorded_visit_id

DAY = dt.date(2027, 1, 5)


def test_the_id_is_a_version_8_uuid_in_lower_case_fixed_by_household_visitor_and_day() -> None:
    made = recorded_visit_id("H0", "V1", DAY)
    assert made == recorded_visit_id("H0", "V1", DAY) == str(uuid.UUID(made))
    assert uuid.UUID(made).version == 8 and uuid.UUID(made).variant == uuid.RFC_4122
    others = {
        recorded_visit_id("H1", "V1", DAY),
        recorded_visit_id("H0", "V2", DAY),
        recorded_visit_id("H0", "V1", DAY + dt.timedelta(days=1)),
        recorded_visit_id("H0", "V1", DAY, n=1),
        recorded_visit_id("H0\x1fV1", "", DAY),  # the separator is not a way to collide
    }
    assert made not in others and len(others) == 5


def test_only_such_ids_are_taken_for_a_visit_recorded_by_hand() -> None:
    assert is_recorded_visit_id(recorded_visit_id("H0", "V1", DAY))
    for device in (str(uuid.uuid4()), "Device-7", recorded_visit_id("H0", "V1", DAY).upper()):
        assert not is_recorded_visit_id(device)
    assert not is_recorded_visit_id(None)
