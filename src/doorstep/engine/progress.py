"""How a solve reports its progress: here, apart from the solvers, so that code which only
passes progress along (a report, the command line) need not import them and numba."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Where a solve reports progress (the CLI passes a progress bar)."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class Silent:
    """Progress that reports nowhere (scripts, tests)."""

    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass
