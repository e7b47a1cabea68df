"""A sentence the services say, as a template and its values: English rendered from the
template, another language from its translation, codes by their labels."""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.errors import Conflict, DoorstepError
from doorstep.say import Code, Said, Say, joined

ZH = {
    "household %(household)s's consent is %(state)s already": "农户 %(household)s 已是%(state)s",
    "since %(day)s": "自 %(day)s 起",
    "referral %(number)s is %(was)s %(when)s": "转介 %(number)s %(when)s为%(was)s",
}


def _zh(english: str) -> str:
    return ZH.get(english, english)


def test_english_fills_the_template_with_the_values_as_they_are() -> None:
    said = Say(
        "household %(household)s's consent is %(state)s already",
        household="H0",
        state=Code("withdrawn"),
    )
    assert said.english() == "household H0's consent is withdrawn already"
    assert str(said) == said.english()


def test_another_language_fills_the_translation_and_shows_codes_by_their_labels() -> None:
    said = Say(
        "referral %(number)s is %(was)s %(when)s",
        number=7,
        was=Code("completed"),
        when=Say("since %(day)s", day=dt.date(2027, 3, 1)),
    )
    assert said.english() == "referral 7 is completed since 2027-03-01"
    shown = said.render(_zh, lambda code: {"completed": "已完成"}[code])
    assert shown == "转介 7 自 2027-03-01 起为已完成"


def test_a_template_no_catalogue_holds_is_shown_in_english_with_its_labels() -> None:
    said = Say("unknown words %(state)s", state=Code("given"))
    assert said.render(_zh, str.upper) == "unknown words GIVEN"


@pytest.mark.parametrize(
    ("template", "values"),
    [
        ("no household with id %(household)s", {}),
        ("no household with id", {"household": "H0"}),
        ("no household with id %(household)s", {"visitor": "V1"}),
        ("%d households", {}),
        ("100% of %(n)s", {"n": 3}),
    ],
)
def test_a_template_and_its_values_must_agree(template: str, values: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"takes|placeholders"):
        Say(template, **values)


def test_an_error_said_with_a_say_keeps_it_and_its_english_message() -> None:
    said = Say("no referral number %(number)s", number=3)
    error = Conflict(said)
    assert (error.says, error.message, str(error)) == (said, "no referral number 3", error.message)
    assert error.stored_line == "no referral number 3"
    plain = DoorstepError("not converted yet")
    assert (plain.says, plain.message) == (None, "not converted yet")


def test_a_said_note_is_its_english_wherever_a_string_is_and_keeps_its_say() -> None:
    said = Say("%(n)s stored period from today on not in the file removed (--replace).", n=1)
    note = Said(said)
    assert note == "1 stored period from today on not in the file removed (--replace)."
    assert (note.says, f"{note}", note + "!") == (said, note, f"{said.english()}!")


def test_parts_joined_read_as_english_joins_them_and_each_join_is_translated() -> None:
    parts = [Say("since %(day)s", day=dt.date(2027, 3, 1)), "b", "c"]
    together = joined(parts, "; and ")
    assert str(together) == "since 2027-03-01; and b; and c"
    assert joined(["a"], ", ") == "a"
    zh = {"%(first)s; and %(rest)s": "%(first)s；并且%(rest)s"} | ZH
    assert isinstance(together, Say)
    assert together.render(lambda t: zh.get(t, t), str) == "自 2027-03-01 起；并且b；并且c"
    either = joined(["'A'", "'a'"], " or ")
    assert str(either) == "'A' or 'a'"
    assert isinstance(either, Say)
    assert (
        either.render(lambda t: {"%(first)s or %(rest)s": "%(first)s或%(rest)s"}.get(t, t), str)
        == "'A'或'a'"
    )
    with pytest.raises(ValueError, match="nothing to join"):
        joined([], ", ")
