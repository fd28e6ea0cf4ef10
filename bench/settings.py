"""Settings for benchmark servers: the production settings, with collected static files
in a temporary folder (``BENCH_STATIC_ROOT``), so a benchmark never writes into the
checkout. The ceiling every page is compared with is a separate app
(``bench/ceiling_app.py``), not a view of this one.
"""

import os
from pathlib import Path

from newsroom.settings import *  # noqa: F403

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
