"""What a visit did and what came of it, as codes from two closed lists.

A visit's record says what the visitor did (``activities``) and what came of it for the
household (``outcome_codes``) with codes, never free text: a list the programme can count
in its reports, and one that leaves no room for what a record of a household must not hold
(ethnicity, religion, political opinion, a criminal record, a legal status). A code is
read in any case and with spaces around it, and stored in its spelling here; a list is
stored each code once, in the order of its vocabulary, so the same visit recorded twice
(typed by hand, synced from a device) is stored the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from doorstep.say import Said, Say

#: Codes in one cell or option value are separated by this, as they are stored.
SEPARATOR = ";"

#: The longest note a visit's record holds, in characters, however it is recorded (typed
#: with ``visits record``, imported, synced): a note kept by one is taken by the others.
NOTE_MAX = 2000


class Activity(StrEnum):
    """What the visitor did with the household on a visit."""

    JOB_SEARCH = "job_search"
    BENEFIT_CLAIM = "benefit_claim"
    SERVICE_REFERRAL = "service_referral"
    TRAINING = "training"
    HEALTH_CHECK = "health_check"
    SCHOOL_SUPPORT = "school_support"
    HOME_REPAIR = "home_repair"
    OTHER = "other"


class Outcome(StrEnum):
    """What came of a visit for the household; ``none``: nothing yet, so it stands alone."""

    JOB_FOUND = "job_found"
    BENEFIT_GRANTED = "benefit_granted"
    REFERRAL_MADE = "referral_made"
    SERVICE_RECEIVED = "service_received"
    INCOME_RAISED = "income_raised"
    NONE = "none"


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of codes: ``what`` one of them is called in an error, and ``alone``
    the code that says "none of the others" (given with another, it contradicts it)."""

    what: str
    codes: tuple[str, ...]
    alone: str | None = None

    @property
    def listed(self) -> str:
        """The codes as an error or a help text lists them."""
        return ", ".join(self.codes)

    def unknown(self, values: Iterable[str]) -> list[str]:
        """The codes of ``values`` (each may hold several, ``;``-separated) not in the
        list, as given, each once."""
        found: dict[str, None] = {}
        for value in values:
            for part in value.split(SEPARATOR):
                if part.strip() and part.strip().lower() not in self.codes:
                    found.setdefault(part.strip())
        return list(found)

    def parse(self, values: Iterable[str]) -> tuple[str, ...]:
        """The codes of ``values`` as stored: known whatever their case, each once, in the
        list's order; an empty value, or an empty part (``a;;b``), is none.

        Raises ``ValueError`` naming the first code not in the list and listing those
        that are, or saying that ``alone`` was given with another code: its argument a
        :class:`~doorstep.say.Said`, the English that keeps its sentence for a page.
        """
        values = list(values)
        bad = self.unknown(values)
        if bad:
            raise ValueError(Said(self._unknown_code(bad[0])))
        given = {p.strip().lower() for v in values for p in v.split(SEPARATOR)}
        codes = tuple(c for c in self.codes if c in given)
        if self.alone is not None and self.alone in codes and len(codes) > 1:
            raise ValueError(Said(self.mixed_says))
        return codes

    def _unknown_code(self, code: str) -> Say:
        """Why ``code`` is refused: not in the list (which is named, each list a sentence
        of its own to translate)."""
        if self.what == "activity":
            return Say(
                "unknown activity code %(code)s; use one of: %(codes)s",
                code=repr(code),
                codes=self.listed,
            )
        if self.what == "outcome":
            return Say(
                "unknown outcome code %(code)s; use one of: %(codes)s",
                code=repr(code),
                codes=self.listed,
            )
        return Say(
            "unknown %(what)s code %(code)s; use one of: %(codes)s",
            what=self.what,
            code=repr(code),
            codes=self.listed,
        )

    @property
    def mixed(self) -> str:
        """Why ``alone`` is refused beside another code."""
        return self.mixed_says.english()

    @property
    def mixed_says(self) -> Say:
        """:attr:`mixed` as a sentence a page translates."""
        if self.what == "outcome":
            return Say(
                "outcome code %(code)s says there is none: give it alone", code=repr(self.alone)
            )
        return Say(
            "%(what)s code %(code)s says there is none: give it alone",
            what=self.what,
            code=repr(self.alone),
        )


ACTIVITIES = Vocabulary("activity", tuple(Activity))
OUTCOMES = Vocabulary("outcome", tuple(Outcome), alone=Outcome.NONE.value)


def stored(codes: Iterable[str]) -> str | None:
    """Codes as a visit's column holds them (``job_search;training``); none as none."""
    return SEPARATOR.join(codes) or None


def read(text: str | None) -> tuple[str, ...]:
    """A column's codes (``job_search;training``) as a tuple; none as empty."""
    return tuple(c for c in (text or "").split(SEPARATOR) if c)
