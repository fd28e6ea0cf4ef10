"""The developer's commands fail helpfully."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs pytest itself in a child process.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_suite_stops_with_one_clear_line_when_postgresql_is_unreachable():
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/newsroom"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/test_models.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 3
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in output
    assert "DATABASE_URL" in output
    assert "Traceback" not in output
