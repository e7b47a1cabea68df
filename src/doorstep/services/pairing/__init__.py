"""Pairing for the front doors. File mode (CSV in, CSV out) is :mod:`.files`; the rest is
database mode: propose for an area, review, then commit or discard.

A proposal stores the engine's answer with its figures and a digest of the inputs it was
computed from. Committing recomputes the digest as of the commit's date, under a lock that
makes the check and the writes one step: if households, visitors (or whether they are
active that day), pairings or exclusions of the area, or where its households' areas sit in
the area tree, changed since, the proposal is stale and is refused (the digest itself:
:mod:`doorstep.services.pairing.digest`).
"""

from doorstep.services.pairing.decisions import commit, discard
from doorstep.services.pairing.explanations import HouseholdExplanation, explain_household
from doorstep.services.pairing.proposals import (
    PairChange,
    PairDiff,
    ProposalPage,
    ProposalView,
    diff,
    is_proposal_id,
    list_proposals,
    propose,
    show,
)
from doorstep.services.pairing.scope import Scope, figures, load_scope
from doorstep.services.pairing.staleness import COMMITTED_ON, DIGEST_AFTER_COMMIT

__all__ = [
    "COMMITTED_ON",
    "DIGEST_AFTER_COMMIT",
    "HouseholdExplanation",
    "PairChange",
    "PairDiff",
    "ProposalPage",
    "ProposalView",
    "Scope",
    "commit",
    "diff",
    "discard",
    "explain_household",
    "figures",
    "is_proposal_id",
    "list_proposals",
    "load_scope",
    "propose",
    "show",
]
