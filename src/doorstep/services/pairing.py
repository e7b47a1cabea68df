"""Database-mode pairing: propose for an area, review, then commit or discard.

A proposal stores the engine's answer with its figures and a digest of the inputs it was
computed from. Committing recomputes the digest as of the commit's date, under a lock that
makes the check and the writes one step: if households, visitors (or whether they are
active that day), pairings or exclusions of the area, or where its households' areas sit in
the area tree, changed since, the proposal is stale and is refused (the digest itself:
:mod:`doorstep.services.pairing_digest`).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import case, select, text
from sqlalchemy.orm import Session

from doorstep.domain.enums import ConsentState, PairingEndReason
from doorstep.engine.pairing.explain import Explanation, explain
from doorstep.engine.pairing.new_only import MODE as NEW_ONLY
from doorstep.engine.pairing.new_only import explain_params, pair_new_only
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import (
    NONE,
    PairingProblem,
    TooManyLanguages,
    encode_languages,
    encode_pools,
)
from doorstep.engine.pairing.result import REASONS, PairingResult, SolveStats, Unpaired
from doorstep.engine.pairing.solve import Mapper, solve
from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.privacy.audit import record_event
from doorstep.services import pairing_digest as digests
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories import pairing as repo
from doorstep.storage.tables import Area, PairingProposal, ProposedPair

#: Key in a committed proposal's ``params``: the inputs' fingerprint right after its commit.
DIGEST_AFTER_COMMIT = "digest_after_commit"
#: Key in a committed proposal's ``params``: the date it was committed as of (ISO).
COMMITTED_ON = "committed_on"


@dataclass(frozen=True)
class Scope:
    """An area's pairing inputs, as read from the database, and the problem built on them."""

    area_id: int
    area_code: str
    households: pl.DataFrame
    visitors: pl.DataFrame
    exclusions: pl.DataFrame
    problem: PairingProblem
    # Of the inputs as of the day read (see :mod:`doorstep.services.pairing_digest`).
    digest: str


@dataclass(frozen=True)
class ProposalView:
    id: int
    area_code: str
    status: str
    created_at: dt.datetime
    created_by: str
    params: dict[str, Any]
    figures: dict[str, Any]


@dataclass(frozen=True)
class PairChange:
    household: str
    current_visitor: str | None
    proposed_visitor: str | None
    distance_m: int | None
    reason: str | None


def _one_open_pairing_each(households: pl.DataFrame, area_code: str) -> None:
    """Refuse, in words, a household with two open pairings (the engine would raise)."""
    twice = households.filter(pl.col("id").is_duplicated())["external_id"].unique().sort()
    if len(twice):
        raise Conflict(
            f"household {twice[0]} of {area_code} has more than one open pairing "
            f"({len(twice)} household(s) do); end all but one of them before pairing again"
        )


def load_scope(session: Session, area_code: str, *, today: dt.date, max_m: float) -> Scope:
    """Read everything pairing an area depends on and build the engine's problem.

    The households are those of the area's subtree. The visitors are every visitor who could
    be eligible for one of them: every local visitor (no remote pool), whatever their home
    or service area, whose home is within ``max_m`` of one of the households (a box in SQL,
    then a k-d tree); the visitors of every remote pool a household names; and every visitor
    who looks after one of the households now. A visitor's places are its capacity less its
    open pairings with households outside the area. Inactive visitors in range are kept (the
    engine gives them nothing; ``pair explain`` names them as inactive).
    """
    conn = session.connection()
    area_id, path, _ = repo.area_by_code(conn, area_code)
    hh = repo.scope_households(conn, path)
    _one_open_pairing_each(hh, area_code)
    vv = repo.scope_visitors(conn, path, hh["lat"].to_numpy(), hh["lon"].to_numpy(), max_m)
    areas = repo.all_areas(conn)
    excl = repo.exclusions(conn)

    area_index = {int(a): i for i, a in enumerate(areas["id"].to_list())}
    parent = np.array(
        [area_index[p] if p is not None else NONE for p in areas["parent_id"].to_list()],
        dtype=np.int32,
    )
    vindex = {int(v): i for i, v in enumerate(vv["id"].to_list())}
    hindex = {int(h): i for i, h in enumerate(hh["id"].to_list())}
    try:  # both in one call, so the count covers them both
        codes, masks = encode_languages([*hh["languages"].to_list(), *vv["languages"].to_list()])
    except TooManyLanguages as exc:
        raise InvalidInput(
            f"the households and visitors of {area_code} hold {exc}: pair a smaller area"
        ) from None
    hmask, vmask = masks[: len(hh)], masks[len(hh) :]
    capacity = (vv["capacity"] - vv["busy_elsewhere"]).clip(lower_bound=0)
    pools, household_pool, visitor_pool = encode_pools(
        hh["remote_pool"].to_list(), vv["remote_pool"].to_list()
    )
    excl = excl.filter(
        pl.col("household_id").is_in(list(hindex)) & pl.col("visitor_id").is_in(list(vindex))
    )
    problem = PairingProblem(
        household_ids=np.array(hh["external_id"].to_list(), dtype=object),
        household_lat=hh["lat"].to_numpy(),
        household_lon=hh["lon"].to_numpy(),
        household_languages=hmask,
        household_consent=(hh["consent_state"] == ConsentState.GIVEN.value).to_numpy(),
        household_current=np.array(
            [vindex[v] if v is not None else NONE for v in hh["current_visitor"].to_list()],
            dtype=np.int32,
        ),
        household_area=np.array([area_index[a] for a in hh["area_id"].to_list()], np.int32),
        visitor_ids=np.array(vv["external_id"].to_list(), dtype=object),
        visitor_lat=vv["lat"].to_numpy(),
        visitor_lon=vv["lon"].to_numpy(),
        visitor_languages=vmask,
        visitor_capacity=capacity.to_numpy().astype(np.int32),
        visitor_active=digests.active(vv, today),
        visitor_area=np.array(
            [area_index[a] if a is not None else NONE for a in vv["service_area_id"].to_list()],
            dtype=np.int32,
        ),
        area_parent=parent,
        languages=codes,
        pools=pools,
        household_pool=household_pool,
        visitor_pool=visitor_pool,
        exclusions=np.array(
            [(hindex[h], vindex[v]) for h, v in excl.iter_rows()], dtype=np.int64
        ).reshape(-1, 2),
    )
    digest = digests.combine(digests.inputs_part(hh, vv, excl, today), digests.tree_part(hh))
    return Scope(area_id, area_code, hh, vv, excl, problem, digest)


def figures(
    scope: Scope,
    result: PairingResult,
    seconds: float,
    *,
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The numbers a coordinator reviews before committing.

    The engine's summary (the same figures, rounded the same way, as file mode prints;
    ``summary`` when given, else ``result.summary()``), plus what only a stored proposal
    has: consent, caseloads and churn.
    """
    paired = result.visitor != NONE
    loads = result.caseloads(scope.problem.n_visitors)
    active = scope.problem.visitor_active
    current = scope.problem.household_current
    kept = int(((current != NONE) & (result.visitor == current)).sum())
    return {
        **(result.summary() if summary is None else summary),
        "consenting": int(scope.problem.household_consent.sum()),
        "caseloads": {str(k): int(n) for k, n in enumerate(np.bincount(loads[active])) if n},
        "churn": {
            "kept": kept,
            "moved": int(result.moved),
            "new": int(((current == NONE) & paired).sum()),
        },
        "seconds": round(seconds, 3),
    }


def propose(
    session: Session,
    area_code: str,
    *,
    params: PairingParams,
    actor: str,
    today: dt.date | None = None,
    mapper: Mapper | None = None,
    progress: Any = None,
    new_only: bool = False,
    max_settled: int | None = None,
) -> ProposalView:
    """Pair the households of an area and store the answer as an open proposal.

    With ``new_only`` the area's current pairings stay and only its households without a
    visitor are paired into them
    (:func:`~doorstep.engine.pairing.new_only.pair_new_only`; ``max_settled`` bounds each
    search): an existing household moves only along a chain that makes room for a new one.
    The proposal is still a full pairing (``show``, ``diff``, ``commit`` and ``explain`` read
    it as any other); its figures add ``mode``, ``new``, ``released`` and ``exact``, and
    ``certified`` is false (exact for the insertion, not the least cost of the area).
    """
    if new_only and params.balance_m:
        raise InvalidInput(
            "--balance-m does not apply with --new-only: evening out caseloads would move "
            "existing households for its own sake; propose without --new-only instead"
        )
    today = today or dt.date.today()
    t0 = time.perf_counter()
    scope = load_scope(session, area_code, today=today, max_m=params.max_m)
    if scope.problem.n_households == 0:
        # An empty proposal would only be noise to review and commit.
        raise NotFound(
            f"area {area_code} has no households (in it or in the areas below it); "
            "import households first: doorstep import households FILE"
        )
    stored: dict[str, Any] = {
        "max_km": params.max_km,
        "keep_km": params.keep_km,
        "balance_m": params.balance_m,
        "today": today.isoformat(),
        **digests.stored_params(scope.households),
    }
    if new_only:
        inserted = pair_new_only(
            scope.problem, params=params, max_settled=max_settled, progress=progress
        )
        result = inserted.result
        figs = figures(scope, result, time.perf_counter() - t0, summary=inserted.summary())
        stored |= {"mode": NEW_ONLY, "max_settled": max_settled}
    else:
        result = solve(scope.problem, params=params, mapper=mapper, progress=progress)
        figs = figures(scope, result, time.perf_counter() - t0)
    proposal = PairingProposal(
        area_id=scope.area_id,
        created_by=actor,
        status="open",
        params=stored,
        figures=figs,
        inputs_digest=scope.digest,
    )
    session.add(proposal)
    session.flush()
    # Database ids of the chosen visitors, 0 for none (an area may have no visitors at all).
    vids = np.append(scope.visitors["id"].to_numpy(), 0)
    visitor = result.visitor
    codes = result.reason_codes
    pairs = pl.DataFrame(
        {
            "proposal_id": np.full(len(visitor), proposal.id, dtype=np.int64),
            "household_id": scope.households["id"].to_numpy(),
            "visitor_id": vids[np.where(visitor != NONE, visitor, len(vids) - 1)],
            "distance_m": result.distance_m,
            "reason": [REASONS[c - 1].value if c else "" for c in codes.tolist()],
        }
    ).with_columns(
        pl.when(pl.col("visitor_id") > 0).then(pl.col("visitor_id")).alias("visitor_id"),
        pl.when(pl.col("distance_m") >= 0).then(pl.col("distance_m")).alias("distance_m"),
        pl.when(pl.col("reason") != "").then(pl.col("reason")).alias("reason"),
    )
    bulk.insert_rows(session.connection(), "proposed_pairs", pairs)
    record_event(
        session,
        actor=actor,
        action="create",
        entity="pairing_proposal",
        entity_id=str(proposal.id),
        detail={
            "area": area_code,
            # Whose data the proposal read: the visitors considered may live outside the area.
            "households": scope.problem.n_households,
            "visitors": scope.problem.n_visitors,
            "paired": figs["paired"],
            **({"mode": NEW_ONLY} if new_only else {}),
        },
    )
    return _view(session, proposal)


def _get(session: Session, proposal_id: int, *, fresh: bool = False) -> PairingProposal:
    """The proposal; ``fresh`` reads it again even if the session holds it (after a lock)."""
    proposal = session.get(PairingProposal, proposal_id, populate_existing=fresh)
    if proposal is None:
        raise NotFound(f"no pairing proposal {proposal_id}")
    return proposal


def _view(session: Session, p: PairingProposal) -> ProposalView:
    code = session.execute(select(Area.code).where(Area.id == p.area_id)).scalar_one()
    return ProposalView(p.id, code, p.status, p.created_at, p.created_by, p.params, p.figures)


def show(session: Session, proposal_id: int) -> ProposalView:
    return _view(session, _get(session, proposal_id))


def diff(session: Session, proposal_id: int) -> list[PairChange]:
    """The households whose visitor would change, with the proposed visitor and distance."""
    _get(session, proposal_id)
    pairs = repo.proposed_pairs(session.connection(), proposal_id)
    changed = pairs.filter(pl.col("visitor_id").ne_missing(pl.col("current_visitor_id")))
    return [
        PairChange(r["household"], r["current_visitor"], r["visitor"], r["distance_m"], r["reason"])
        for r in changed.iter_rows(named=True)
    ]


def _stored_params(proposal: PairingProposal) -> PairingParams:
    p = proposal.params
    return PairingParams(max_km=p["max_km"], keep_km=p["keep_km"], balance_m=p["balance_m"])


def _changes(
    scope: Scope, taken: digests.Taken, *, today: dt.date, was: str, since: str
) -> list[str]:
    return digests.changes(
        scope.households,
        scope.visitors,
        scope.exclusions,
        scope.area_code,
        taken,
        today=today,
        was=was,
        since=since,
    )


def _differs(proposal: PairingProposal, scope: Scope) -> bool:
    """Whether the area read into ``scope`` no longer gives the proposal's digest (one of an
    earlier format never does: it did not cover the area tree)."""
    return not digests.current_format(proposal.params) or scope.digest != proposal.inputs_digest


def _stale_message(proposal: PairingProposal, scope: Scope, today: dt.date) -> str:
    """Why a proposal no longer holds on ``today``, in the words `pair commit` refuses it with."""
    if digests.current_format(proposal.params):
        why = _changes(
            scope,
            digests.Taken.of(
                proposal.inputs_digest,
                proposal.params,
                dt.date.fromisoformat(proposal.params["today"]),
            ),
            today=today,
            was="was computed for",
            since=f"it was computed at {proposal.created_at:%Y-%m-%d %H:%M}",
        )
    else:
        why = [digests.OLD_FORMAT]
    return (
        f"proposal {proposal.id} is stale: {'; and '.join(why)}; "
        f"run `doorstep pair --area {scope.area_code}` again"
    )


def _changed_since_commit(proposal: PairingProposal, scope: Scope, today: dt.date) -> str:
    """Why a committed proposal's pairs no longer describe the area on ``today``."""
    head = f"area {scope.area_code} changed after proposal {proposal.id} was committed"
    on = proposal.params.get(COMMITTED_ON)
    if on is None:  # committed before the date was kept: what changed cannot be told
        return head
    # The commit changed no area, nor which areas hold the households: its tree parts hold.
    after = digests.Taken.of(
        proposal.params[DIGEST_AFTER_COMMIT], proposal.params, dt.date.fromisoformat(on)
    )
    why = _changes(scope, after, today=today, was="was committed on", since="its commit")
    return f"{head}: {'; and '.join(why)}"


def commit(
    session: Session, proposal_id: int, *, actor: str, today: dt.date | None = None
) -> dict[str, int]:
    """End the replaced pairings and start the new ones, in the caller's transaction.

    The pairing lock is taken first (:func:`~doorstep.storage.repositories.pairing.
    lock_pairings`) and held until the caller's transaction ends, so a concurrent commit
    waits and then sees this one's writes. The area is read again as of ``today`` (default:
    the real date): if it no longer gives the proposal's digest (anything it was computed
    from changed, or a visitor's being active differs on ``today``) the proposal is stale.
    """
    today = today or dt.date.today()
    repo.lock_pairings(session.connection())
    proposal = _get(session, proposal_id, fresh=True)
    if proposal.status != "open":
        raise Conflict(f"proposal {proposal_id} is {proposal.status}; only an open one commits")
    code = _view(session, proposal).area_code
    max_m = _stored_params(proposal).max_m
    scope = load_scope(session, code, today=today, max_m=max_m)
    if _differs(proposal, scope):
        raise Conflict(_stale_message(proposal, scope, today))
    conn = session.connection()
    pairs = repo.proposed_pairs(conn, proposal_id)
    changed = pairs.filter(pl.col("visitor_id").ne_missing(pl.col("current_visitor_id")))
    ending = changed.filter(pl.col("current_visitor_id").is_not_null())
    no_consent = ending.filter(pl.col("reason") == Unpaired.NO_CONSENT.value)
    repo.end_pairings(
        conn, no_consent["household_id"].to_list(), today, PairingEndReason.CONSENT_WITHDRAWN.value
    )
    repo.end_pairings(
        conn,
        ending.filter(pl.col("reason").ne_missing(Unpaired.NO_CONSENT.value))[
            "household_id"
        ].to_list(),
        today,
        PairingEndReason.REPAIRED.value,
    )
    starting = changed.filter(pl.col("visitor_id").is_not_null()).select(
        pl.col("visitor_id"),
        pl.col("household_id"),
        pl.lit(today).alias("started_on"),
        pl.lit(proposal_id, dtype=pl.Int64).alias("proposal_id"),
    )
    bulk.insert_rows(conn, "pairings", starting)
    proposal.status = "committed"
    # The commit itself changes the inputs (the current pairings), so ``inputs_digest`` no
    # longer describes the area. Keep the fingerprint of the area as the commit left it:
    # `pair explain` then warns only about changes made after the commit.
    after = load_scope(session, code, today=today, max_m=max_m).digest
    proposal.params = {
        **proposal.params,
        DIGEST_AFTER_COMMIT: after,
        COMMITTED_ON: today.isoformat(),
    }
    # Other open proposals over this area are now stale; say so instead of leaving them open.
    session.execute(
        text(
            "UPDATE pairing_proposals SET status = 'stale' "
            "WHERE status = 'open' AND id <> :id AND area_id = :area"
        ),
        {"id": proposal_id, "area": proposal.area_id},
    )
    counts = {
        "ended": ending.height,
        "started": starting.height,
        "kept": pairs.height - changed.height,
    }
    record_event(
        session,
        actor=actor,
        action="update",
        entity="pairing_proposal",
        entity_id=str(proposal_id),
        detail={"committed": counts},
    )
    session.flush()
    return counts


def discard(session: Session, proposal_id: int, *, actor: str) -> None:
    """Mark an open proposal discarded (under the commit's lock: never both at once)."""
    repo.lock_pairings(session.connection())
    proposal = _get(session, proposal_id, fresh=True)
    if proposal.status != "open":
        raise Conflict(
            f"proposal {proposal_id} is {proposal.status}; only an open one is discarded"
        )
    proposal.status = "discarded"
    record_event(
        session,
        actor=actor,
        action="update",
        entity="pairing_proposal",
        entity_id=str(proposal_id),
        detail={"discarded": True},
    )
    session.flush()


@dataclass(frozen=True)
class HouseholdExplanation:
    proposal: ProposalView
    explanation: Explanation
    # The area changed since the proposal was computed (for a committed one: since its
    # commit), as of the day explained; ``None`` when that cannot be told.
    stale: bool | None
    # No open or committed proposal covers the household, so a discarded or stale one was used.
    fallback: bool = False
    # When ``stale``: why, in the words `pair commit` refuses such a proposal with (for a
    # committed one: what changed since its commit).
    stale_reason: str | None = None


#: Statuses whose pairs are current or may become so; `pair explain` prefers them.
_LIVE = ("open", "committed")


def _latest_proposal(session: Session, household_id: int) -> tuple[int, bool] | None:
    """The proposal to explain a household by: the latest open or committed one covering it,
    else the latest of any status (``True`` second: it is such a fallback)."""
    live = case((PairingProposal.status.in_(_LIVE), 0), else_=1)
    row = session.execute(
        select(PairingProposal.id, live)
        .join(ProposedPair, ProposedPair.proposal_id == PairingProposal.id)
        .where(ProposedPair.household_id == household_id)
        .order_by(live, PairingProposal.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (int(row[0]), bool(row[1]))


def _stale(
    proposal: PairingProposal, scope: Scope, today: dt.date
) -> tuple[bool | None, str | None]:
    """Whether the area's inputs as of ``today`` differ from the proposal's, and why.

    An open (or discarded) proposal is compared with what it was computed from, as `pair
    commit` on ``today`` would compare it. A committed one is compared with the area as its
    commit left it: the commit replaced the current pairings, which are part of the inputs,
    so comparing with ``inputs_digest`` would always warn. Proposals committed before that
    fingerprint was kept, or in an earlier format of the digest, cannot be told (``None``).
    """
    if proposal.status == "committed":
        after = proposal.params.get(DIGEST_AFTER_COMMIT)
        if after is None or not digests.current_format(proposal.params):
            return None, None
        if scope.digest == after:
            return False, None
        return True, _changed_since_commit(proposal, scope, today)
    if not _differs(proposal, scope):
        return False, None
    return True, _stale_message(proposal, scope, today)


def explain_household(
    session: Session,
    household: str,
    *,
    actor: str,
    proposal_id: int | None = None,
    limit: int = 5,
    today: dt.date | None = None,
) -> HouseholdExplanation:
    """Why a household got (or did not get) its visitor in a proposal, with alternatives.

    Unless ``proposal_id`` is given, the latest open or committed proposal that covers the
    household is used (a discarded or stale one only when there is no other: ``fallback``).
    The problem is rebuilt from the data as of ``today`` (default: the real date, as `pair
    commit` checks it) with the proposal's pairs; ``stale`` says when that data differs from
    what the proposal was computed from (or what its commit left), and ``stale_reason`` why:
    for an open proposal, the reason `pair commit` would refuse it with.
    """
    today = today or dt.date.today()
    conn = session.connection()
    hid = conn.execute(
        text("SELECT id FROM households WHERE external_id = :h"), {"h": household}
    ).scalar_one_or_none()
    if hid is None:
        raise NotFound(f"no household {household!r}")
    fallback = False
    if proposal_id is None:
        found = _latest_proposal(session, hid)
        if found is None:
            raise NotFound(
                f"household {household!r} is in no pairing proposal yet; "
                "run `doorstep pair --area CODE` first"
            )
        proposal_id, fallback = found
    proposal = _get(session, int(proposal_id))
    view = _view(session, proposal)
    params = _stored_params(proposal)
    scope = load_scope(session, view.area_code, today=today, max_m=params.max_m)
    pairs = repo.proposed_pairs(conn, proposal.id)
    order = scope.households.select(pl.col("id").alias("household_id")).with_row_index("h")
    vindex = scope.visitors.select(pl.col("id").alias("visitor_id")).with_row_index("v")
    joined = (
        order.join(pairs, on="household_id", how="left")
        .join(vindex, on="visitor_id", how="left")
        .sort("h")
    )
    if hid not in set(order["household_id"].to_list()):
        raise NotFound(f"household {household!r} is no longer in area {view.area_code}")
    code_of = {r.value: i + 1 for i, r in enumerate(REASONS)}
    result = PairingResult(
        visitor=joined["v"].fill_null(NONE).to_numpy().astype(np.int32),
        distance_m=joined["distance_m"].fill_null(-1).to_numpy().astype(np.int64),
        reason_codes=np.array(
            [code_of.get(r or "", 0) for r in joined["reason"].to_list()], dtype=np.int8
        ),
        total_cost=0,
        certified=bool(proposal.figures.get("certified", False)),
        moved=int(proposal.figures.get("moved", 0)),
        # A stored result: the solver's statistics are not kept.
        stats=SolveStats(0, 0, 0, 0, 0, ()),
    )
    if proposal.params.get("mode") == NEW_ONLY:
        params = explain_params(params)
    index = int(order.filter(pl.col("household_id") == hid)["h"][0])
    record_event(
        session,
        actor=actor,
        action="read",
        entity="pairing_explanation",
        entity_id=household,
        detail={"proposal": proposal.id},
    )
    stale, reason = _stale(proposal, scope, today)
    return HouseholdExplanation(
        view,
        explain(scope.problem, result, index, params=params, limit=limit),
        stale=stale,
        fallback=fallback,
        stale_reason=reason,
    )
