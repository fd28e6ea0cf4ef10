"""Django's Redis cache, made to survive Redis outages, with the few atomic steps the page
cache needs done inside Redis (one round trip each)."""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_last_warning = 0.0


def _degrading(name, fallback=None):
    """Wrap a cache method so that a Redis error returns ``fallback`` (or calls it)."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            global _last_warning
            try:
                return method(self, *args, **kwargs)
            except Exception as error:  # redis-py raises several unrelated classes
                now = time.monotonic()
                if now - _last_warning > 60:
                    _last_warning = now
                    logger.warning("Cache unavailable (%s: %s); serving uncached.", name, error)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorator


# A stored page is a hash: its metadata (status, headers) as JSON, its body as bytes,
# the generation it was rendered under and the tags it shows (space-separated). It is
# returned only if no tag it shows (nor "*", everything) was invalidated after that
# generation: the check and the read are one round trip, sent as the script's SHA1.
_FETCH = """
local entry = redis.call('HMGET', KEYS[1], 'meta', 'body', 'generation', 'tags')
if not entry[1] or not entry[3] then return false end
local generation = tonumber(entry[3])
for tag in string.gmatch(entry[4] .. ' *', '%S+') do
  local version = tonumber(redis.call('GET', ARGV[1] .. tag) or '0') or 0
  if version > generation then return false end
end
return {entry[1], entry[2]}
"""

# Tags' versions arrive out of order from several app servers and the retry job: only
# ever move one forward. ARGV: the generation, the tag key prefix, the tags.
_RAISE = """
local generation = tonumber(ARGV[1])
for i = 3, #ARGV do
  local key = ARGV[2] .. ARGV[i]
  local current = tonumber(redis.call('GET', key) or '0') or 0
  if current < generation then redis.call('SET', key, ARGV[1]) end
end
return 0
"""


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, except that a Redis outage degrades to "not cached".

    Reads return the default, writes are dropped; failures are logged at most once a
    minute per process, to keep logs readable during an outage. The page cache's own
    steps (``fetch_page``, ``store_page``, ``raise_tags``) raise instead, so that the
    invalidation outbox knows when Redis did not take a change.
    """

    get = _degrading("get", lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _degrading("get_many", {})(RedisCache.get_many)
    has_key = _degrading("has_key", False)(RedisCache.has_key)
    add = _degrading("add", False)(RedisCache.add)
    set = _degrading("set")(RedisCache.set)
    set_many = _degrading("set_many", lambda data, *a, **k: list(data))(RedisCache.set_many)
    touch = _degrading("touch", False)(RedisCache.touch)
    delete = _degrading("delete", False)(RedisCache.delete)
    delete_many = _degrading("delete_many")(RedisCache.delete_many)
    incr = _degrading("incr", 0)(RedisCache.incr)
    clear = _degrading("clear")(RedisCache.clear)

    def _client(self, key: str, write: bool = False) -> "_PageClient":
        """One client per connection pool, kept, with the page cache's scripts: Django's
        own builds a new ``Redis`` object on every call, a quarter of the cost of a
        page-cache hit. Clients are safe to share between threads (each command takes a
        connection from the pool)."""
        pool = self._cache._get_connection_pool(write)
        clients = self.__dict__.setdefault("_page_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = _PageClient(self._cache._client(connection_pool=pool))
        return client

    def fetch_page(self, name: str, tag_prefix: str) -> tuple[bytes, bytes] | None:
        """``(meta, body)`` of a stored page still valid for its tags, or None."""
        key = self.make_and_validate_key(name)
        fetch = self._client(key).fetch
        found = fetch(keys=[key], args=[self.make_and_validate_key(tag_prefix)])
        return (found[0], found[1]) if found else None

    def store_page(
        self,
        name: str,
        meta: bytes,
        body: bytes,
        seconds: int,
        *,
        generation: int,
        tags: list[str],
    ) -> None:
        key = self.make_and_validate_key(name)
        pipe = self._client(key, write=True).redis.pipeline()
        fields = {"meta": meta, "body": body, "generation": generation, "tags": " ".join(tags)}
        pipe.hset(key, mapping=fields)
        pipe.expire(key, seconds)
        pipe.execute()

    def raise_tags(self, tags: list[str], generation: int, tag_prefix: str) -> None:
        prefix = self.make_and_validate_key(tag_prefix)
        self._client(prefix, write=True).raise_tags(args=[generation, prefix, *tags])


class _PageClient:
    """A redis-py client and the page cache's scripts, sent as EVALSHA (and loaded again
    if Redis lost them, after a restart)."""

    def __init__(self, redis):
        self.redis = redis
        self.fetch = redis.register_script(_FETCH)
        self.raise_tags = redis.register_script(_RAISE)
