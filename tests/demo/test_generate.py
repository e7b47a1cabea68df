from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from doorstep.demo import POVERTY_LINE, SCHEMAS, DemoProgramme, generate
from doorstep.demo.generate import CITY_POPULATION, SERVICES
from doorstep.demo.places import load_region
from doorstep.demo.programme import Preset
from doorstep.demo.scatter import max_offset_km
from doorstep.demo.tree import TOWNSHIP_SEAT_POPULATION, build_tree
from doorstep.domain.geo import haversine_m_array
from doorstep.domain.languages import known_codes, parse_languages

# Fields the data model must never hold, not even as a demo.
SENSITIVE = ("ethnic", "religio", "politic", "criminal", "convict", "legal_status", "nationality")


def _village_places() -> pl.DataFrame:
    places = load_region("CN")
    tree = build_tree(places)
    return pl.DataFrame(
        {
            "area_code": tree.village_code,
            "place_lat": places.lat,
            "place_lon": places.lon,
            "population": places.weight_population,
        }
    )


def test_the_village_preset_is_one_village_of_34_households_with_a_stationed_team(
    village: DemoProgramme,
) -> None:
    areas = village.areas
    assert areas["level"].to_list() == ["region", "county", "township", "village"]
    village_code = areas.filter(areas["level"] == "village")["code"].item()
    assert village.households.height == 34
    assert set(village.households["area_code"]) == {village_code}
    assert village.teams.height == 1
    assert village.teams["area_code"].item() == village_code
    members = village.visitors.filter(pl.col("team_code").is_not_null())
    assert 3 <= members.height <= 5
    assert set(members["service_area_code"]) == {village_code}


def test_counts_match_the_request() -> None:
    prog = generate(preset="county", households=1_234, visitors=567, seed=2)
    assert prog.households.height == 1_234
    assert prog.visitors.height == 567
    ratio = generate(preset="county", households=2_000, seed=2)
    assert ratio.visitors.height == 1_300


def test_frames_have_exactly_the_import_columns(county: DemoProgramme) -> None:
    for name, frame in county.frames().items():
        assert frame.schema == pl.Schema(SCHEMAS[name])
        assert not [c for c in frame.columns if any(s in c for s in SENSITIVE)]


def test_the_same_seed_gives_the_same_programme_and_another_seed_another() -> None:
    a = generate(preset="county", households=3_000, seed=11)
    b = generate(preset="county", households=3_000, seed=11)
    c = generate(preset="county", households=3_000, seed=12)
    for name in a.frames():
        assert_frame_equal(a.frames()[name], b.frames()[name])
    assert not a.households.equals(c.households)
    assert not a.visitors.equals(c.visitors)


def test_households_live_in_villages_near_the_village_centre(small_region: DemoProgramme) -> None:
    areas = small_region.areas
    villages = set(areas.filter(areas["level"] == "village")["code"])
    homes = small_region.households.join(_village_places(), on="area_code", how="left")
    assert set(homes["area_code"]) <= villages
    assert homes["place_lat"].null_count() == 0
    dist_km = (
        haversine_m_array(
            homes["lat"].to_numpy(),
            homes["lon"].to_numpy(),
            homes["place_lat"].to_numpy(),
            homes["place_lon"].to_numpy(),
        )
        / 1000
    )
    assert np.all(dist_km <= max_offset_km(homes["population"].to_numpy()) * 1.01)
    assert homes["lat"].is_between(-90, 90).all()
    assert homes["lon"].is_between(-180, 180).all()


def test_visitors_live_in_the_programme_and_belong_to_known_organisations(
    small_region: DemoProgramme,
) -> None:
    visitors = small_region.visitors
    assert set(visitors["home_area_code"]) <= set(small_region.areas["code"])
    assert set(visitors["organisation_code"]) <= set(small_region.organisations["code"])
    assert visitors["capacity"].is_between(1, 3).all()
    assert visitors["visitor_id"].n_unique() == visitors.height
    started = visitors.filter(pl.col("active_to").is_not_null())
    assert (started["active_from"] <= started["active_to"]).all()


def test_each_team_has_one_lead_and_members_of_its_organisation(
    small_region: DemoProgramme,
) -> None:
    members = small_region.visitors.filter(pl.col("team_code").is_not_null())
    teams = small_region.teams
    assert teams.height > 50
    per_team = members.group_by("team_code").agg(
        pl.col("is_team_lead").sum().alias("leads"),
        pl.col("organisation_code").unique().alias("orgs"),
        pl.col("service_area_code").unique().alias("service"),
    )
    joined = per_team.join(teams, left_on="team_code", right_on="code")
    assert joined.height == teams.height
    assert (joined["leads"] == 1).all()
    for orgs, service, org, area in joined.select(
        "orgs", "service", "organisation_code", "area_code"
    ).iter_rows():
        assert orgs == [org]
        assert service == [area]
    assert not small_region.visitors.filter(pl.col("team_code").is_null())["is_team_lead"].any()


def test_languages_are_known_codes(small_region: DemoProgramme) -> None:
    known = known_codes()
    for frame in (small_region.households, small_region.visitors):
        codes = {c for text in frame["languages"].unique() for c in parse_languages(text)}
        assert codes <= known


def test_a_realistic_share_of_households_speaks_only_a_minority_language(
    small_region: DemoProgramme,
) -> None:
    homes = small_region.households.join(_village_places(), on="area_code").with_columns(
        only=~pl.col("languages").str.contains("zh")
    )
    assert 0.10 <= homes["only"].mean() <= 0.15  # type: ignore[operator]
    rural = homes.filter(pl.col("population") < TOWNSHIP_SEAT_POPULATION)["only"].mean()
    urban = homes.filter(pl.col("population") >= CITY_POPULATION)["only"].mean()
    assert rural > 3 * urban  # type: ignore[operator]
    # Every visitor speaks Mandarin; some also speak a minority language.
    visitors = small_region.visitors["languages"]
    assert visitors.str.starts_with("zh").all()
    assert 0.05 < visitors.str.contains(";").mean() < 0.5  # type: ignore[operator]


def test_consent_is_mostly_given_and_dated_unless_pending(small_region: DemoProgramme) -> None:
    homes = small_region.households
    shares = homes["consent"].value_counts(normalize=True)
    share = dict(zip(shares["consent"], shares["proportion"], strict=True))
    assert set(share) == {"given", "pending", "withdrawn"}
    assert share["given"] > 0.85
    assert share["withdrawn"] < share["pending"] < 0.1
    pending = homes["consent"] == "pending"
    assert (homes["consent_date"].is_null() == pending).all()


def test_incomes_are_skewed_and_some_households_are_below_the_poverty_line(
    small_region: DemoProgramme,
) -> None:
    homes = small_region.households
    assert (homes["members"] >= 1).all()
    assert (homes["annual_income"] > 0).all()
    assert homes["annual_income"].mean() > homes["annual_income"].median()  # type: ignore[operator]
    poor = (homes["annual_income"] / homes["members"] < POVERTY_LINE).mean()
    assert 0.02 < poor < 0.3  # type: ignore[operator]
    assert set(homes["income_year"]) == {small_region.reference_date.year - 1}


def test_poorer_households_work_less_and_draw_more_allowances(
    small_region: DemoProgramme,
) -> None:
    homes = small_region.households.with_columns(
        poor=pl.col("annual_income") / pl.col("members") < POVERTY_LINE,
        allowance=pl.col("services_enrolled").str.contains("living_allowance").fill_null(False),
    )
    assert (homes["members_in_work"] <= homes["members"]).all()
    assert (homes["members_in_work"] >= 0).all()
    codes = set(homes["services_enrolled"].drop_nulls().str.split(";").explode())
    assert codes == {code for code, *_ in SERVICES}
    by = homes.group_by("poor").agg(
        pl.col("members_in_work").sum() / pl.col("members").sum(), pl.col("allowance").mean()
    )
    (work_rich, allowance_rich), (work_poor, allowance_poor) = (
        by.sort("poor").select("members_in_work", "allowance").rows()
    )
    assert work_poor < work_rich and allowance_poor > 5 * allowance_rich


def test_capacity_exceeds_consenting_households_overall(small_region: DemoProgramme) -> None:
    consenting = small_region.households.filter(pl.col("consent") == "given").height
    assert small_region.visitors["capacity"].sum() > 1.2 * consenting


def test_names_and_addresses_are_chinese(village: DemoProgramme) -> None:
    for name in village.households["head_name"].to_list() + village.visitors["name"].to_list():
        assert 2 <= len(name) <= 3
        assert all("\u4e00" <= ch <= "\u9fff" for ch in name)
    assert village.households["address"].str.contains(r"\d+号|No\. \d+").all()


def test_an_unknown_preset_or_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="valid choices: village, county, region"):
        generate(preset="planet")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        generate(preset="village", households=-1)


@pytest.mark.slow
def test_the_region_preset_has_the_full_scale() -> None:
    prog = generate(preset="region", seed=1)
    assert prog.households.height == 1_690_000
    assert prog.visitors.height == 1_120_000
    consenting = prog.households.filter(pl.col("consent") == "given").height
    assert prog.visitors["capacity"].sum() > 1.2 * consenting
    with pytest.raises(ValueError, match="1,048,575 rows"):
        prog.write_files("unused-directory", fmt="xlsx")


def test_other_regions_have_their_own_languages_or_mandarin_only() -> None:
    yunnan = generate(preset="region", region="Yunnan", households=3_000, seed=1)
    assert yunnan.areas["code"][0] == "YN"
    spoken = {c for t in yunnan.households["languages"].unique() for c in parse_languages(t)}
    assert {"zh", "ii"} <= spoken
    shanghai = generate(preset="region", region="23", households=1_000, seed=1)
    assert set(shanghai.households["languages"]) == {"zh"}


@settings(max_examples=25, deadline=None)
@given(
    preset=st.sampled_from(["village", "county", "region"]),
    households=st.integers(0, 400),
    visitors=st.integers(0, 300),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_size_gives_a_consistent_programme(
    preset: Preset, households: int, visitors: int, seed: int
) -> None:
    prog = generate(preset=preset, households=households, visitors=visitors, seed=seed)
    assert prog.households.height == households
    assert prog.visitors.height == visitors
    villages = set(prog.areas.filter(pl.col("level") == "village")["code"])
    assert set(prog.households["area_code"]) <= villages
    assert set(prog.visitors["home_area_code"]) <= villages
    assert set(prog.teams["area_code"]) <= villages
    assert prog.visitors["capacity"].is_between(1, 3).all()
    assert prog.visitors["is_team_lead"].sum() == prog.teams.height
    members = prog.visitors.filter(pl.col("team_code").is_not_null())
    assert set(members["team_code"]) == set(prog.teams["code"])
