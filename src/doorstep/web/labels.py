"""The words a page shows for a stored code (``food_support``, ``withdrawn``, a work list's
column): the code stays in forms and addresses, its label is translated.

Each label is marked with ``N_`` so ``make messages`` extracts it; a code without one is
shown as it is, its underscores as spaces. The audit trail's and the imports' names of
records and actions are marked with ``NP_`` and a context (``babel.cfg`` names it a
keyword): the same English word (``referrals``, ``visits``) is said otherwise as a count
elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(english: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    return english


def NP_(context: str, english: str) -> tuple[str, str]:  # noqa: N802 - as N_, in a context
    return context, english


LABELS: dict[str, str] = {
    # What a visit did (domain.visit_codes.Activity), and what came of it (Outcome).
    "job_search": N_("job search"),
    "benefit_claim": N_("benefit claim"),
    "service_referral": N_("service referral"),
    "training": N_("training"),
    "health_check": N_("health check"),
    "school_support": N_("school support"),
    "home_repair": N_("home repair"),
    "other": N_("other"),
    "job_found": N_("job found"),
    "benefit_granted": N_("benefit granted"),
    "referral_made": N_("referral made"),
    "service_received": N_("service received"),
    "income_raised": N_("income raised"),
    "none": N_("none"),
    # Consent states, visit, project and referral statuses, roles.
    "pending": N_("pending"),
    "given": N_("given"),
    "withdrawn": N_("withdrawn"),
    "planned": N_("planned"),
    "done": N_("done"),
    "missed": N_("missed"),
    "not recorded": N_("not recorded"),  # a planned visit gone by (a file's visits)
    "cancelled": N_("cancelled"),
    "running": N_("running"),
    "open": N_("open"),
    "accepted": N_("accepted"),
    "completed": N_("completed"),
    "declined": N_("declined"),
    "committed": N_("committed"),
    "discarded": N_("discarded"),
    "stale": N_("stale"),
    "manager": N_("manager"),
    "coordinator": N_("coordinator"),
    "visitor": N_("visitor"),
    # Group activities' kinds; the services a household is referred for.
    "trip": N_("trip"),
    "contest": N_("contest"),
    "summer_camp": N_("summer camp"),
    "employment": N_("employment"),
    "benefits": N_("benefits"),
    "health": N_("health"),
    "education": N_("education"),
    "housing": N_("housing"),
    "childcare": N_("childcare"),
    # Why a pairing ended (domain.enums.PairingEndReason).
    "repaired": N_("paired anew"),
    "consent_withdrawn": N_("consent withdrawn"),
    "visitor_left": N_("visitor left"),
    "excluded": N_("kept apart"),
    "no_visitor": N_("no visitor"),
    "household_left": N_("household left"),
    "requested": N_("requested"),
    # Why a household stays unpaired (engine.pairing.result.Unpaired).
    "no_consent": N_("no consent"),
    "no_visitor_within_distance": N_("no visitor within distance"),
    "no_shared_language": N_("no shared language"),
    "no_eligible_visitor": N_("no eligible visitor"),
    "all_eligible_visitors_full": N_("all eligible visitors full"),
    # Why a pairing's explanation did not choose a visitor (engine.pairing.explain.NotChosen,
    # and the API's as_near); excluded, no_consent and no_shared_language are above.
    "full": N_("full"),
    "farther": N_("farther"),
    "as_near": N_("as near (another was chosen)"),
    "outside_service_area": N_("outside its service area"),
    "other_pool": N_("another remote pool"),
    "inactive": N_("inactive"),
    "continuity": N_("continuity"),
    "balance": N_("balance"),
    "no_gain": N_("no gain"),
    # Why a plan misses the cadence (engine.planning.reasons.Reason).
    "working_pattern": N_("working pattern"),
    "holiday": N_("holiday"),
    "leave": N_("leave"),
    "blackout": N_("blackout"),
    "start_weekday": N_("start weekday"),
    "visitor_fully_booked": N_("visitor fully booked"),
    "staffing_cap": N_("staffing cap"),
    "overdue_before_planning": N_("overdue before planning"),
    "too_few_visits": N_("too few visits"),
    "planner": N_("planner"),
    "pairing_ends": N_("pairing ends"),
    # Why a plan leaves an open pairing unplanned (services.planning.NOT_PLANNED).
    "pair excluded": N_("pair excluded"),
    "no consent": N_("no consent"),
    "visitor gone": N_("visitor gone"),
    "no active day": N_("no active day"),
    # The work lists, by their codes (a list's cursor refused names its list).
    "due": N_("due"),
    "overdue": N_("overdue"),
    "upcoming": N_("upcoming"),
    "unrecorded": N_("unrecorded"),
    # The work lists' columns (services.work_lists.COLUMNS).
    "start": N_("First day"),
    "end_day": N_("Last day"),
    "visitor_name": N_("Visitor's name"),
    "household": N_("Household"),
    "head_name": N_("Head"),
    "area": N_("Area"),
    "referral_open_since": N_("Referral open since"),
    "deadline": N_("Deadline"),
    "days_left": N_("Days left"),
    "status": N_("Status"),
    "last_visit": N_("Last visit"),
    "under_way": N_("Under way"),
    "next_planned": N_("Next planned"),
    "next_visitor": N_("Next visitor"),
}


def label(gettext: Callable[[str], str], code: object) -> str:
    """The label of ``code`` in the page's language (``gettext`` its catalogue's)."""
    text = str(code)
    english = LABELS.get(text)
    return gettext(english) if english is not None else text.replace("_", " ")


#: The kinds of record an audit event is about and an import's file holds (its
#: ``entity``), in their context: a page shows the words, the filters and forms keep the code.
RECORDS: dict[str, tuple[str, str]] = {
    # What the trail records one event of, under its id.
    "household": NP_("record", "household"),
    "visitor": NP_("record", "visitor"),
    "consent": NP_("record", "consent"),
    "account": NP_("record", "account"),
    "activity": NP_("record", "activity"),
    "project": NP_("record", "project"),
    "referral": NP_("record", "referral"),
    "visit_plan": NP_("record", "visit plan"),
    "pairing_proposal": NP_("record", "pairing proposal"),
    "pairing_diff": NP_("record", "pairing proposal's changes"),
    "pairing_explanation": NP_("record", "pairing explanation"),
    "programme": NP_("record", "programme"),
    "report": NP_("record", "report"),
    "summary": NP_("record", "summary"),
    "audit_events": NP_("record", "audit trail"),
    # The files an import reads (importing.columns.IMPORTS), and the lists read or written.
    "areas": NP_("record", "areas"),
    "organisations": NP_("record", "organisations"),
    "teams": NP_("record", "teams"),
    "visitors": NP_("record", "visitors"),
    "households": NP_("record", "households"),
    "indicators": NP_("record", "indicators"),
    "leave": NP_("record", "leave"),
    "blackouts": NP_("record", "blackouts"),
    "visits": NP_("record", "visits"),
    "exclusions": NP_("record", "exclusions"),
    "activities": NP_("record", "activities"),
    "attendance": NP_("record", "attendance"),
    "projects": NP_("record", "projects"),
    "project_households": NP_("record", "project households"),
    "referrals": NP_("record", "referrals"),
    "pairings": NP_("record", "pairings"),
}

#: What an audit event did (services.audit_trail.ACTIONS).
ACTIONS: dict[str, tuple[str, str]] = {
    "read": NP_("action", "read"),
    "create": NP_("action", "create"),
    "update": NP_("action", "update"),
    "delete": NP_("action", "delete"),
    "import": NP_("action", "import"),
    "export": NP_("action", "export"),
    "subject_export": NP_("action", "own export"),
}


def named(pgettext: Callable[[str, str], str], words: dict[str, tuple[str, str]], code: str) -> str:
    """The name of a record's kind or an action (``words``: :data:`RECORDS` or
    :data:`ACTIONS`) in the page's language (``pgettext`` its catalogue's); one not listed,
    as it is, its underscores as spaces."""
    found = words.get(code)
    return pgettext(*found) if found is not None else code.replace("_", " ")
