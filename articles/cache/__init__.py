"""Caching for the reading site: a Redis cache that survives Redis outages, and a page
cache for anonymous readers that no takedown outlives.

- :mod:`.redis`: the shared cache, and the page cache's atomic steps inside Redis.
- :mod:`.outbox`: invalidations, written in the transaction of the change they follow
  and delivered after it (to Redis, and to the CDN purge hook), retried until taken.
- :mod:`.tags`: what a page shows, so that a change makes only those pages stale.
- :mod:`.pages`: the middleware that serves and stores pages.
"""

from .outbox import (
    EVERYTHING,
    GENERATION_KEY,
    LATEST,
    POLL_SECONDS,
    TAG_PREFIX,
    database_generation,
    deliver,
    deliver_invalidation,
    forget_generation,
    invalidate_pages,
    order_changes,
)
from .pages import PublicPageCacheMiddleware, page_cache_seconds
from .redis import ResilientRedisCache
from .tags import LISTINGS, of_change, shown_by, story_tag, tag

__all__ = [
    "EVERYTHING",
    "GENERATION_KEY",
    "LATEST",
    "LISTINGS",
    "POLL_SECONDS",
    "TAG_PREFIX",
    "PublicPageCacheMiddleware",
    "ResilientRedisCache",
    "database_generation",
    "deliver",
    "deliver_invalidation",
    "forget_generation",
    "invalidate_pages",
    "of_change",
    "order_changes",
    "page_cache_seconds",
    "shown_by",
    "story_tag",
    "tag",
]
