"""An area's pairing inputs read from the database, the engine's problem built on them,
and the figures a proposal shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from doorstep.domain.enums import ConsentState
from doorstep.domain.geo import FloatArray
from doorstep.domain.reach import near_any, reach_box
from doorstep.engine.pairing.problem import (
    MAX_LANGUAGES,
    NONE,
    PairingProblem,
    TooManyLanguages,
    encode_languages,
    encode_pools,
)
from doorstep.engine.pairing.result import PairingResult
from doorstep.engine.progress import Progress, Silent
from doorstep.errors import Conflict, InvalidInput, Named
from doorstep.say import Say
from doorstep.services.cadence import gap_days
from doorstep.services.pairing import digest as digests
from doorstep.services.pairing.leaving import Window, leaving
from doorstep.storage.repositories import pairing as repo


@dataclass(frozen=True)
class Scope:
    """An area's pairing inputs, as read from the database, and the problem built on them."""

    area_id: int
    area_code: str
    households: pl.DataFrame
    visitors: pl.DataFrame
    exclusions: pl.DataFrame
    problem: PairingProblem
    # Of the inputs as of the day read (see :mod:`doorstep.services.pairing.digest`).
    digest: str
    # Per visitor: local (no remote pool) and in reach of a household, so considered
    # whoever it pairs with (see :func:`digest_after_commit`).
    reached: np.ndarray[Any, np.dtype[np.bool_]]
    #: The programme's most days between visits: a visitor whose last day is within them of
    #: the day read is leaving (:func:`leaving`) and takes no new households.
    leaving_days: int
    #: The day read (the one the digest is as of).
    today: dt.date

    @property
    def window(self) -> Window:
        """Which visitors the problem took as leaving: as of the day read, in the window."""
        return Window(self.today, self.leaving_days)


def _one_open_pairing_each(households: pl.DataFrame, area_code: str) -> None:
    """Refuse, in words, a household with two open pairings (the engine would raise). The
    user is shown its id, a read under it; the refused attempt's event, not the
    household's, keeps the line without it (:attr:`~doorstep.errors.Named.unnamed`)."""
    twice = households.filter(pl.col("id").is_duplicated())["external_id"].unique().sort()
    if len(twice):
        rest = Say(
            "of %(area)s has more than one open pairing (%(n)s household(s) do); end all but "
            "one of them before pairing again",
            area=area_code,
            n=len(twice),
        )
        unnamed = f"a household {rest.english()}"
        read = Named("household", (twice[0],), {"area": area_code}, unnamed=unnamed)
        said = Say("household %(household)s %(rest)s", household=twice[0], rest=rest)
        raise Conflict(said, named=read)


def _visitors_in_reach(
    conn: Connection, path: str, lat: FloatArray, lon: FloatArray, max_m: float
) -> tuple[pl.DataFrame, np.ndarray[Any, np.dtype[np.bool_]]]:
    """The visitors of :func:`~doorstep.storage.repositories.pairing.visitors_in_box` who
    stay (:func:`_staying`) for households at ``(lat, lon)``."""
    return _staying(repo.visitors_in_box(conn, path, reach_box(lat, lon, max_m)), lat, lon, max_m)


def _staying(
    found: pl.DataFrame, lat: FloatArray, lon: FloatArray, max_m: float
) -> tuple[pl.DataFrame, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Of the visitors ``found`` in the households' box, those who stay: the fixed ones, and
    local ones with a household at ``(lat, lon)`` within ``max_m``; and which of them are
    such local ones.

    SQL keeps the homes in the households' :func:`~doorstep.domain.reach.reach_box`, then
    :func:`~doorstep.domain.reach.near_any` keeps those in range in whole metres (the
    engine's test, so none it would find in range is missed).
    """
    near = near_any(found["lat"].to_numpy(), found["lon"].to_numpy(), lat, lon, max_m)
    near &= found["remote_pool"].is_null().to_numpy()
    stays = (found["fixed"] == 1).to_numpy() | near
    return found.filter(pl.Series(stays)).drop("fixed"), near[stays]


def _positions(ids: np.ndarray[Any, Any], refs: pl.Series) -> np.ndarray[Any, np.dtype[np.int32]]:
    """Where each of ``refs`` sits in ``ids`` (unique), ``NONE`` for a null one.

    A region's millions of rows are looked up by sorting once, not through a dict.
    """
    order = np.argsort(ids, kind="stable")
    ranked = ids[order]
    missing = refs.is_null().to_numpy()
    wanted = refs.fill_null(0).to_numpy().astype(ranked.dtype)
    at = np.minimum(np.searchsorted(ranked, wanted), max(len(ranked) - 1, 0))
    found = ~missing
    if found.any() and not (len(ranked) and (ranked[at[found]] == wanted[found]).all()):
        raise LookupError("a row refers to an id that was not read with it (a bug)")
    out = np.full(len(refs), NONE, np.int32)
    out[found] = order[at[found]]
    return out


def _language_masks(*columns: pl.Series) -> tuple[tuple[str, ...], np.ndarray[Any, Any]]:
    """:func:`encode_languages` of the columns one after the other, parsing each distinct
    text once (millions of rows share a handful of lists)."""
    texts = pl.concat(columns)
    distinct = texts.unique(maintain_order=True)
    codes, masks = encode_languages(distinct.to_list())
    at = texts.replace_strict(distinct, pl.Series(np.arange(len(distinct))), return_dtype=pl.Int64)
    return codes, masks[at.to_numpy().astype(np.int64)]


def _between(exclusions: pl.DataFrame, hh: pl.DataFrame, vv: pl.DataFrame) -> pl.DataFrame:
    """The exclusions between the households ``hh`` and the visitors ``vv``."""
    return exclusions.filter(
        pl.col("household_id").is_in(hh["id"].implode())
        & pl.col("visitor_id").is_in(vv["id"].implode())
    )


def _places(
    hh: pl.DataFrame,
    vv: pl.DataFrame,
    current: np.ndarray[Any, np.dtype[np.int32]],
    today: dt.date,
    leaving_days: int,
) -> np.ndarray[Any, np.dtype[np.int32]]:
    """Each visitor's places in the problem: its capacity less its open pairings outside the
    area, and for a visitor :func:`leaving`, no more than the consenting households of the
    area it looks after now. So a leaving visitor keeps its households until it leaves (a
    commit after its last day, `pair --new-only` say, hands them over) but gains none: a new
    one would get a visitor who may be gone before its first visit. A household it looks after
    that lost consent leaves no place behind for a new one. The engine sees only capacity,
    so a household that could go only to leaving visitors is unpaired as all eligible
    visitors full."""
    capacity = (vv["capacity"] - vv["busy_elsewhere"]).clip(lower_bound=0).to_numpy()
    consenting = (hh["consent_state"] == ConsentState.GIVEN.value).to_numpy()
    held = current[(current != NONE) & consenting]
    kept = np.bincount(held, minlength=len(vv))
    places = np.where(leaving(vv, today, leaving_days), np.minimum(capacity, kept), capacity)
    return places.astype(np.int32)


def _problem(
    hh: pl.DataFrame,
    vv: pl.DataFrame,
    areas: pl.DataFrame,
    excl: pl.DataFrame,
    area_code: str,
    today: dt.date,
    leaving_days: int,
) -> PairingProblem:
    """The engine's problem on the rows read (``excl``: between them), a visitor leaving
    within ``leaving_days`` of ``today`` with no places for new households (:func:`_places`)."""
    area_ids = areas["id"].to_numpy()
    hid, vid = hh["id"].to_numpy(), vv["id"].to_numpy()
    try:  # both in one call, so the count covers them both
        codes, masks = _language_masks(hh["languages"], vv["languages"])
    except TooManyLanguages as exc:
        raise InvalidInput(
            Say(
                "the households and visitors of %(area)s hold %(count)s distinct language "
                "codes; a pairing problem holds at most %(most)s: pair a smaller area",
                area=area_code,
                count=exc.count,
                most=MAX_LANGUAGES,
            )
        ) from None
    hmask, vmask = masks[: len(hh)], masks[len(hh) :]
    current = _positions(vid, hh["current_visitor"])
    pools, household_pool, visitor_pool = encode_pools(
        hh["remote_pool"].to_list(), vv["remote_pool"].to_list()
    )
    return PairingProblem(
        household_ids=hh["external_id"].to_numpy(),
        household_lat=hh["lat"].to_numpy(),
        household_lon=hh["lon"].to_numpy(),
        household_languages=hmask,
        household_consent=(hh["consent_state"] == ConsentState.GIVEN.value).to_numpy(),
        household_current=current,
        household_area=_positions(area_ids, hh["area_id"]),
        visitor_ids=vv["external_id"].to_numpy(),
        visitor_lat=vv["lat"].to_numpy(),
        visitor_lon=vv["lon"].to_numpy(),
        visitor_languages=vmask,
        visitor_capacity=_places(hh, vv, current, today, leaving_days),
        visitor_active=digests.active(vv, today),
        visitor_area=_positions(area_ids, vv["service_area_id"]),
        area_parent=_positions(area_ids, areas["parent_id"]),
        languages=codes,
        pools=pools,
        household_pool=household_pool,
        visitor_pool=visitor_pool,
        exclusions=np.column_stack(
            (_positions(hid, excl["household_id"]), _positions(vid, excl["visitor_id"]))
        ).astype(np.int64),
    )


def load_scope(
    session: Session,
    area_code: str,
    *,
    today: dt.date,
    max_m: float,
    progress: Progress | None = None,
) -> Scope:
    """Read everything pairing an area depends on and build the engine's problem.

    The households are those of the area's subtree. The visitors are every visitor who could
    be eligible for one of them: every local visitor (no remote pool), whatever their home
    or service area, whose home is within ``max_m`` of one of the households (a box in SQL,
    then the exact test: :func:`_visitors_in_reach`); the visitors of every remote pool a
    household names; and every visitor who looks after one of the households now. A
    visitor's places are its capacity less its open pairings with households outside the
    area, and a visitor whose last day is within the programme's most days between visits
    has no places for households it does not look after now (:func:`_places`). Inactive
    visitors in range are kept (the engine gives them nothing; ``pair explain`` names them
    as inactive). ``progress`` hears of the read as one step (seconds
    for a county, 10-17 s for a region of 1.7M households).
    """
    progress = progress or Silent()
    progress.stage(f"reading area {area_code}", 1)
    conn = session.connection()
    area_id, path, _ = repo.area_by_code(conn, area_code)
    areas = repo.all_areas(conn)  # once: the households' paths and the problem's tree
    hh = repo.scope_households(conn, path, areas)
    _one_open_pairing_each(hh, area_code)
    vv, reached = _visitors_in_reach(conn, path, hh["lat"].to_numpy(), hh["lon"].to_numpy(), max_m)
    excl = repo.exclusions(conn)

    excl = _between(excl, hh, vv)
    days = gap_days(conn, None)
    problem = _problem(hh, vv, areas, excl, area_code, today, days)
    digest = digests.combine(digests.inputs_part(hh, vv, excl, today), digests.tree_part(hh))
    progress.advance()
    return Scope(area_id, area_code, hh, vv, excl, problem, digest, reached, days, today)


def inputs_digest_of_areas(
    conn: Connection, area_ids: list[int], tree: str, *, as_of: dt.date, max_m: float
) -> str:
    """The digest :func:`load_scope` gives, with the tree part ``tree``, for a subtree that
    held exactly ``area_ids`` (as a proposal's did when it was computed), wherever those
    areas sit now: once a move took households out of the area or brought some in, whether
    anything else changed can be told only on the households the proposal held."""
    hh = repo.households_of_areas(conn, area_ids)
    lat, lon = hh["lat"].to_numpy(), hh["lon"].to_numpy()
    box = reach_box(lat, lon, max_m)
    vv, _ = _staying(repo.visitors_in_box_of_areas(conn, area_ids, box), lat, lon, max_m)
    excl = _between(repo.exclusions(conn), hh, vv)
    return digests.combine(digests.inputs_part(hh, vv, excl, as_of), tree)


@dataclass(frozen=True)
class HouseholdScope:
    """What an area's scope holds that can matter to one of its households: the household
    (none: it is not in the area), the visitors in its reach, its own and the area's remote
    pools, and the engine's problem on them. No digest: it says nothing of the rest."""

    households: pl.DataFrame
    visitors: pl.DataFrame
    problem: PairingProblem
    #: As :attr:`Scope.leaving_days`.
    leaving_days: int


def load_household_scope(
    session: Session, area_code: str, household_id: int, *, today: dt.date, max_m: float
) -> HouseholdScope:
    """The part of :func:`load_scope`'s problem that `pair explain` reads for one household:
    every visitor it could be paired with or that the area's pools bring, with the same
    places and the same rules, without reading the rest of the area."""
    conn = session.connection()
    _, path, _ = repo.area_by_code(conn, area_code)
    areas = repo.all_areas(conn)
    hh = repo.scope_household(conn, path, household_id, areas)
    lat, lon = hh["lat"].to_numpy(), hh["lon"].to_numpy()
    found = repo.visitors_near_household(conn, path, household_id, reach_box(lat, lon, max_m))
    vv, _ = _staying(found, lat, lon, max_m)
    excl = _between(repo.exclusions(conn, household_id), hh, vv)
    days = gap_days(conn, None)
    problem = _problem(hh, vv, areas, excl, area_code, today, days)
    return HouseholdScope(hh, vv, problem, days)


def digest_after_commit(
    scope: Scope, pairs: pl.DataFrame, today: dt.date
) -> tuple[str, dict[str, str]]:
    """The digest :func:`load_scope` gives once ``pairs`` (``household_id``, ``visitor_id``:
    a proposal's pair for every household of ``scope``, ``None`` for none) are the open
    pairings, all else as read into ``scope``: what `pair commit` leaves. With it, the
    digest of each frame of those inputs (:func:`~.digest.parts`), so that a later change
    can be named as one of the households, the visitors or the exclusions.

    Only the current visitors change, and with them which visitors are considered: one
    outside reach stays only while it looks after a household of the area (or its remote
    pool is named there). Every proposed visitor was considered already, and pairings
    outside the area, so the places taken there, do not change.
    """
    current = pairs.select(
        pl.col("household_id").alias("id"), pl.col("visitor_id").alias("current_visitor")
    )
    hh = scope.households.drop("current_visitor").join(
        current, on="id", how="left", maintain_order="left"
    )
    named = hh["remote_pool"].drop_nulls().unique()
    vv = scope.visitors
    stays = (
        pl.Series(scope.reached)
        | vv["remote_pool"].is_in(named.implode())
        | vv["id"].is_in(hh["current_visitor"].drop_nulls().unique().implode())
    )
    vv = vv.filter(stays)
    excl = scope.exclusions.filter(pl.col("visitor_id").is_in(vv["id"].implode()))
    inputs, parts = digests.inputs_and_parts(hh, vv, excl, today)
    return digests.combine(inputs, digests.tree_part(hh)), parts


def leaving_soon(
    scope: Scope, result: PairingResult, today: dt.date, within_days: int
) -> dict[str, int]:
    """How many households the proposal leaves with visitors whose last day is within
    ``within_days`` of ``today`` (the programme's most days between two visits:
    :func:`leaving`), and how many such visitors. Such a visitor takes no new household
    (:func:`_places`), so these are households they look after now and keep until they
    leave: a coordinator reviewing the proposal should know who will need another visitor
    soon."""
    soon = leaving(scope.visitors, today, within_days)
    chosen = result.visitor[result.visitor != NONE]
    mine = chosen[soon[chosen]]
    return {
        "within_days": within_days,
        "households": len(mine),
        "visitors": len(np.unique(mine)),
    }


def figures(
    scope: Scope,
    result: PairingResult,
    seconds: float,
    *,
    summary: dict[str, Any] | None = None,
    today: dt.date | None = None,
    leaving_days: int | None = None,
) -> dict[str, Any]:
    """The numbers a coordinator reviews before committing.

    The engine's summary (the same figures, rounded the same way, as file mode prints;
    ``summary`` when given, else ``result.summary()``), plus what only a stored proposal
    has: consent, caseloads, churn and (given ``today`` and ``leaving_days``) the households
    going to visitors leaving within ``leaving_days``. A caseload is the visitor's real one
    once the proposal is committed: its households here plus its open pairings outside the
    area (which the problem took off its places), not only what it takes here.
    """
    paired = result.visitor != NONE
    elsewhere = scope.visitors["busy_elsewhere"].to_numpy().astype(np.int64)
    loads = result.caseloads(scope.problem.n_visitors) + elsewhere
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
            # Of those moved, the households left with no visitor (no consent now, say):
            # "moved" alone read as handed to someone else.
            "ended": int(((current != NONE) & ~paired).sum()),
            "new": int(((current == NONE) & paired).sum()),
        },
        **(
            {}
            if today is None or leaving_days is None
            else {"leaving_soon": leaving_soon(scope, result, today, leaving_days)}
        ),
        "seconds": round(seconds, 3),
    }
