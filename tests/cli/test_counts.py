"""Counts in messages agree with their noun and separate thousands, as tables do."""

from __future__ import annotations

import pytest

from doorstep.cli.common import count


@pytest.mark.parametrize(
    ("n", "noun", "said"),
    [
        (1, "teams", "1 team"),
        (0, "exclusions", "0 exclusions"),
        (1, "leave", "1 leave period"),
        (2, "leave", "2 leave periods"),
        (20_000, "households", "20,000 households"),
        (1, "visits", "1 visit"),
    ],
)
def test_a_count_says_its_noun_in_the_singular_or_plural(n: int, noun: str, said: str) -> None:
    assert count(n, noun) == said
