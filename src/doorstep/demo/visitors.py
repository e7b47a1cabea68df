"""Visitors and teams: stationed teams in rural villages, officials in seats, local volunteers.

Officials live in the county seats (the township seats, or the village itself, when the
programme covers no county seat); volunteers live where people live, leaning to larger places.
So rural villages have fewer visitors nearby than they have households: some households there
are legitimately hard to pair, as in a real programme.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from doorstep.demo.languages import draw_kinds, draw_minority, language_strings, profile_for
from doorstep.demo.names import draw_names
from doorstep.demo.organisations import Organisations
from doorstep.demo.places import RegionPlaces
from doorstep.demo.programme import SCHEMAS
from doorstep.demo.scatter import scatter
from doorstep.demo.tree import TOWNSHIP_SEAT_POPULATION, AreaTree
from doorstep.domain.geo import haversine_m_array

IntArray = npt.NDArray[np.int64]

TEAM_SIZES = (3, 5)  # members, the lead included
TEAM_TERM_DAYS = 3 * 365
OFFICIAL_SHARE = 0.25  # of the visitors outside teams
VOLUNTEER_WEIGHT_EXPONENT = 0.35
# Capacity (households at once) 1, 2, 3: full-time team members take more.
CAPACITY_SHARES = {
    "team": (0.0, 0.3, 0.7),
    "official": (0.35, 0.45, 0.2),
    "volunteer": (0.3, 0.45, 0.25),
}
# Chance of speaking the local minority language besides Mandarin (times the zone intensity).
BILINGUAL_SHARES = {"team": 0.35, "official": 0.15, "volunteer": 0.45}
# Share of visitors with a fixed end to their service (some of them already past).
FIXED_END_SHARE = 0.09


def _team_budget(n: int) -> int:
    """How many visitors may be team members: most in a small programme, 5% in a large one."""
    return n // 2 if n <= 100 else max(50, n // 20)


def draw_visitors(
    rng: np.random.Generator,
    n: int,
    *,
    places: RegionPlaces,
    tree: AreaTree,
    scope: IntArray,
    organisations: Organisations,
    households_per_place: IntArray,
    reference_date: date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``teams`` and ``visitors`` frames for ``n`` visitors living in ``scope``."""
    pop = places.weight_population
    village_codes = pl.Series(tree.village_code, dtype=pl.String)
    base = np.datetime64(reference_date.isoformat(), "D")
    bureaus = organisations.bureau_table(len(tree.county_seat))
    provincial = np.array(organisations.provincial)
    independent = np.array(organisations.independent)

    # Teams: the rural villages with the most households first, while the budget lasts.
    candidates = scope[(pop[scope] < TOWNSHIP_SEAT_POPULATION) & (households_per_place[scope] > 0)]
    candidates = candidates[np.lexsort((candidates, -households_per_place[candidates]))]
    sizes = rng.integers(TEAM_SIZES[0], TEAM_SIZES[1], size=len(candidates), endpoint=True)
    keep = np.cumsum(sizes) <= min(_team_budget(n), n)
    team_place, sizes = candidates[keep], sizes[keep]
    n_teams = len(team_place)
    kind = rng.choice(3, size=n_teams, p=(0.6, 0.25, 0.15))
    team_org = np.where(
        kind == 0,
        bureaus[tree.county[team_place], rng.integers(0, bureaus.shape[1], size=n_teams)],
        np.where(
            kind == 1,
            provincial[rng.integers(0, len(provincial), size=n_teams)],
            independent[rng.integers(0, len(independent), size=n_teams)],
        ),
    )
    starts = base - rng.integers(30, 700, size=n_teams).astype("timedelta64[D]")
    open_ended = rng.random(n_teams) < 0.2
    ends = np.where(open_ended, np.datetime64("NaT"), starts + np.timedelta64(TEAM_TERM_DAYS, "D"))
    team_codes = pl.Series(
        [f"{tree.village_code[p]}-T1" for p in team_place.tolist()], dtype=pl.String
    )
    teams = pl.DataFrame(
        {
            "code": team_codes,
            "name": pl.Series(
                [f"{tree.village_name[p]} Village Work Team" for p in team_place.tolist()],
                dtype=pl.String,
            ),
            "area_code": village_codes.gather(team_place),
            "organisation_code": pl.Series(team_org.astype(str).tolist(), dtype=pl.String),
            "starts_on": pl.Series(starts.astype("datetime64[D]")),
            "ends_on": pl.Series(ends.astype("datetime64[D]")),
        },
        schema=SCHEMAS["teams"],
    )

    # Members of each team, then officials, then volunteers.
    n_members = int(sizes.sum())
    member_team = np.repeat(np.arange(n_teams), sizes)
    first = (np.cumsum(sizes) - sizes).astype(np.int64)
    rest = n - n_members
    n_officials = round(rest * OFFICIAL_SHARE)
    n_volunteers = rest - n_officials

    seats = scope[np.isin(scope, tree.county_seat)]
    if len(seats) == 0:
        seats = scope[np.isin(scope, tree.township_seat)]
    if len(seats) == 0:
        seats = scope
    # Each seat gets officials in proportion to the households of the places nearest to it.
    nearest = np.argmin(
        haversine_m_array(
            places.lat[scope][:, None],
            places.lon[scope][:, None],
            places.lat[seats][None, :],
            places.lon[seats][None, :],
        ),
        axis=1,
    )
    seat_load = 1.0 + np.bincount(
        nearest, weights=households_per_place[scope].astype(np.float64), minlength=len(seats)
    )
    official_place = np.repeat(seats, rng.multinomial(n_officials, seat_load / seat_load.sum()))
    v_weights = pop[scope] ** VOLUNTEER_WEIGHT_EXPONENT
    volunteer_place = np.repeat(scope, rng.multinomial(n_volunteers, v_weights / v_weights.sum()))

    place = np.concatenate((team_place[member_team], official_place, volunteer_place))
    role = np.repeat(np.arange(3), (n_members, n_officials, n_volunteers))
    role_names = ("team", "official", "volunteer")

    spread = np.where(role == 0, 0.5, 1.0)
    lat, lon = scatter(rng, places.lat[place], places.lon[place], pop[place], spread=spread)

    capacity = np.empty(n, dtype=np.int64)
    bilingual_p = np.empty(n, dtype=np.float64)
    for r, name in enumerate(role_names):
        who = role == r
        capacity[who] = 1 + rng.choice(3, size=int(who.sum()), p=CAPACITY_SHARES[name])
        bilingual_p[who] = BILINGUAL_SHARES[name]
    profile = profile_for(places.country, places.admin1)
    zone = profile.zone_of(places.lat[place], places.lon[place])
    intensity = np.array([z.intensity for z in profile.all_zones])[zone]
    # Visitors write their reports in Mandarin: none speaks only a minority language.
    kinds = draw_kinds(
        rng, intensity * bilingual_p, np.zeros(n, dtype=np.int64), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
    )
    languages = language_strings(profile, draw_minority(rng, profile, zone), kinds)

    dept = bureaus[tree.county[place], rng.integers(0, bureaus.shape[1], size=n)]
    u = rng.random(n)
    org = np.where(
        role == 1,
        np.where(u < 0.8, dept, provincial[rng.integers(0, len(provincial), size=n)]),
        np.where(u < 0.45, dept, independent[rng.integers(0, len(independent), size=n)]),
    )
    org[:n_members] = team_org[member_team]

    active_from = base - rng.integers(0, 900, size=n).astype("timedelta64[D]")
    fixed = rng.random(n) < FIXED_END_SHARE
    active_to = np.where(
        fixed,
        active_from + rng.integers(90, 1200, size=n).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    active_from[:n_members] = starts[member_team]
    active_to[:n_members] = ends[member_team]
    is_lead = np.zeros(n, dtype=bool)
    is_lead[first] = True
    member_village = village_codes.gather(team_place[member_team])
    nulls = pl.repeat(None, n - n_members, dtype=pl.String, eager=True)

    visitors = pl.DataFrame(
        {
            "visitor_id": pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(7),
            "name": draw_names(rng, n),
            "organisation_code": pl.Series(org.astype(str)),
            "home_area_code": village_codes.gather(place),
            "lat": np.round(lat, 6),
            "lon": np.round(lon, 6),
            "languages": languages,
            "capacity": capacity,
            "active_from": pl.Series(active_from.astype("datetime64[D]")),
            "active_to": pl.Series(active_to.astype("datetime64[D]")),
            "team_code": pl.concat([team_codes.gather(member_team), nulls]),
            "is_team_lead": is_lead,
            "service_area_code": pl.concat([member_village, nulls]),
        }
    ).with_columns(pl.concat_str([pl.lit("V"), pl.col("visitor_id")]).alias("visitor_id"))
    return teams, visitors.cast(SCHEMAS["visitors"])  # type: ignore[arg-type]
