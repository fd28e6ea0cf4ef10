"""``make test`` checks what it needs first: a missing browser is one line, at once.

``scripts/test-prerequisites`` runs before anything slow. These tests run the real
script and the real ``make`` in subprocesses, so they are marked ``slow``.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "test-prerequisites"


def environment(**changes):
    """This environment, without the variables of a ``make`` that may be running us."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env.update(changes)
    return env


def run(args, env, timeout=30):
    started = time.monotonic()
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return result, time.monotonic() - started


@pytest.fixture
def apt_get_spy(tmp_path):
    """An ``apt-get`` first on PATH that only records that it was called."""
    folder = tmp_path / "bin"
    folder.mkdir()
    calls = tmp_path / "apt-get-calls"
    spy = folder / "apt-get"
    spy.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexit 1\n')
    spy.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}", calls


def test_chromium_set_to_a_missing_path_fails_at_once_with_one_line(apt_get_spy):
    path, apt_calls = apt_get_spy
    env = environment(NEWSROOM_CHROMIUM="/nonexistent", PATH=path)
    result, seconds = run([str(SCRIPT)], env)

    assert result.returncode == 1, result.stdout + result.stderr
    assert seconds < 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith("make test: NEWSROOM_CHROMIUM=/nonexistent has no browser.")
    assert "Unset NEWSROOM_CHROMIUM" in line
    assert "point it at a Chromium binary" in line
    assert "make test-fast" in line
    assert not apt_calls.exists(), (
        "installing Debian's chromium cannot fix a path chosen on purpose"
    )


def test_everything_present_passes_silently_and_quickly(apt_get_spy):
    path, apt_calls = apt_get_spy
    result, seconds = run([str(SCRIPT)], environment(PATH=path))

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert seconds < 1
    assert not apt_calls.exists()


def test_fast_mode_needs_no_browser():
    env = environment(NEWSROOM_CHROMIUM="/nonexistent")
    result, seconds = run([str(SCRIPT), "--fast"], env)

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert seconds < 1


def _first(lines, text):
    return next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize(
    ("target", "check", "pytest_command"),
    [
        ("test", "scripts/test-prerequisites", "bin/pytest -n 2"),
        ("test-fast", "scripts/test-prerequisites --fast", 'bin/pytest -n 2 -m "not slow"'),
    ],
)
def test_make_lists_the_prerequisites_before_anything_else(target, check, pytest_command, tmp_path):
    # A virtualenv that does not exist yet, so that `make -n` also lists installing it.
    result, _ = run(["make", "-n", target, f"VENV={tmp_path / 'venv'}"], environment())

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert _first(lines, check) == 0, result.stdout
    assert "sync --frozen" in result.stdout
    assert _first(lines, check) < _first(lines, "sync --frozen") < _first(lines, pytest_command)


def test_make_test_stops_before_installing_anything_when_the_browser_is_missing(tmp_path):
    # Were the check not first, make would go on to install the virtualenv with UV,
    # which here is `false`: it would print that command and fail differently.
    env = environment(NEWSROOM_CHROMIUM="/nonexistent")
    result, seconds = run(["make", "test", f"VENV={tmp_path / 'venv'}", "UV=false"], env)

    assert result.returncode == 2, result.stdout + result.stderr
    assert seconds < 2
    assert result.stdout == ""
    first, *rest = result.stderr.splitlines()
    assert first.startswith("make test: NEWSROOM_CHROMIUM=/nonexistent has no browser.")
    # All that follows is make's own note of which step stopped it.
    assert len(rest) == 1 and rest[0].startswith("make: *** ") and "test-prerequisites" in rest[0]
    assert not (tmp_path / "venv").exists()


def test_every_browser_test_is_marked_slow():
    result, _ = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--collect-only",
            "-q",
            "-m",
            "not (browser and slow)",
            "tests/browser",
        ],
        environment(),
        timeout=60,
    )
    # Exit 5: everything was deselected, so nothing is left for `make test-fast`.
    assert result.returncode == 5, result.stdout + result.stderr
    assert " deselected" in result.stdout
    assert "no tests collected" in result.stdout


def test_the_topology_programs_a_fresh_machine_lacks_are_installed_or_named(apt_get_spy):
    """The slow tests start Varnish and PgBouncer: ``make test`` installs what is missing
    (scripts/stack packages), or fails with the one command to run."""
    path, apt_calls = apt_get_spy
    # Without the sbin folders on PATH, varnishd and pgbouncer are missing, as on a new machine.
    path = os.pathsep.join(folder for folder in path.split(os.pathsep) if "sbin" not in folder)
    stack = [sys.executable, str(ROOT / "scripts" / "stack"), "packages"]
    result, _ = run(stack, environment(PATH=path))

    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("scripts/stack packages: ")
    assert "apt-get install -y -q varnish pgbouncer" in line
    if os.geteuid() == 0:  # it tried: apt-get install, then update and install again
        assert result.stdout == "Installing varnish, pgbouncer (Debian packages)…\n"
        calls = apt_calls.read_text().splitlines()
        assert calls == ["install -y -q varnish pgbouncer", "update -q"]
