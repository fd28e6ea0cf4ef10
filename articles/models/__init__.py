from .audit import AuditEntry
from .author import Author
from .image import ImageRendition
from .invalidation import Invalidation
from .presence import EditingPresence
from .preview import PreviewLink
from .revision import RefusedSave, Revision
from .story import (
    BriefingSection,
    Byline,
    Correction,
    LiveAuthor,
    LiveTag,
    RelatedLink,
    Status,
    Story,
    StoryQuerySet,
)
from .taxonomy import BriefingLabel, Section, Tag

__all__ = [
    "AuditEntry",
    "Author",
    "BriefingLabel",
    "BriefingSection",
    "Byline",
    "Correction",
    "EditingPresence",
    "ImageRendition",
    "Invalidation",
    "LiveAuthor",
    "LiveTag",
    "PreviewLink",
    "RefusedSave",
    "RelatedLink",
    "Revision",
    "Section",
    "Status",
    "Story",
    "StoryQuerySet",
    "Tag",
]
