"""The pairing problem: an immutable, validated snapshot of households and visitors.

Arrays, not objects: a region has millions of households, so every attribute is one numpy
column. Languages are bit masks over :attr:`PairingProblem.languages` (at most 64 codes in one
problem); service areas are a forest of areas, and a visitor's area contains a household when
it is the household's area or one of its ancestors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from doorstep.domain.languages import parse_languages

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
MaskArray = npt.NDArray[np.uint64]
ObjectArray = npt.NDArray[np.object_]

MAX_LANGUAGES = 64
NONE = -1
#: Default of an optional column: filled in by ``__post_init__`` (``Any`` so the field keeps
#: its array type for readers).
_UNSET: Any = None


def _frozen(values: Any, dtype: Any) -> Any:
    out = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


class TooManyLanguages(ValueError):
    """More distinct language codes than a mask has bits; ``count`` says how many."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"{count} distinct language codes; a pairing problem holds at most {MAX_LANGUAGES}"
        )
        self.count = count


def encode_languages(
    texts: Sequence[str], codes: Sequence[str] = ()
) -> tuple[tuple[str, ...], MaskArray]:
    """Turn ``"zh;hmn"`` texts into bit masks.

    Parameters
    ----------
    texts
        One ``;``-separated list of language codes per row.
    codes
        Codes that already have a bit (their order is kept); new codes are appended.

    Returns
    -------
    tuple
        The codes (bit ``i`` is ``codes[i]``) and one ``uint64`` mask per text.

    Raises
    ------
    TooManyLanguages
        ``codes`` and ``texts`` together hold more than ``MAX_LANGUAGES`` codes (all counted,
        so the message can say how many).
    """
    index = {c: i for i, c in enumerate(codes)}
    # Each distinct text is parsed once: millions of rows share a handful of language lists.
    parsed = {text: parse_languages(text) for text in dict.fromkeys(texts)}
    for found in parsed.values():
        for code in found:
            index.setdefault(code, len(index))
    if len(index) > MAX_LANGUAGES:
        raise TooManyLanguages(len(index))
    mask = {text: sum(1 << index[c] for c in found) for text, found in parsed.items()}
    out = np.fromiter((mask[text] for text in texts), dtype=np.uint64, count=len(texts))
    return tuple(index), out


def encode_pools(
    household_pools: Sequence[str | None], visitor_pools: Sequence[str | None]
) -> tuple[tuple[str, ...], Int32Array, Int32Array]:
    """Remote-pool names (``None`` or ``""`` for none) as the pool tuple and index columns."""
    names = sorted({p for p in (*household_pools, *visitor_pools) if p})
    index = {name: i for i, name in enumerate(names)}

    def column(values: Sequence[str | None]) -> Int32Array:
        return np.array([index[v] if v else NONE for v in values], dtype=np.int32)

    return tuple(names), column(household_pools), column(visitor_pools)


@dataclass(frozen=True, eq=False)
class PairingProblem:
    """Households and visitors to pair; indices, not ids, link them.

    Parameters
    ----------
    household_ids, visitor_ids
        Unique ids, as strings.
    household_lat, household_lon, visitor_lat, visitor_lon
        Home positions in degrees.
    household_languages, visitor_languages
        Bit masks over :attr:`languages`.
    visitor_capacity
        Greatest number of households per visitor.
    languages
        The language codes; bit ``i`` of a mask is ``languages[i]``.
    household_consent
        Whether the household has active consent (default: all true).
    household_current
        Index of the household's current visitor, or ``-1``.
    visitor_active
        Whether the visitor is active (default: all true).
    pools
        Names of remote pools. A visitor in pool ``p`` ignores the distance limit and serves
        only households whose ``household_pool`` is ``p``.
    household_pool, visitor_pool
        Pool index or ``-1``.
    area_parent
        Parent of each service area (``-1`` for a root); must be a forest.
    household_area
        The household's area or ``-1``.
    visitor_area
        The visitor's service area or ``-1`` (anywhere).
    exclusions
        ``(household index, visitor index)`` pairs that must never be paired, shape ``(n, 2)``.
    """

    household_ids: ObjectArray
    household_lat: FloatArray
    household_lon: FloatArray
    household_languages: MaskArray
    visitor_ids: ObjectArray
    visitor_lat: FloatArray
    visitor_lon: FloatArray
    visitor_languages: MaskArray
    visitor_capacity: Int32Array
    languages: tuple[str, ...]
    household_consent: BoolArray = _UNSET
    household_current: Int32Array = _UNSET
    visitor_active: BoolArray = _UNSET
    pools: tuple[str, ...] = ()
    household_pool: Int32Array = _UNSET
    visitor_pool: Int32Array = _UNSET
    area_parent: Int32Array = _UNSET
    household_area: Int32Array = _UNSET
    visitor_area: Int32Array = _UNSET
    exclusions: IntArray = _UNSET
    # Derived: pre-order interval of each area, and sorted exclusion keys h * nv + v.
    area_enter: Int32Array = field(init=False, repr=False)
    area_leave: Int32Array = field(init=False, repr=False)
    exclusion_keys: IntArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        nh = len(self.household_ids)
        nv = len(self.visitor_ids)
        put = object.__setattr__
        put(self, "household_ids", _frozen(self.household_ids, object))
        put(self, "visitor_ids", _frozen(self.visitor_ids, object))
        for name, n in (("household", nh), ("visitor", nv)):
            for col in ("lat", "lon"):
                arr = _frozen(getattr(self, f"{name}_{col}"), np.float64)
                if arr.shape != (n,):
                    raise ValueError(f"{name}_{col} must have one value per {name}")
                limit = 90.0 if col == "lat" else 180.0
                if n and not (np.isfinite(arr).all() and np.abs(arr).max() <= limit):
                    raise ValueError(f"{name}_{col} must be finite degrees within ±{limit:g}")
                put(self, f"{name}_{col}", arr)
            masks = _frozen(getattr(self, f"{name}_languages"), np.uint64)
            if masks.shape != (n,):
                raise ValueError(f"{name}_languages must have one mask per {name}")
            if (
                len(self.languages) < MAX_LANGUAGES
                and n
                and int(masks.max()) >= 1 << len(self.languages)
            ):
                raise ValueError(f"{name}_languages uses a bit with no language code")
            put(self, f"{name}_languages", masks)
        if len(self.languages) > MAX_LANGUAGES or len(set(self.languages)) != len(self.languages):
            raise ValueError(f"languages must be at most {MAX_LANGUAGES} distinct codes")
        if len(set(self.household_ids.tolist())) != nh:
            raise ValueError("household ids must be unique")
        if len(set(self.visitor_ids.tolist())) != nv:
            raise ValueError("visitor ids must be unique")
        cap = _frozen(self.visitor_capacity, np.int32)
        if cap.shape != (nv,) or (nv and cap.min() < 0):
            raise ValueError("visitor_capacity must be one non-negative number per visitor")
        put(self, "visitor_capacity", cap)

        def column(name: str, n: int, dtype: Any, default: Any, upper: int = 0) -> None:
            value = getattr(self, name)
            arr = _frozen(np.full(n, default, dtype) if value is None else value, dtype)
            if arr.shape != (n,):
                raise ValueError(f"{name} must have one value per row")
            if upper and n and (arr.min() < NONE or arr.max() >= upper):
                raise ValueError(f"{name} must be -1 or an index below {upper}")
            if upper == 0 and dtype is np.int32 and n and arr.max() > NONE:
                raise ValueError(f"{name} refers to an index that does not exist")
            put(self, name, arr)

        parent = self.area_parent
        n_areas = 0 if parent is None else len(parent)
        column("household_consent", nh, np.bool_, True)
        column("visitor_active", nv, np.bool_, True)
        column("household_current", nh, np.int32, NONE, nv)
        column("household_pool", nh, np.int32, NONE, len(self.pools))
        column("visitor_pool", nv, np.int32, NONE, len(self.pools))
        column("area_parent", n_areas, np.int32, NONE, n_areas)
        column("household_area", nh, np.int32, NONE, n_areas)
        column("visitor_area", nv, np.int32, NONE, n_areas)
        enter, leave = _preorder(self.area_parent)
        put(self, "area_enter", enter)
        put(self, "area_leave", leave)

        pairs = np.zeros((0, 2), np.int64) if self.exclusions is None else self.exclusions
        pairs = _frozen(pairs, np.int64).reshape(-1, 2)
        if len(pairs) and (pairs.min() < 0 or pairs[:, 0].max() >= nh or pairs[:, 1].max() >= nv):
            raise ValueError("exclusions must be (household index, visitor index) pairs")
        put(self, "exclusions", pairs)
        put(self, "exclusion_keys", _frozen(np.unique(pairs[:, 0] * nv + pairs[:, 1]), np.int64))

    @property
    def n_households(self) -> int:
        """Number of households."""
        return len(self.household_ids)

    @property
    def n_visitors(self) -> int:
        """Number of visitors."""
        return len(self.visitor_ids)

    def metres(self, households: IntArray, visitors: IntArray) -> IntArray:
        """Whole metres between ``households[i]`` and ``visitors[i]`` (``rint`` of the
        haversine distance, as every pairing search rounds it).

        Compiled (numba), imported here: a problem read to explain a pairing, not solve it,
        measures with numpy and need not load numba."""
        from doorstep.engine.pairing.sphere import whole_metres

        return whole_metres(
            self.household_lat,
            self.household_lon,
            self.visitor_lat,
            self.visitor_lon,
            np.ascontiguousarray(households, dtype=np.int64),
            np.ascontiguousarray(visitors, dtype=np.int64),
        )

    def eligible(self, households: IntArray, visitors: IntArray) -> BoolArray:
        """Whether each ``(households[i], visitors[i])`` pair passes every rule but distance.

        Distance is the caller's business: local visitors need it, pool visitors do not.
        """
        ok = self.household_consent[households] & self.visitor_active[visitors]
        ok &= (self.household_languages[households] & self.visitor_languages[visitors]) != 0
        vpool = self.visitor_pool[visitors]
        ok &= (vpool == NONE) | (vpool == self.household_pool[households])
        varea = self.visitor_area[visitors]
        harea = self.household_area[households]
        if (varea != NONE).any():
            inside = (harea != NONE) & (
                (self.area_enter[np.maximum(varea, 0)] <= self.area_enter[np.maximum(harea, 0)])
                & (self.area_enter[np.maximum(harea, 0)] < self.area_leave[np.maximum(varea, 0)])
            )
            ok &= (varea == NONE) | inside
        if len(self.exclusion_keys):
            keys = households.astype(np.int64) * self.n_visitors + visitors
            pos = np.searchsorted(self.exclusion_keys, keys)
            pos = np.minimum(pos, len(self.exclusion_keys) - 1)
            ok &= self.exclusion_keys[pos] != keys
        return np.asarray(ok, dtype=np.bool_)


def _preorder(parent: Int32Array) -> tuple[Int32Array, Int32Array]:
    """Pre-order enter/leave numbers of a forest; ``a`` contains ``b`` iff
    ``enter[a] <= enter[b] < leave[a]``. Raises on a cycle."""
    n = len(parent)
    children: list[list[int]] = [[] for _ in range(n)]
    roots: list[int] = []
    for a, p in enumerate(parent.tolist()):
        (roots if p == NONE else children[p]).append(a)
    enter = np.full(n, -1, np.int32)
    leave = np.full(n, -1, np.int32)
    clock = 0
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                leave[node] = clock
                continue
            enter[node] = clock
            clock += 1
            stack.append((node, True))
            stack.extend((c, False) for c in children[node])
    if n and (enter < 0).any():
        raise ValueError("area_parent must be a forest (it has a cycle)")
    enter.setflags(write=False)
    leave.setflags(write=False)
    return enter, leave


class PairingProblemBuilder:
    """Build a :class:`PairingProblem` one household and visitor at a time, by id.

    Examples
    --------
    >>> b = PairingProblemBuilder()
    >>> b.add_visitor("v1", 27.0, 107.0, "zh", capacity=2)
    >>> b.add_household("h1", 27.01, 107.0, "zh;hmn")
    >>> b.build().n_households
    1
    """

    def __init__(self) -> None:
        self._h: list[tuple[str, float, float, str, bool, str | None, str | None, str | None]] = []
        self._v: list[tuple[str, float, float, str, int, bool, str | None, str | None]] = []
        self._areas: dict[str, str | None] = {}
        self._exclusions: list[tuple[str, str]] = []

    def add_area(self, area_id: str, parent: str | None = None) -> None:
        """Add a service area (parents first)."""
        if parent is not None and parent not in self._areas:
            raise ValueError(f"unknown parent area {parent!r}")
        self._areas[area_id] = parent

    def add_household(
        self,
        household_id: str,
        lat: float,
        lon: float,
        languages: str,
        *,
        consent: bool = True,
        current_visitor: str | None = None,
        pool: str | None = None,
        area: str | None = None,
    ) -> None:
        """Add a household; ``languages`` is ``;``-separated."""
        self._h.append((household_id, lat, lon, languages, consent, current_visitor, pool, area))

    def add_visitor(
        self,
        visitor_id: str,
        lat: float,
        lon: float,
        languages: str,
        *,
        capacity: int,
        active: bool = True,
        pool: str | None = None,
        area: str | None = None,
    ) -> None:
        """Add a visitor; ``pool`` makes it a remote-pool visitor."""
        self._v.append((visitor_id, lat, lon, languages, capacity, active, pool, area))

    def exclude(self, household_id: str, visitor_id: str) -> None:
        """Never pair this household with this visitor."""
        self._exclusions.append((household_id, visitor_id))

    def build(self) -> PairingProblem:
        """Validate and freeze."""
        vindex = {v[0]: i for i, v in enumerate(self._v)}
        hindex = {h[0]: i for i, h in enumerate(self._h)}
        area_index = {a: i for i, a in enumerate(self._areas)}
        pools = tuple(dict.fromkeys([v[6] for v in self._v if v[6] is not None]))
        pool_index = {p: i for i, p in enumerate(pools)}

        def lookup(table: dict[str, int], key: str | None, what: str) -> int:
            if key is None:
                return NONE
            if key not in table:
                raise ValueError(f"unknown {what} {key!r}")
            return table[key]

        codes, hmask = encode_languages([h[3] for h in self._h])
        codes, vmask = encode_languages([v[3] for v in self._v], codes)
        return PairingProblem(
            household_ids=np.array([h[0] for h in self._h], dtype=object),
            household_lat=np.array([h[1] for h in self._h], dtype=np.float64),
            household_lon=np.array([h[2] for h in self._h], dtype=np.float64),
            household_languages=hmask,
            household_consent=np.array([h[4] for h in self._h], dtype=np.bool_),
            household_current=np.array(
                [lookup(vindex, h[5], "visitor") for h in self._h], dtype=np.int32
            ),
            household_pool=np.array(
                [pool_index.get(h[6], NONE) if h[6] else NONE for h in self._h], dtype=np.int32
            ),
            household_area=np.array(
                [lookup(area_index, h[7], "area") for h in self._h], dtype=np.int32
            ),
            visitor_ids=np.array([v[0] for v in self._v], dtype=object),
            visitor_lat=np.array([v[1] for v in self._v], dtype=np.float64),
            visitor_lon=np.array([v[2] for v in self._v], dtype=np.float64),
            visitor_languages=vmask,
            visitor_capacity=np.array([v[4] for v in self._v], dtype=np.int32),
            visitor_active=np.array([v[5] for v in self._v], dtype=np.bool_),
            visitor_pool=np.array([lookup(pool_index, v[6], "pool") for v in self._v], np.int32),
            visitor_area=np.array(
                [lookup(area_index, v[7], "area") for v in self._v], dtype=np.int32
            ),
            languages=codes,
            pools=pools,
            area_parent=np.array(
                [lookup(area_index, p, "area") for p in self._areas.values()], dtype=np.int32
            ),
            exclusions=np.array(
                [
                    (lookup(hindex, h, "household"), lookup(vindex, v, "visitor"))
                    for h, v in self._exclusions
                ],
                dtype=np.int64,
            ).reshape(-1, 2),
        )
