"""The area tree of a region: region > county > township > village, built from real places.

Every populated place is a village. Larger places are also the seats of townships and counties,
and the other places belong to the nearest seat, the way rural places in a county look to the
county town. Codes are ASCII and depend only on the place data, so they are stable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from doorstep.demo.places import RegionPlaces
from doorstep.domain.geo import haversine_m_array

LEVELS = ("region", "county", "township", "village")
COUNTY_SEAT_POPULATION = 15_000
TOWNSHIP_SEAT_POPULATION = 5_000
MIN_COUNTIES = 2
# Rural counties have few towns of 5,000 but many villages: past this many villages per
# township, more townships are seated in villages spread across the county.
TOWNSHIP_VILLAGES = 10

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AreaTree:
    """Where each place sits in the tree, as arrays parallel to :class:`RegionPlaces`.

    Attributes
    ----------
    county, township : ndarray of int64
        Index of each place's county and township (townships are numbered across the region).
    county_seat, township_seat : ndarray of int64
        Place index of the seat of each county and township.
    township_county : ndarray of int64
        County index of each township.
    village_code, township_code, county_code : tuple of str
        Codes per place, per township and per county.
    """

    root_code: str
    root_name: str
    county: IntArray
    township: IntArray
    county_seat: IntArray
    township_seat: IntArray
    township_county: IntArray
    county_code: tuple[str, ...]
    county_name: tuple[str, ...]
    township_code: tuple[str, ...]
    township_name: tuple[str, ...]
    village_code: tuple[str, ...]
    village_name: tuple[str, ...]

    def frame(self, places: npt.NDArray[np.int64] | None = None) -> pl.DataFrame:
        """The ``areas`` frame, limited to ``places`` (village indexes) and their ancestors."""
        n = len(self.village_code)
        keep = np.arange(n) if places is None else np.unique(places)
        townships = np.unique(self.township[keep])
        counties = np.unique(self.county[keep])
        rows: list[tuple[str, str, str | None, str]] = [
            (self.root_code, self.root_name, None, "region")
        ]
        rows += [
            (self.county_code[c], self.county_name[c], self.root_code, "county") for c in counties
        ]
        rows += [
            (
                self.township_code[t],
                self.township_name[t],
                self.county_code[self.township_county[t]],
                "township",
            )
            for t in townships
        ]
        rows += [
            (
                self.village_code[p],
                self.village_name[p],
                self.township_code[self.township[p]],
                "village",
            )
            for p in keep
        ]
        return pl.DataFrame(
            rows,
            schema={
                "code": pl.String,
                "name": pl.String,
                "parent_code": pl.String,
                "level": pl.String,
            },
            orient="row",
        )


def _nearest(
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    seats: IntArray,
) -> IntArray:
    """For every place, the position in ``seats`` of the nearest seat (seats map to themselves)."""
    dist = haversine_m_array(lat[:, None], lon[:, None], lat[seats][None, :], lon[seats][None, :])
    return np.asarray(np.argmin(dist, axis=1), dtype=np.int64)


def _seats(population: IntArray, threshold: int, minimum: int) -> IntArray:
    """Places at or above ``threshold``; the ``minimum`` largest if too few reach it."""
    order = np.lexsort((np.arange(len(population)), -population))
    seats = order[population[order] >= threshold]
    if len(seats) < minimum:
        seats = order[: min(minimum, len(order))]
    return np.asarray(seats, dtype=np.int64)


def _spread_seats(
    places: RegionPlaces, members: IntArray, seats: IntArray, wanted: int
) -> IntArray:
    """Add seats among ``members`` until there are ``wanted``, each the farthest from the others.

    Farthest-point sampling is deterministic and spreads townships over the county's area.
    """
    lat, lon = places.lat[members], places.lon[members]
    chosen = np.searchsorted(members, seats).tolist()
    dist = haversine_m_array(lat[:, None], lon[:, None], lat[chosen][None, :], lon[chosen][None, :])
    nearest = dist.min(axis=1)
    while len(chosen) < wanted:
        nxt = int(np.argmax(nearest))
        if nearest[nxt] <= 0.0:
            break
        chosen.append(nxt)
        nearest = np.minimum(nearest, haversine_m_array(lat, lon, lat[nxt], lon[nxt]))
    return np.asarray(members[chosen], dtype=np.int64)


def _display(name: str, name_zh: str) -> str:
    return f"{name} {name_zh}" if name_zh else name


def build_tree(places: RegionPlaces) -> AreaTree:
    """Group the region's places into counties and townships around their largest places.

    County seats are the places of at least :data:`COUNTY_SEAT_POPULATION` inhabitants, ordered
    by size (so ``GZ-01`` is the capital's county); each place belongs to the nearest one.
    Within a county, township seats are the county seat and the places of at least
    :data:`TOWNSHIP_SEAT_POPULATION`; each place of the county belongs to the nearest one.
    """
    n = len(places)
    if n == 0:
        raise ValueError(f"region {places.name!r} has no populated places")
    pop = places.population
    county_seat = _seats(pop, COUNTY_SEAT_POPULATION, MIN_COUNTIES)
    county = _nearest(places.lat, places.lon, county_seat)
    county[county_seat] = np.arange(len(county_seat))

    township = np.empty(n, dtype=np.int64)
    township_seat: list[int] = []
    township_county: list[int] = []
    for c, seat in enumerate(county_seat):
        members = np.flatnonzero(county == c)
        others = members[(pop[members] >= TOWNSHIP_SEAT_POPULATION) & (members != seat)]
        others = others[np.lexsort((others, -pop[others]))]
        seats = np.concatenate(([seat], others)).astype(np.int64)
        wanted = -(-len(members) // TOWNSHIP_VILLAGES)
        if len(seats) < wanted:
            seats = _spread_seats(places, members, seats, wanted)
        local = _nearest(places.lat[members], places.lon[members], np.searchsorted(members, seats))
        first = len(township_seat)
        township[members] = first + local
        township[seats] = first + np.arange(len(seats))
        township_seat += seats.tolist()
        township_county += [c] * len(seats)
    t_seat = np.array(township_seat, dtype=np.int64)
    t_county = np.array(township_county, dtype=np.int64)

    root = places.code
    cw = max(2, len(str(len(county_seat))))
    county_code = tuple(f"{root}-{i + 1:0{cw}d}" for i in range(len(county_seat)))
    county_name = tuple(
        _display(places.names[s], places.names_zh[s]) + " County" for s in county_seat
    )
    township_code_list: list[str] = []
    local_index = np.zeros(len(t_seat), dtype=np.int64)
    counters: dict[int, int] = {}
    for t, c in enumerate(t_county):
        counters[int(c)] = counters.get(int(c), 0) + 1
        local_index[t] = counters[int(c)]
    tw = max(2, len(str(max(counters.values()))))
    for t, c in enumerate(t_county):
        township_code_list.append(f"{county_code[c]}-{local_index[t]:0{tw}d}")
    township_name = tuple(
        _display(places.names[s], places.names_zh[s]) + " Township" for s in t_seat
    )
    village_code = [""] * n
    vw = max(3, len(str(int(np.bincount(township).max()))))
    for t in range(len(t_seat)):
        members = np.flatnonzero(township == t)
        # The seat first, then the other places by size, so the numbering reads like a register.
        members = members[np.lexsort((members, -pop[members], members != t_seat[t]))]
        for i, p in enumerate(members):
            village_code[p] = f"{township_code_list[t]}-{i + 1:0{vw}d}"
    village_name = tuple(_display(places.names[p], places.names_zh[p]) for p in range(n))
    return AreaTree(
        root_code=root,
        root_name=places.name,
        county=county,
        township=township,
        county_seat=county_seat,
        township_seat=t_seat,
        township_county=t_county,
        county_code=county_code,
        county_name=county_name,
        township_code=tuple(township_code_list),
        township_name=township_name,
        village_code=tuple(village_code),
        village_name=village_name,
    )
