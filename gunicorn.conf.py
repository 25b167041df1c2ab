"""gunicorn's settings for Commonplace (read from the working directory, as gunicorn does).

The garbage collector: a Django request allocates tens of thousands of container objects (model
instances, template contexts, dicts) that reference counting frees at the end of the request, yet
CPython's default thresholds start a collection every 700 allocations and, every hundredth, a full
one that walks every object the process holds (the loaded code, templates and URL patterns, some
40,000). After the worker has loaded the site, those long-lived objects are frozen out of the
collector's sight (`gc.freeze()`, as CPython's documentation advises for pre-forked servers) and
the youngest generation is collected every 50,000 allocations rather than 700: cycles are still
collected, in a few per cent of the time (docs/benchmarks.md, "Pages").
"""

import gc


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
