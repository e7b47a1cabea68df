"""Which languages people speak where: Mandarin nearly everywhere, minority languages by area.

A demo programme needs the hard cases a real one meets: households that speak only a minority
language, more of them in rural villages than in towns, and clustered where the language is
spoken, so that pairing must find a visitor who speaks it nearby. Languages are recorded only
because visitors need them to talk with a household.

The Guizhou zones are coarse boxes around the areas where Miao (Hmong), Dong, Bouyei, Sui, Yi
and Tujia are widely spoken; elsewhere in the province fewer people speak them. A few other
provinces have a rougher profile; the rest are Mandarin only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

MAJORITY = "zh"


@dataclass(frozen=True)
class Zone:
    """A box (degrees) where minority languages are spoken, with their mix and how widely."""

    west: float
    east: float
    south: float
    north: float
    intensity: float
    mix: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class LanguageProfile:
    """Minority-language zones of a region, first match wins; ``default`` applies elsewhere."""

    zones: tuple[Zone, ...]
    default: Zone

    def zone_of(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        """Index of the zone of each point (``len(zones)`` means the default zone)."""
        out = np.full(len(lat), len(self.zones), dtype=np.int64)
        for i in range(len(self.zones) - 1, -1, -1):
            z = self.zones[i]
            inside = (lon >= z.west) & (lon < z.east) & (lat >= z.south) & (lat < z.north)
            out[inside] = i
        return out

    @property
    def all_zones(self) -> tuple[Zone, ...]:
        return (*self.zones, self.default)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every minority language code of the profile, in a fixed order."""
        seen: dict[str, None] = {}
        for z in self.all_zones:
            for code, _ in z.mix:
                seen.setdefault(code, None)
        return tuple(seen)


_ANY = (-180.0, 180.0)
GUIZHOU = LanguageProfile(
    zones=(
        # Liping, Rongjiang, Congjiang: Dong country in the far south-east.
        Zone(108.4, 110.0, 24.0, 26.7, 1.0, (("doc", 0.55), ("hmn", 0.45))),
        # Sandu and its neighbours: Sui and Bouyei.
        Zone(107.5, 108.4, 24.0, 26.2, 0.9, (("swi", 0.35), ("pcc", 0.35), ("hmn", 0.3))),
        # Qiandongnan around Kaili and Leishan: Miao.
        Zone(107.5, 110.0, 24.0, 27.0, 1.0, (("hmn", 0.85), ("doc", 0.15))),
        # Qiannan and Qianxinan: Bouyei and Miao.
        Zone(103.0, 107.5, 24.0, 26.3, 0.8, (("pcc", 0.65), ("hmn", 0.35))),
        # Bijie, Weining, Hezhang: Yi and Miao.
        Zone(103.0, 106.0, 26.3, 30.0, 0.6, (("ii", 0.5), ("hmn", 0.5))),
        # Tongren, Songtao, Yanhe: Miao and some Tujia.
        Zone(107.9, 110.0, 27.0, 30.0, 0.7, (("hmn", 0.8), ("tji", 0.2))),
    ),
    default=Zone(*_ANY, *_ANY, 0.3, (("hmn", 0.5), ("pcc", 0.5))),
)
YUNNAN = LanguageProfile(
    zones=(
        # Xishuangbanna: Tai Lü, Hani, Lahu.
        Zone(99.9, 101.9, 21.0, 22.6, 1.2, (("khb", 0.5), ("hni", 0.3), ("lhu", 0.2))),
        # Dali: Bai, some Yi.
        Zone(99.5, 100.7, 25.0, 26.5, 1.0, (("bca", 0.8), ("ii", 0.2))),
    ),
    default=Zone(
        *_ANY,
        *_ANY,
        0.9,
        (("ii", 0.35), ("hni", 0.15), ("za", 0.12), ("lis", 0.1), ("lhu", 0.1), ("hmn", 0.18)),
    ),
)
GUANGXI = LanguageProfile(
    zones=(), default=Zone(*_ANY, *_ANY, 0.8, (("za", 0.85), ("ium", 0.08), ("hmn", 0.07)))
)
XINJIANG = LanguageProfile(
    zones=(Zone(73.0, 90.0, 43.5, 50.0, 1.2, (("kk", 0.5), ("ug", 0.5))),),
    default=Zone(*_ANY, *_ANY, 1.2, (("ug", 0.9), ("kk", 0.1))),
)
TIBET = LanguageProfile(zones=(), default=Zone(*_ANY, *_ANY, 1.8, (("bo", 1.0),)))
QINGHAI = LanguageProfile(
    zones=(
        Zone(73.0, 99.0, 30.0, 40.0, 1.6, (("bo", 1.0),)),
        Zone(99.0, 104.0, 30.0, 35.5, 1.6, (("bo", 1.0),)),
    ),
    default=Zone(*_ANY, *_ANY, 0.4, (("bo", 1.0),)),
)
INNER_MONGOLIA = LanguageProfile(zones=(), default=Zone(*_ANY, *_ANY, 0.4, (("mn", 1.0),)))
SICHUAN = LanguageProfile(
    zones=(
        # Liangshan: Yi.
        Zone(101.0, 103.6, 26.0, 29.0, 1.0, (("ii", 1.0),)),
        # Garzê and Ngawa: Tibetan.
        Zone(97.0, 102.5, 29.0, 34.5, 1.4, (("bo", 1.0),)),
    ),
    default=Zone(*_ANY, *_ANY, 0.0, (("ii", 1.0),)),
)
JILIN = LanguageProfile(
    zones=(Zone(128.0, 131.5, 42.0, 44.5, 0.8, (("ko", 1.0),)),),  # Yanbian: Korean
    default=Zone(*_ANY, *_ANY, 0.0, (("ko", 1.0),)),
)
# A region without a profile: Mandarin only.
MANDARIN_ONLY = LanguageProfile(zones=(), default=Zone(*_ANY, *_ANY, 0.0, (("hmn", 1.0),)))

# Keyed by (country, GeoNames admin1 code).
PROFILES = {
    ("CN", "05"): JILIN,
    ("CN", "06"): QINGHAI,
    ("CN", "13"): XINJIANG,
    ("CN", "14"): TIBET,
    ("CN", "16"): GUANGXI,
    ("CN", "18"): GUIZHOU,
    ("CN", "20"): INNER_MONGOLIA,
    ("CN", "29"): YUNNAN,
    ("CN", "32"): SICHUAN,
}

# Share of households (before the zone's intensity) that speak only a minority language, or it
# and Mandarin, by how rural their place is: villages, towns, cities.
ONLY_MINORITY = (0.30, 0.10, 0.015)
BILINGUAL = (0.30, 0.20, 0.06)


def profile_for(country: str, admin1: str) -> LanguageProfile:
    return PROFILES.get((country, admin1), MANDARIN_ONLY)


def draw_minority(
    rng: np.random.Generator, profile: LanguageProfile, zone: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """For each person, an index into ``profile.codes`` drawn from their zone's mix."""
    codes = profile.codes
    out = np.zeros(len(zone), dtype=np.int64)
    for z_index, z in enumerate(profile.all_zones):
        who = np.flatnonzero(zone == z_index)
        if len(who) == 0:
            continue
        p = np.array([w for _, w in z.mix])
        picks = rng.choice(len(z.mix), size=len(who), p=p / p.sum())
        lookup = np.array([codes.index(c) for c, _ in z.mix])
        out[who] = lookup[picks]
    return out


def language_strings(
    profile: LanguageProfile,
    minority: npt.NDArray[np.int64],
    kind: npt.NDArray[np.int8],
) -> pl.Series:
    """``"zh"``, ``"zh;hmn"`` or ``"hmn"`` for kinds 0 (Mandarin), 1 (both), 2 (minority only)."""
    codes = pl.Series(profile.codes, dtype=pl.String)
    frame = pl.DataFrame({"m": codes.gather(minority), "kind": kind})
    return frame.select(
        pl.when(pl.col("kind") == 0)
        .then(pl.lit(MAJORITY))
        .when(pl.col("kind") == 1)
        .then(pl.concat_str([pl.lit(MAJORITY + ";"), pl.col("m")]))
        .otherwise(pl.col("m"))
        .alias("languages")
    ).to_series()


def draw_kinds(
    rng: np.random.Generator,
    intensity: npt.NDArray[np.float64],
    rurality: npt.NDArray[np.int64],
    only_shares: tuple[float, float, float] = ONLY_MINORITY,
    bilingual_shares: tuple[float, float, float] = BILINGUAL,
) -> npt.NDArray[np.int8]:
    """0 Mandarin only, 1 bilingual, 2 minority only, per person.

    ``rurality`` is 0 for villages, 1 for towns and 2 for cities.
    """
    # Intensities above 1 (Tibet) can push the shares past certainty: cap them.
    p_only = np.minimum(np.asarray(only_shares)[rurality] * intensity, 0.9)
    p_bi = np.minimum(np.asarray(bilingual_shares)[rurality] * intensity, 1.0 - p_only)
    u = rng.random(len(intensity))
    return np.where(u < p_only, 2, np.where(u < p_only + p_bi, 1, 0)).astype(np.int8)
