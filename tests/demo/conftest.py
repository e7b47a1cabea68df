"""Demo programmes built once per test session: generating is deterministic and pure."""

from __future__ import annotations

import pytest

from doorstep.demo import DemoProgramme, generate


@pytest.fixture(scope="session")
def village() -> DemoProgramme:
    return generate(preset="village", seed=7)


@pytest.fixture(scope="session")
def county() -> DemoProgramme:
    return generate(preset="county", seed=1)


@pytest.fixture(scope="session")
def small_region() -> DemoProgramme:
    """The whole region's tree, with 30,000 households and the preset's share of visitors."""
    return generate(preset="region", households=30_000, seed=3)
