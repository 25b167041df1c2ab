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
