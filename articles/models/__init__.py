from .author import Author
from .revision import Revision
from .story import (
    BriefingSection,
    Byline,
    Correction,
    RelatedLink,
    Status,
    Story,
    StoryQuerySet,
)
from .taxonomy import BriefingLabel, Section, Tag

__all__ = [
    "Author",
    "BriefingLabel",
    "BriefingSection",
    "Byline",
    "Correction",
    "RelatedLink",
    "Revision",
    "Section",
    "Status",
    "Story",
    "StoryQuerySet",
    "Tag",
]
