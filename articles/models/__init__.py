from .audit import AuditEntry
from .author import Author
from .comment import Comment
from .house_rule import HouseRule
from .image import ImageRendition
from .invalidation import Invalidation
from .notice import Notice
from .presence import EditingPresence
from .preview import PreviewLink
from .rendering import Rendering
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
    "Comment",
    "Correction",
    "EditingPresence",
    "HouseRule",
    "ImageRendition",
    "Invalidation",
    "LiveAuthor",
    "LiveTag",
    "Notice",
    "PreviewLink",
    "RefusedSave",
    "RelatedLink",
    "Rendering",
    "Revision",
    "Section",
    "Status",
    "Story",
    "StoryQuerySet",
    "Tag",
]
