"""A visit's activities and outcomes: codes from closed lists, stored one way."""

from __future__ import annotations

import pytest

from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES, read, stored


def test_codes_are_read_in_any_case_and_stored_once_in_the_lists_order() -> None:
    given = ["Training; job_search", "JOB_SEARCH", " other ;;"]
    assert ACTIVITIES.parse(given) == ("job_search", "training", "other")
    assert stored(ACTIVITIES.parse(given)) == "job_search;training;other"
    assert read("job_search;training;other") == ("job_search", "training", "other")


def test_nothing_given_is_none_stored_as_none() -> None:
    assert ACTIVITIES.parse(["", " ; "]) == ()
    assert stored(()) is None
    assert read(None) == read("") == ()


def test_an_unknown_code_is_named_with_the_codes_allowed() -> None:
    with pytest.raises(ValueError, match="unknown activity code") as info:
        ACTIVITIES.parse(["training;Religion"])
    assert str(info.value) == (
        "unknown activity code 'Religion'; use one of: job_search, benefit_claim, "
        "service_referral, training, health_check, school_support, home_repair, other"
    )
    assert ACTIVITIES.unknown(["Religion;training", "religion "]) == ["Religion", "religion"]


def test_the_outcome_none_stands_alone() -> None:
    assert OUTCOMES.parse(["NONE"]) == ("none",)
    with pytest.raises(ValueError, match="'none' says there is none: give it alone"):
        OUTCOMES.parse(["none", "job_found"])
    assert ACTIVITIES.alone is None  # "other" beside another activity is fine
    assert ACTIVITIES.parse(["other;training"]) == ("training", "other")
