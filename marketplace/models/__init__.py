from marketplace.models.challenges import *  # noqa: F403 — challenges (揭榜挂帅), spec §4
from marketplace.models.codelists import CooperationMode, Industry, IPType, MaturityStage, TechField
from marketplace.models.contracts import (
    AdjustmentKind,
    ContractAdjustment,
    ContractEvent,
    ContractSource,
    ContractStatus,
    ContractType,
    PaymentMethod,
    Target,
    TargetBasis,
    TargetMeasure,
    TechContract,
)
from marketplace.models.deals import (
    OPEN_STAGES,
    Deal,
    DealCloseReason,
    DealEvent,
    DealMessage,
    DealStage,
    Notification,
)
from marketplace.models.files import ListingAttachment, ListingImage
from marketplace.models.listings import (
    MAX_KEYWORDS,
    Achievement,
    Disclosure,
    IPItem,
    ListingStatus,
    Need,
)
from marketplace.models.rollups import *  # noqa: F403 — ledger rollups for the dashboard
from marketplace.models.workflow import ListingEvent, ListingRevision, RevisionStatus

__all__ = [
    "OPEN_STAGES",
    "Deal",
    "DealCloseReason",
    "DealEvent",
    "DealMessage",
    "DealStage",
    "Notification",
    "MAX_KEYWORDS",
    "Achievement",
    "AdjustmentKind",
    "ContractAdjustment",
    "ContractEvent",
    "ContractSource",
    "ContractStatus",
    "ContractType",
    "PaymentMethod",
    "Target",
    "TargetBasis",
    "TargetMeasure",
    "TechContract",
    "CooperationMode",
    "Disclosure",
    "IPItem",
    "IPType",
    "Industry",
    "ListingAttachment",
    "ListingEvent",
    "ListingImage",
    "ListingRevision",
    "ListingStatus",
    "MaturityStage",
    "Need",
    "RevisionStatus",
    "TechField",
]
