"""A pairing's settings as a person gives them, checked once for every front door.

The command line names them by its flags (``--keep-km``), the API by its fields
(``keep_km``): each passes its ``names`` and the same rules speak in its words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from doorstep.domain.geo import EARTH_RADIUS_M
from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import InvalidInput
from doorstep.say import Said, Say, Value

#: The farthest two homes can be apart, half way round the Earth (km, rounded up to a metre):
#: a larger ``max_km`` changes nothing, and its metres would overflow the searches' integers.
FARTHEST_KM = math.ceil(math.pi * EARTH_RADIUS_M) / 1000
#: The settings as `doorstep pair`'s flags name them: the words of its errors, and of the
#: services' own checks, which only the command line reaches (the API checks first).
FLAGS = {
    "max_km": "--max-km",
    "keep_km": "--keep-km",
    "balance_m": "--balance-m",
    "max_rounds": "--max-rounds",
    "max_arcs": "--max-arcs",
    "time_limit_s": "--time-limit",
    "new_only": "--new-only",
    "max_settled": "--max-settled",
}


def solve_params(
    *,
    max_km: float,
    keep_km: float | None,
    balance_m: float,
    names: Mapping[str, str] | None = None,
    max_rounds: int | None = None,
    max_arcs: int | None = None,
    time_limit_s: float | None = None,
    bound: bool = True,
) -> PairingParams:
    """The solve's settings; errors name each setting as ``names`` maps the engine's
    fields (default: the fields themselves). ``max_rounds`` and ``max_arcs`` not given: the
    engine's defaults; ``time_limit_s``: as given, ``None`` for no limit.

    ``keep_km`` defaults to 5 km, but never above ``max_km``: continuity cannot be worth more
    than the longest pair allowed, and a default must not make a small ``max_km`` fail. A
    ``max_km`` past the farthest two homes can be is taken as that distance.
    """
    name = {f: f for f in ("max_km", "keep_km")} | dict(names or {})
    valid_max = math.isfinite(max_km) and max_km > 0
    # Not given, keep_km is left to the engine, whose default follows the same rule.
    if keep_km is None:
        pass
    elif math.isfinite(keep_km) and keep_km > FARTHEST_KM:
        raise InvalidInput(
            Say(
                "%(keep)s %(km)s is more than any two homes can be apart (%(farthest)s km, half "
                "way round the Earth); give a smaller %(keep)s",
                keep=name["keep_km"],
                km=f"{keep_km:g}",
                farthest=f"{FARTHEST_KM:,g}",
            )
        )
    elif valid_max and keep_km > max_km:
        raise InvalidInput(
            Say(
                "%(keep)s %(km)s is above %(max)s %(max_km)s: continuity cannot be worth more "
                "than the longest pair allowed; give a smaller %(keep)s",
                keep=name["keep_km"],
                km=f"{keep_km:g}",
                max=name["max_km"],
                max_km=f"{max_km:g}",
            )
        )
    if valid_max:
        max_km = min(max_km, FARTHEST_KM)  # the same pairs, in metres that fit the searches
    defaults = PairingParams()
    try:
        return PairingParams(
            max_km=max_km,
            keep_km=keep_km,
            balance_m=balance_m,
            max_rounds=defaults.max_rounds if max_rounds is None else max_rounds,
            max_arcs=defaults.max_arcs if max_arcs is None else max_arcs,
            time_limit_s=time_limit_s,
            bound=bound,
        )
    except ValueError as exc:
        said = exc.args[0] if exc.args else None
        if isinstance(said, Said):  # the setting named as the caller names it
            called = dict(names or {})
            raise InvalidInput(
                Say(
                    said.says.template,  # the engine's template, extracted where it is written
                    **{k: _called(v, called) for k, v in said.says.values},
                )
            ) from None
        message = str(exc)
        for field, given in (names or {}).items():
            message = message.replace(field, given)
        raise InvalidInput(message) from None


def _called(value: Value, names: Mapping[str, str]) -> Value:
    """A value of the engine's sentence: a setting's name as ``names`` call it."""
    return names.get(value, value) if type(value) is str else value


def check_new_only(
    new_only: bool,
    *,
    max_settled: int | None = None,
    balance_m: float = 0.0,
    names: Mapping[str, str] | None = None,
) -> None:
    """Refuse settings that mean nothing with (or without) ``new_only``, rather than ignore
    them (``names`` as for :func:`solve_params`): ``max_settled`` bounds the searches of a
    new-only pairing; balance would move existing households for its own sake."""
    name = {f: f for f in ("max_settled", "new_only", "balance_m")} | dict(names or {})
    if not new_only:
        if max_settled is not None:
            raise InvalidInput(
                Say(
                    "%(max_settled)s only applies with %(new_only)s",
                    max_settled=name["max_settled"],
                    new_only=name["new_only"],
                )
            )
        return
    if balance_m:
        raise InvalidInput(
            Say(
                "%(balance)s does not apply with %(new_only)s: evening out caseloads would move "
                "existing households for its own sake; propose without %(new_only)s instead",
                balance=name["balance_m"],
                new_only=name["new_only"],
            )
        )
