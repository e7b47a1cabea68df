"""Scatter people around the place they live in, by the place's size."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

KM_PER_DEGREE = 111.32
# A village spreads over a kilometre or so, a city of millions over tens.
MIN_SIGMA_KM = 0.6
MAX_SIGMA_KM = 10.0
TRUNCATE_SIGMAS = 2.5


def sigma_km(population: FloatArray) -> FloatArray:
    """Spread (standard deviation, km) of homes around a place of ``population``."""
    return np.clip(MIN_SIGMA_KM * (population / 1_000.0) ** 0.35, MIN_SIGMA_KM, MAX_SIGMA_KM)


def max_offset_km(population: FloatArray) -> FloatArray:
    """The farthest a home can be from its place's centre (the truncation of the scatter)."""
    return np.asarray(TRUNCATE_SIGMAS * np.sqrt(2.0) * sigma_km(population), dtype=np.float64)


def scatter(
    rng: np.random.Generator,
    lat: FloatArray,
    lon: FloatArray,
    population: FloatArray,
    spread: float | FloatArray = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Gaussian offsets of a few km around each centre, truncated at 2.5 sigma per axis.

    ``spread`` scales the sigma (stationed team members live close to the village centre).
    """
    s = sigma_km(population) * spread
    dx = np.clip(rng.standard_normal(len(lat)), -TRUNCATE_SIGMAS, TRUNCATE_SIGMAS) * s
    dy = np.clip(rng.standard_normal(len(lat)), -TRUNCATE_SIGMAS, TRUNCATE_SIGMAS) * s
    new_lat = lat + dy / KM_PER_DEGREE
    new_lon = lon + dx / (KM_PER_DEGREE * np.cos(np.radians(lat)))
    return new_lat, new_lon
