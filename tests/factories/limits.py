"""Operating-system limits a test can set for the files its own process writes."""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def file_size_limit(size: int) -> Iterator[None]:
    """``ulimit -f``: a write past ``size`` bytes of a file fails (EFBIG; Python ignores
    the signal). Only files this process writes: PostgreSQL writes in its own server,
    SQLite here, so a test under it needs the PostgreSQL database."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
