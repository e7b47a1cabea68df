"""Where the engine's compiled kernels are cached: a directory named after the sources.

Numba caches a compiled function and recompiles it when the function's own file changes, but
not when a function it calls in another module does (``insert_search.insert_some`` calls
``insert_reach.reach_room``): after an edit, or an upgrade in place, that touched only the
callee's module, the caller would go on running the old code. A cache directory named after
a digest of every source file of the engine gives any change a fresh cache. A user's own
``NUMBA_CACHE_DIR`` is left alone.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


def kernel_cache_dir(sources: Path, cache_home: Path) -> Path:
    """``cache_home/doorstep/numba-<digest>``, the digest over the names and contents of the
    ``.py`` files under ``sources``."""
    digest = hashlib.sha256()
    for path in sorted(sources.rglob("*.py")):
        digest.update(path.relative_to(sources).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return cache_home / "doorstep" / f"numba-{digest.hexdigest()[:16]}"


def use_kernel_cache(sources: Path) -> None:
    """Point numba's cache at :func:`kernel_cache_dir` (under ``XDG_CACHE_HOME``, by default
    ``~/.cache``), unless ``NUMBA_CACHE_DIR`` is set. Through the environment, so worker
    processes share it; numba falls back to its own places if the directory is not
    writable."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    where = str(kernel_cache_dir(sources, home))
    os.environ["NUMBA_CACHE_DIR"] = where
    if "numba" in sys.modules:  # imported before us: its configuration is already read
        sys.modules["numba"].config.CACHE_DIR = where


def cached(*kernels: object) -> bool:
    """Whether numba's cache holds an index for each of these ``@njit(cache=True)`` kernels,
    so that a run loads them instead of compiling them first (half a minute or more on a
    machine that has not run them, or since the sources changed). ``True`` where it cannot
    tell: the index's path is numba's own, read defensively, and a wrong ``False`` would
    only add a line saying a run may take longer."""
    for kernel in kernels:
        store = getattr(getattr(kernel, "_cache", None), "_cache_file", None)
        index = getattr(store, "_index_path", None)
        if isinstance(index, str) and not os.path.exists(index):
            return False
    return True
