"""The data model: landscapes and their members, pathways with drafts, secrets, runs and the audit trail."""

from pathways.models.approval import Approval, ApprovalState
from pathways.models.audit import Actor, AuditEvent
from pathways.models.certificates import ExpiryNotice, Rotation, RotationState
from pathways.models.iflow import FoundParameter, IFlowParameter, ParameterRole, iflows_of
from pathways.models.landscape import Landscape, Membership, Role, Tier, only_looks
from pathways.models.language import LanguagePreference
from pathways.models.leftover import LeftoverCredential, LeftoverState
from pathways.models.pathway import Pathway
from pathways.models.run import Run, RunKind, RunStep
from pathways.models.secret import Secret
from pathways.models.shared_value import SharedValue
from pathways.models.token import ApiToken
from pathways.models.traffic import MessageWatch, Observation, TrafficState

__all__ = [
    "Actor",
    "ApiToken",
    "Approval",
    "ApprovalState",
    "AuditEvent",
    "ExpiryNotice",
    "FoundParameter",
    "IFlowParameter",
    "iflows_of",
    "ParameterRole",
    "Rotation",
    "RotationState",
    "Landscape",
    "LanguagePreference",
    "LeftoverCredential",
    "LeftoverState",
    "Membership",
    "MessageWatch",
    "Observation",
    "only_looks",
    "Role",
    "Tier",
    "TrafficState",
    "Pathway",
    "Run",
    "RunKind",
    "RunStep",
    "Secret",
    "SharedValue",
]
