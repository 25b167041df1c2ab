"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation (its
`get_client`), and building one fills a table of ~170 response callbacks: most of the CPU a
cache read took, several times per page (the anonymous page cache reads twice and counts the
view). A `redis.Redis` is safe to share between threads (each command borrows a connection
from the pool), so this keeps one per pool. Same pools, same options, same behaviour.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClient

    def incr_many(self, keys: list[str]) -> list[int]:
        """INCR each key in one round trip; a key that did not exist comes back as 1 (the
        anonymous page cache's generations, forum/pagecache.py, start those afresh)."""
        client = self._cache.get_client(write=True)
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.incr(self.make_and_validate_key(key))
        return pipe.execute()

    def get_many_and_add(self, keys: list[str], add_key: str, value, timeout) -> tuple[dict, bool]:
        """`get_many(keys)` and `add(add_key, value, timeout)` in one round trip (the anonymous
        page cache reads a page and marks its reader's view at once)."""
        client = self._cache.get_client(write=True)
        serializer = self._cache._serializer
        made = {self.make_and_validate_key(key): key for key in keys}
        pipe = client.pipeline(transaction=False)
        pipe.mget(list(made))
        pipe.set(
            self.make_and_validate_key(add_key),
            serializer.dumps(value),
            ex=self.get_backend_timeout(timeout),
            nx=True,
        )
        values, added = pipe.execute()
        found = {
            made[key]: serializer.loads(raw) for key, raw in zip(made, values, strict=True) if raw is not None
        }
        return found, bool(added)
