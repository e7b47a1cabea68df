"""Build a demo programme around the real populated places of one region.

Households are spread over the region's places with weights that grow more slowly than the
population (a poverty-alleviation programme reaches rural places more than cities), scattered a
few kilometres around each place. Visitors are stationed teams in rural villages, officials in
county seats and local volunteers; there are fewer of them than households in rural places, so
some households are legitimately hard to pair. Everything is drawn with numpy from one seeded
generator, without a Python loop per person, so the same arguments give the same programme.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from doorstep.demo import organisations as orgs
from doorstep.demo.languages import draw_kinds, draw_minority, language_strings, profile_for
from doorstep.demo.names import draw_names
from doorstep.demo.places import RegionPlaces, load_region
from doorstep.demo.programme import SCHEMAS, DemoProgramme, Preset
from doorstep.demo.scatter import scatter
from doorstep.demo.tree import TOWNSHIP_SEAT_POPULATION, AreaTree, build_tree
from doorstep.demo.visitors import draw_visitors

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

PRESETS: dict[str, tuple[int, int]] = {
    "village": (34, 16),
    "county": (20_000, 13_000),
    "region": (1_690_000, 1_120_000),
}
REFERENCE_DATE = date(2026, 1, 1)
# Yearly income per head below which a household is poor: China's 2010 line of 2,300 yuan,
# about 4,000 yuan at today's prices.
POVERTY_LINE = 4_000.0
CITY_POPULATION = 50_000
# Households per place grow only with population**0.25: each GeoNames village stands for the
# rural area around it, and a poverty-alleviation programme reaches rural areas more than cities
# (about 60% of households in villages, 20% in towns, 20% in cities for Guizhou).
HOUSEHOLD_WEIGHT_EXPONENT = 0.25
CONSENT_STATES = ("given", "pending", "withdrawn")
CONSENT_SHARES = (0.92, 0.06, 0.02)
# Median yearly income per head (yuan) in villages, towns and cities; log-normal spread.
MEDIAN_INCOME_PER_HEAD = (9_500.0, 14_000.0, 26_000.0)
INCOME_SIGMA = 0.75
# Mean household size minus one (Poisson) in villages, towns and cities.
EXTRA_MEMBERS = (2.4, 1.9, 1.5)
HOUSEHOLDS_PER_GROUP = 40  # a villagers' group (村民小组) numbers its houses


def rurality(population: FloatArray) -> IntArray:
    """0 for villages, 1 for towns, 2 for cities."""
    out = np.zeros(len(population), dtype=np.int64)
    out[population >= TOWNSHIP_SEAT_POPULATION] = 1
    out[population >= CITY_POPULATION] = 2
    return out


def _scope(
    preset: Preset, places: RegionPlaces, tree: AreaTree, rng: np.random.Generator
) -> IntArray:
    pop = places.weight_population
    if preset == "region":
        return np.arange(len(places), dtype=np.int64)
    if preset == "county":
        # The county with the most villages: a rural county, the same one for every seed.
        sizes = np.bincount(tree.county)
        return np.flatnonzero(tree.county == int(np.argmax(sizes))).astype(np.int64)
    rural = np.flatnonzero(pop < TOWNSHIP_SEAT_POPULATION)
    pool = rural if len(rural) else np.arange(len(places))
    return np.array([int(rng.choice(pool))], dtype=np.int64)


def _dates(rng: np.random.Generator, n: int, low: int, high: int) -> pl.Series:
    """``n`` dates between ``low`` and ``high`` days after the reference date."""
    days = rng.integers(low, high, size=n, endpoint=True)
    base = np.datetime64(REFERENCE_DATE.isoformat(), "D")
    return pl.Series((base + days.astype("timedelta64[D]")).astype("datetime64[D]"))


def _households(
    rng: np.random.Generator,
    n: int,
    places: RegionPlaces,
    tree: AreaTree,
    scope: IntArray,
) -> tuple[pl.DataFrame, IntArray]:
    """The ``households`` frame, and how many households each place of the region has."""
    pop = places.weight_population
    weights = pop[scope] ** HOUSEHOLD_WEIGHT_EXPONENT
    counts = rng.multinomial(n, weights / weights.sum())
    place = np.repeat(scope, counts)
    lat, lon = scatter(rng, places.lat[place], places.lon[place], pop[place])
    rural = rurality(pop[place])

    members = np.clip(1 + rng.poisson(np.asarray(EXTRA_MEMBERS)[rural]), 1, 12)

    profile = profile_for(places.country, places.admin1)
    zone = profile.zone_of(places.lat[place], places.lon[place])
    intensity = np.array([z.intensity for z in profile.all_zones])[zone]
    kinds = draw_kinds(rng, intensity, rural)
    languages = language_strings(profile, draw_minority(rng, profile, zone), kinds)

    consent = rng.choice(len(CONSENT_STATES), size=n, p=CONSENT_SHARES)
    consent_date = _dates(rng, n, -540, -1)
    # Incomes vary by county (some are poorer) and by household, log-normally, per head.
    county_factor = np.exp(rng.normal(0.0, 0.2, size=len(tree.county_seat)))[tree.county[place]]
    per_head = np.asarray(MEDIAN_INCOME_PER_HEAD)[rural] * county_factor
    per_head = per_head * np.exp(rng.normal(0.0, INCOME_SIGMA, size=n))
    income = np.maximum(np.round(per_head * members, -1), 100.0)

    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(n) - np.repeat(start, counts)
    village_codes = pl.Series(tree.village_code, dtype=pl.String)
    frame = pl.DataFrame(
        {
            "household_id": pl.Series(np.arange(1, n + 1)),
            "head_name": draw_names(rng, n),
            "place": place,
            "group": rank // HOUSEHOLDS_PER_GROUP + 1,
            "number": rank % HOUSEHOLDS_PER_GROUP + 1,
            "rural": rural,
            "area_code": village_codes.gather(place),
            "lat": np.round(lat, 6),
            "lon": np.round(lon, 6),
            "members": members.astype(np.int64),
            "languages": languages,
            "consent": pl.Series(CONSENT_STATES).gather(consent),
            "consent_date": consent_date,
            "annual_income": income.astype(np.float64),
        }
    )
    name_zh = pl.Series(places.names_zh, dtype=pl.String).gather(frame["place"])
    name = pl.Series(places.names, dtype=pl.String).gather(frame["place"])
    frame = frame.with_columns(name_zh=name_zh, place_name=name)
    per_place = np.zeros(len(places), dtype=np.int64)
    per_place[scope] = counts
    return frame.select(
        pl.format("H{}", pl.col("household_id").cast(pl.String).str.zfill(7)).alias("household_id"),
        "head_name",
        _address().alias("address"),
        "area_code",
        "lat",
        "lon",
        "members",
        "languages",
        "consent",
        pl.when(pl.col("consent") == "pending")
        .then(None)
        .otherwise(pl.col("consent_date"))
        .alias("consent_date"),
        "annual_income",
        pl.lit(REFERENCE_DATE.year - 1, dtype=pl.Int64).alias("income_year"),
    ), per_place


#: Services a household may be enrolled in, with the chance for one above the poverty line
#: and one below it (a minimum living allowance goes mostly to the poor).
SERVICES = (
    ("health_insurance", 0.95, 0.93),
    ("pension", 0.35, 0.30),
    ("living_allowance", 0.04, 0.55),
    ("school_support", 0.15, 0.35),
)
#: The chance that a member is in paid work, above and below the poverty line.
IN_WORK = (0.45, 0.25)


def _work_and_services(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """``members_in_work`` and ``services_enrolled`` (codes joined by ';', null where none:
    the indicators file then says nothing of them) for the income year, drawn per household,
    poorer households working less and drawing more on allowances."""
    members = frame["members"].to_numpy()
    poor = (frame["annual_income"].to_numpy() / members < POVERTY_LINE).astype(np.int64)
    in_work = rng.binomial(members, np.asarray(IN_WORK)[poor])
    chosen = [
        np.where(rng.random(len(members)) < np.asarray(odds)[poor], code, "")
        for code, *odds in SERVICES
    ]
    joined = [";".join(c for c in row if c) or None for row in zip(*chosen, strict=True)]
    return frame.with_columns(
        pl.Series("members_in_work", in_work, dtype=pl.Int64),
        pl.Series("services_enrolled", joined, dtype=pl.String),
    )


def _address() -> pl.Expr:
    """``长坪村3组12号`` in a village, ``凯里3社区12号`` in a town; romanised if no Chinese name."""
    group, number = pl.col("group").cast(pl.String), pl.col("number").cast(pl.String)
    village = pl.col("rural") == 0
    chinese = pl.concat_str(
        [
            pl.col("name_zh"),
            pl.when(village).then(pl.lit("村")).otherwise(pl.lit("")),
            group,
            pl.when(village).then(pl.lit("组")).otherwise(pl.lit("社区")),
            number,
            pl.lit("号"),
        ]
    )
    latin = pl.concat_str(
        [
            pl.col("place_name"),
            pl.when(village).then(pl.lit(" Village, Group ")).otherwise(pl.lit(" Community ")),
            group,
            pl.lit(", No. "),
            number,
        ]
    )
    return pl.when(pl.col("name_zh") != "").then(chinese).otherwise(latin)


def generate(
    *,
    preset: Preset = "county",
    households: int | None = None,
    visitors: int | None = None,
    seed: int = 1,
    country: str = "CN",
    region: str | None = None,
) -> DemoProgramme:
    """Build a demo programme around real places of one region.

    Parameters
    ----------
    preset : {"village", "county", "region"}
        Scope and default size: one rural village (34 households, a stationed team), the most
        rural county (~20,000 households) or the whole region (1.69M households).
    households, visitors : int, optional
        Override the preset's counts; visitors default to the preset's ratio to households.
    seed : int
        Seed of the one random generator; the same arguments give identical frames.
    country, region : str
        ISO country code and region (GeoNames admin1 code or name); Guizhou by default.

    Returns
    -------
    DemoProgramme

    Raises
    ------
    ValueError
        For an unknown preset, country or region (listing the valid choices) or a negative
        count.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; valid choices: {', '.join(PRESETS)}")
    default_h, default_v = PRESETS[preset]
    n_households = default_h if households is None else households
    if visitors is not None:
        n_visitors = visitors
    elif households is None:
        n_visitors = default_v
    else:
        n_visitors = round(households * default_v / default_h)
    if n_households < 0 or n_visitors < 0:
        raise ValueError("households and visitors must not be negative")

    places = load_region(country, region)
    tree = build_tree(places)
    rng = np.random.default_rng(seed)
    scope = _scope(preset, places, tree, rng)
    organisations = orgs.organisations(places, tree, scope)
    household_frame, per_place = _households(rng, n_households, places, tree, scope)
    # A stream of its own, so that the rest of the programme is what it was before these
    # columns were drawn (the docs' examples name its people).
    household_frame = _work_and_services(np.random.default_rng([seed, 1]), household_frame)
    teams, visitor_frame = draw_visitors(
        rng,
        n_visitors,
        places=places,
        tree=tree,
        scope=scope,
        organisations=organisations,
        households_per_place=per_place,
        reference_date=REFERENCE_DATE,
    )
    # Visitors live in the places of the scope too, so the tree of the scope holds every code.
    areas = tree.frame(scope)
    return DemoProgramme(
        areas=areas.cast(SCHEMAS["areas"]),  # type: ignore[arg-type]
        organisations=organisations.frame,
        teams=teams,
        visitors=visitor_frame,
        households=household_frame,
        preset=preset,
        seed=seed,
        region_name=places.name,
        reference_date=REFERENCE_DATE,
        poverty_line=POVERTY_LINE,
    )
