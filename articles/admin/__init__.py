"""The newsroom admin: the story desk and its reference tables."""

from .desk import (
    AuthorAdmin,
    BriefingLabelAdmin,
    CorrectionAdmin,
    RevisionAdmin,
    SectionAdmin,
    TagAdmin,
)
from .story import StoryAdmin

__all__ = [
    "AuthorAdmin",
    "BriefingLabelAdmin",
    "CorrectionAdmin",
    "RevisionAdmin",
    "SectionAdmin",
    "StoryAdmin",
    "TagAdmin",
]
