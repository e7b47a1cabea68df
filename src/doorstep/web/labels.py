"""The words a page shows for a stored code (``food_support``, ``withdrawn``, a work list's
column): the code stays in forms and addresses, its label is translated.

Each label is marked with ``N_`` so ``make messages`` extracts it; a code without one is
shown as it is, its underscores as spaces. The audit trail's and the imports' names of
records and actions are marked with ``NP_`` and a context (``babel.cfg`` names it a
keyword): the same English word (``referrals``, ``visits``) is said otherwise as a count
elsewhere. So are the labels of an audit event's detail keys (:data:`DETAILS`, context
``detail``), which the trail's page shows (:mod:`doorstep.web.trail_detail`).
"""

from __future__ import annotations

from collections.abc import Callable

from doorstep.services import cancel_reasons


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
    # Codes an audit event's detail holds (see DETAILS): how an attempt ended
    # (privacy.audit.OUTCOME), the lists read, a proposal's mode, a check, how people
    # were found, a token given, a field refused, a visit's code columns written.
    "refused": N_("refused"),
    "failed": N_("failed"),
    "audit": N_("audit trail"),
    "accounts": N_("accounts"),
    "compliance": N_("cadence not met"),
    "new_only": N_("new households only"),
    "sizes": N_("household sizes"),
    "search": N_("search"),
    "record": N_("record form"),
    "record form": N_("record form"),
    "rights": N_("data and erasure page"),  # a person's rights page (services.rights_json)
    "issued": N_("issued"),
    "consent_state": N_("consent"),
    "activities": N_("what was done"),
    "outcome_codes": N_("what came of it"),
    "a visit made": N_("a visit made"),
    # What an erased person's events say instead of their detail (the repositories'
    # household_data.REDACTED and visitor_data.REDACTED).
    "household erased": N_("household erased"),
    "visitor erased": N_("visitor erased"),
    # Why a planned visit was cancelled or cut short (a detail's reason): the services'
    # sentences (services.cancel_reasons), stored as they are written; the English is
    # written out again for extraction, and a test holds it equal to the key.
    cancel_reasons.NO_LONGER_CONSENTS: N_("the household no longer consents"),
    cancel_reasons.EXCLUDED: N_("the household and the visitor were excluded"),
    cancel_reasons.RECORDED_ON_ITS_DAYS: N_("a visit of the visitor is recorded on its days"),
    cancel_reasons.VISITOR_LEFT: N_("the visitor's last day is before it"),
    cancel_reasons.LAST_DAY: N_("its visitor's last day"),
    cancel_reasons.LEAVE_BEGINS: N_("its visitor's leave begins the day after"),
    cancel_reasons.CONSENT_ENDS: N_(
        "its household's withdrawal of consent takes effect the day after"
    ),
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
    "household_sizes": NP_("record", "household sizes"),
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

#: The stored tables that are not a kind of record above, by the same words: an audit
#: event's detail counts rows by table (a person's export and erasure) and names the table
#: it wrote. Every table of the schema has a name here or above (tests/web/test_audit_details).
TABLES: dict[str, tuple[str, str]] = {
    "accounts": NP_("record", "accounts"),
    "activity_attendance": NP_("record", "attendance"),
    "api_tokens": NP_("record", "API tokens"),
    "calendar": NP_("record", "calendar"),  # a visitor's calendar (services.calendars)
    "cancelled_visits": NP_("record", "cancelled visits"),
    "consent_client_ids": NP_("record", "consent acts sent from a phone"),
    "consent_records": NP_("record", "consent records"),
    "erased_visit_events": NP_("record", "calendar cancellations kept"),
    "household_blackouts": NP_("record", "blackouts"),
    "household_indicators": NP_("record", "indicators"),
    "pairing_input_writes": NP_("record", "writes of pairing's input"),
    "pairing_lock_takes": NP_("record", "takes of the pairing lock"),
    "pairing_proposals": NP_("record", "pairing proposals"),
    "programme_cadence": NP_("record", "programme cadence"),
    "proposed_pairs": NP_("record", "proposed pairs"),
    "team_members": NP_("record", "team members"),
    "unvisited_pairings": NP_("record", "pairings a plan left unvisited"),
    "visitor_leave": NP_("record", "leave"),
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

#: What an audit event's detail records, by key, in the context ``detail``: the trail's
#: page shows each key by its label (one not listed, as it is, its value all the same).
#: Every key the code writes has one: a test that writes an event with a key not listed
#: fails (tests/conftest.py, ``trail_details_labelled``).
DETAILS: dict[str, tuple[str, str]] = {
    "account": NP_("detail", "Account"),
    "action": NP_("detail", "Action"),  # a reading of the trail: its filters
    "active_to": NP_("detail", "Works until"),
    "activity": NP_("detail", "Activity"),
    "actor": NP_("detail", "Actor"),
    "adopted": NP_("detail", "Took a visit recorded without an id"),
    "all": NP_("detail", "All pairings, ended too"),
    "area": NP_("detail", "Area"),
    "areas": NP_("detail", "Areas"),
    "attendance": NP_("detail", "Attendance"),
    "before": NP_("detail", "Events before"),
    "calendar": NP_("detail", "Calendar of"),
    "calendar_team": NP_("detail", "Calendars of team"),
    "cancelled": NP_("detail", "Cancelled"),
    "carried": NP_("detail", "Carried with it"),
    "check": NP_("detail", "Check"),
    "client_id": NP_("detail", "Sent with id"),
    "codes": NP_("detail", "Codes written"),
    "committed": NP_("detail", "Committed"),
    "consent": NP_("detail", "Consent"),
    "created": NP_("detail", "Created"),
    "days": NP_("detail", "Days"),
    "disabled": NP_("detail", "Disabled"),
    "discarded": NP_("detail", "Discarded"),
    "end": NP_("detail", "Last day"),
    "ended": NP_("detail", "Ended"),
    "entity": NP_("detail", "Record"),
    "erased": NP_("detail", "Erased"),
    "error": NP_("detail", "Error"),
    "errors": NP_("detail", "Errors"),
    "expires_at": NP_("detail", "Expires"),
    "export": NP_("detail", "Export"),
    "field": NP_("detail", "Field"),
    "file": NP_("detail", "File"),
    "follow_up_days": NP_("detail", "Follow up after days"),
    "form": NP_("detail", "Form"),
    "found": NP_("detail", "Found by"),
    "from": NP_("detail", "From"),
    "household": NP_("detail", "Household"),
    "households": NP_("detail", "Households"),
    "kept": NP_("detail", "Kept"),
    "level": NP_("detail", "Level"),
    "list": NP_("detail", "List"),
    "listed": NP_("detail", "Listed"),
    "made_on": NP_("detail", "Made on"),
    "max_gap_days": NP_("detail", "Days between visits at most"),
    "met_by": NP_("detail", "Met by"),
    "mode": NP_("detail", "Mode"),
    "moved": NP_("detail", "Moved to another household"),
    "offset": NP_("detail", "From row"),
    "on": NP_("detail", "On"),
    "organisation": NP_("detail", "Organisation"),
    "outcome": NP_("detail", "Outcome"),
    "outcomes": NP_("detail", "Outcomes"),
    "paired": NP_("detail", "Paired"),
    "pairing_diff": NP_("detail", "Changes of proposal"),
    "pairing_explanation": NP_("detail", "Explanation of proposal"),
    "pairing_proposal": NP_("detail", "Proposal"),
    "poverty_line": NP_("detail", "Poverty line"),
    "project": NP_("detail", "Project"),
    "proposal": NP_("detail", "Proposal"),
    "reason": NP_("detail", "Reason"),
    "redacted": NP_("detail", "Redacted"),
    "referral": NP_("detail", "Referral"),
    "removed": NP_("detail", "Removed"),
    "replace": NP_("detail", "Replaced the future"),
    "replaced": NP_("detail", "Visits replaced"),
    "restored_planned": NP_("detail", "Planned visit put back, from"),
    "restored_visit": NP_("detail", "Planned visit put back"),
    "role": NP_("detail", "Role"),
    "rows": NP_("detail", "Rows"),
    "search": NP_("detail", "Search"),
    "sent_again": NP_("detail", "Sent again"),
    "service": NP_("detail", "Service"),
    "shortened": NP_("detail", "Stays cut short"),
    "since": NP_("detail", "Since"),
    "start": NP_("detail", "Start"),
    "started": NP_("detail", "Started"),
    "status": NP_("detail", "Status"),
    "stay_days": NP_("detail", "Days in a stay"),
    "subject_export": NP_("detail", "Own export of"),
    "table": NP_("detail", "Table"),
    "team": NP_("detail", "Team"),
    "to": NP_("detail", "To"),
    "today": NP_("detail", "Today"),
    "token": NP_("detail", "Token"),
    "tokens_revoked": NP_("detail", "Tokens revoked"),
    "total": NP_("detail", "Total"),
    "unchanged": NP_("detail", "Unchanged"),
    "until": NP_("detail", "Until"),
    "updated": NP_("detail", "Updated"),
    "visit": NP_("detail", "Visit"),
    "visit_id": NP_("detail", "Visit id"),
    "visitor": NP_("detail", "Visitor"),
    "visitors": NP_("detail", "Visitors"),
    "visits": NP_("detail", "Visits"),
    "was": NP_("detail", "Was"),
    "was_end": NP_("detail", "Last day was"),
    "was_planned": NP_("detail", "Planned for"),
    "year": NP_("detail", "Year"),
}

#: The detail keys whose values are codes, and the words that name them: ``record`` a kind
#: of record or a table (:data:`RECORDS`, :data:`TABLES`: a file's kind, a table written,
#: a person's file page), ``action`` an action (:data:`ACTIONS`), ``label`` a code's label
#: (:data:`LABELS`: a state, a status, a list, a reason). A value with no name there, and
#: the values of other keys (ids, file names, days, counts, an error's line), are shown as
#: they are.
CODED: dict[str, str] = {
    "table": "record",
    "export": "record",
    "subject_export": "record",
    "entity": "record",
    "file": "record",
    "action": "action",
    **dict.fromkeys(
        (
            "list",
            "status",
            "was",
            "consent",
            "role",
            "service",
            "mode",
            "check",
            "found",
            "form",
            "households",
            "outcome",
            "field",
            "token",
            "met_by",
            "reason",
            "redacted",
            "carried",
            "codes",
            "erased",
        ),
        "label",
    ),
}


def named(pgettext: Callable[[str, str], str], words: dict[str, tuple[str, str]], code: str) -> str:
    """The name of a record's kind or an action (``words``: :data:`RECORDS` or
    :data:`ACTIONS`) in the page's language (``pgettext`` its catalogue's); one not listed,
    as it is, its underscores as spaces."""
    found = words.get(code)
    return pgettext(*found) if found is not None else code.replace("_", " ")
