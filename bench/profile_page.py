"""Where a signed-in page's server CPU goes: renders it in-process with Django's test client
(production settings, DEBUG off, the cached template loader) on the page benchmark's seeded
database (bench/pages.py, `pgs_bench`), as a member, and reports CPU ms per request
(time.process_time, median of --repeat) and, with --profile, the top of a cProfile.

    .venv/bin/python bench/profile_page.py                       # question (4 answers) and list
    .venv/bin/python bench/profile_page.py --profile 25 --only question
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

from common import ROOT, database_url

sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="pgs_bench")
    parser.add_argument("--redis-db", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions by cumulative time")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callees", default="", help="print what functions matching this call")
    parser.add_argument("--only", default="", help="question or list")
    parser.add_argument(
        "--default-gc", action="store_true", help="CPython's collector settings, not gunicorn.conf.py's"
    )
    args = parser.parse_args()

    os.environ.update(
        DATABASE_URL=database_url(args.database),
        REDIS_URL=f"redis://127.0.0.1:6379/{args.redis_db}",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-secret-key-not-for-production-" + "x" * 20,
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="bench_site",
        DJANGO_LOG_LEVEL="ERROR",
        DJANGO_STATIC_ROOT=str(ROOT / "var" / "bench-static"),
    )
    sys.path.insert(0, str(ROOT))
    import subprocess

    if not (ROOT / "var" / "bench-static" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            check=True,
            env={**os.environ, "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}"},
        )
    import django

    django.setup()
    if not args.default_gc:
        # As a gunicorn worker runs the site (gunicorn.conf.py): the loaded site frozen out of
        # the collector's sight, the youngest generation collected every 50,000 allocations.
        import importlib.util

        spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
        conf = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(conf)
        conf.post_worker_init(worker=None)
    from django.test import Client

    from accounts.models import User
    from forum.models import Question

    question = Question.objects.filter(answer_count=4, accepted_answer__isnull=False).order_by("pk").first()
    member = User.objects.filter(is_staff=False, is_active=True).order_by("pk").first()
    client = Client()
    client.force_login(member)
    pages = {"question": question.get_absolute_url(), "list": "/questions/", "trivial": "/bench/trivial/"}
    for name, path in pages.items():
        if args.only and name not in args.only.split(","):
            continue
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        for _ in range(3):
            client.get(path)
        cpu = []
        for _ in range(args.repeat):
            started = time.process_time()
            client.get(path)
            cpu.append(time.process_time() - started)
        print(
            f"{name} {path}: median {1000 * statistics.median(cpu):.1f} ms CPU, "
            f"min {1000 * min(cpu):.1f} ms, load {os.getloadavg()[0]:.1f}"
        )
        if args.profile:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(10):
                client.get(path)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(args.sort)
            if args.callees:
                stats.print_callees(args.callees)
            else:
                stats.print_stats(args.profile)


if __name__ == "__main__":
    main()
