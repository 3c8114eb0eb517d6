from marketplace.models.codelists import CooperationMode, Industry, IPType, MaturityStage, TechField
from marketplace.models.files import ListingAttachment, ListingImage
from marketplace.models.listings import (
    MAX_KEYWORDS,
    Achievement,
    Disclosure,
    IPItem,
    ListingStatus,
    Need,
)
from marketplace.models.workflow import ListingEvent, ListingRevision, RevisionStatus

__all__ = [
    "MAX_KEYWORDS",
    "Achievement",
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
