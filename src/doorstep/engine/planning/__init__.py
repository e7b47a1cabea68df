"""Visit planning: cadence-true schedules for every pairing.

Build a :class:`PlanningProblem` (directly from arrays, or with
:class:`PlanningProblemBuilder`), call :func:`plan`, read the :class:`PlanResult`;
:func:`replan` moves only what a change affects; :func:`check_visits` is an independent
checker of the hard constraints.
"""

from doorstep.engine.planning.builder import PlanningProblemBuilder, max_away
from doorstep.engine.planning.calendars import VisitorCalendar, add_months, public_holidays
from doorstep.engine.planning.check import HardViolations, check_visits, visit_flags
from doorstep.engine.planning.plan import PlanParams, plan
from doorstep.engine.planning.policy import CadencePolicy, policy_for
from doorstep.engine.planning.problem import Intervals, PlanningProblem
from doorstep.engine.planning.reasons import Reason
from doorstep.engine.planning.replan import replan
from doorstep.engine.planning.result import PairingCompliance, PlanResult, VisitRow
from doorstep.engine.planning.rules import (
    DEFAULT_RULES,
    CadenceRule,
    MaxGapRule,
    MinVisitsRule,
    VisitTable,
)

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
