"""Visit planning: cadence-true schedules for every pairing.

Build a :class:`PlanningProblem` (directly from arrays, or with
:class:`PlanningProblemBuilder`), call :func:`plan`, read the :class:`PlanResult`;
:func:`replan` moves only what a change affects; :func:`check_visits` is an independent
checker of the hard constraints.

Each name is imported from its module when it is first read (PEP 562): the planner's module
loads numba (a quarter of a second or more), which a command that only reads planned visits
(a calendar, a household's export) or the planning settings should not pay for. No module
here is named as one of these names (the planner is ``planner``, not ``plan``), since
importing a submodule binds it to the package under its own name.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from doorstep.engine.planning.builder import PlanningProblemBuilder, max_away
    from doorstep.engine.planning.calendars import (
        VisitorCalendar,
        add_months,
        public_holidays,
    )
    from doorstep.engine.planning.check import HardViolations, check_visits, visit_flags
    from doorstep.engine.planning.planner import PlanParams, plan
    from doorstep.engine.planning.policy import CadencePolicy, policy_for
    from doorstep.engine.planning.problem import Intervals, PlanningProblem
    from doorstep.engine.planning.reasons import Reason
    from doorstep.engine.planning.replanner import replan
    from doorstep.engine.planning.result import PairingCompliance, PlanResult, VisitRow
    from doorstep.engine.planning.rules import (
        DEFAULT_RULES,
        CadenceRule,
        MaxGapRule,
        MinVisitsRule,
        VisitTable,
    )

#: Each public name and the module that defines it.
_MODULE_OF = {
    "PlanningProblemBuilder": "builder",
    "max_away": "builder",
    "VisitorCalendar": "calendars",
    "add_months": "calendars",
    "public_holidays": "calendars",
    "HardViolations": "check",
    "check_visits": "check",
    "visit_flags": "check",
    "PlanParams": "planner",
    "plan": "planner",
    "CadencePolicy": "policy",
    "policy_for": "policy",
    "Intervals": "problem",
    "PlanningProblem": "problem",
    "Reason": "reasons",
    "replan": "replanner",
    "PairingCompliance": "result",
    "PlanResult": "result",
    "VisitRow": "result",
    "DEFAULT_RULES": "rules",
    "CadenceRule": "rules",
    "MaxGapRule": "rules",
    "MinVisitsRule": "rules",
    "VisitTable": "rules",
}

__all__ = [
    "DEFAULT_RULES",
    "CadencePolicy",
    "CadenceRule",
    "HardViolations",
    "Intervals",
    "MaxGapRule",
    "MinVisitsRule",
    "PairingCompliance",
    "PlanParams",
    "PlanResult",
    "PlanningProblem",
    "PlanningProblemBuilder",
    "Reason",
    "VisitRow",
    "VisitTable",
    "VisitorCalendar",
    "add_months",
    "check_visits",
    "max_away",
    "plan",
    "policy_for",
    "public_holidays",
    "replan",
    "visit_flags",
]


def __getattr__(name: str) -> Any:
    """``name`` from its module, imported now and kept on the package for the next read."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
