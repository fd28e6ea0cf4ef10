"""The newsroom admin: the story desk, its reference tables and its records."""

from .desk import (
    AuditEntryAdmin,
    AuthorAdmin,
    BriefingLabelAdmin,
    CorrectionAdmin,
    PreviewLinkAdmin,
    RevisionAdmin,
    SectionAdmin,
    TagAdmin,
)
from .story import StoryAdmin

__all__ = [
    "AuditEntryAdmin",
    "AuthorAdmin",
    "BriefingLabelAdmin",
    "CorrectionAdmin",
    "PreviewLinkAdmin",
    "RevisionAdmin",
    "SectionAdmin",
    "StoryAdmin",
    "TagAdmin",
]
