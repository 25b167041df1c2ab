"""gunicorn.conf.py: what a worker does once it has loaded the site (the collector's settings,
docs/benchmarks.md "Pages")."""

import gc
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_freezes_what_it_loaded_and_collects_less_often():
    # In a child process: freezing this test run's own objects would outlive the test.
    script = (
        "import gc, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('conf', {str(ROOT / 'gunicorn.conf.py')!r})\n"
        "conf = importlib.util.module_from_spec(spec); spec.loader.exec_module(conf)\n"
        "loaded = [{'n': i} for i in range(5000)]\n"
        "conf.post_worker_init(worker=None)\n"
        "print(gc.get_freeze_count() >= 5000, gc.get_threshold())\n"
        "a = []; a.append(a); del a\n"  # a cycle made after the freeze is still collected
        "print(gc.collect() >= 1)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    frozen, collects = out.splitlines()
    assert frozen == "True (50000, 20, 20)"
    assert collects == "True"


def test_the_config_is_what_gunicorn_reads_and_the_images_name_it():
    spec = importlib.util.spec_from_file_location("conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert callable(conf.post_worker_init)
    assert gc.isenabled()  # loading it changes nothing until a worker starts
    assert '"--config", "gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()
