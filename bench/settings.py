"""Settings for benchmark servers: the production settings, plus two things.

``ROOT_URLCONF`` adds a bare view beside the site's own URLs (the ceiling every page
is compared with), and ``BENCH_STATIC_ROOT`` points collected static files at a
temporary folder, so a benchmark never writes into the checkout.
"""

import os
from pathlib import Path

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
