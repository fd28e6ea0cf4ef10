#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # manage.py is the developer's tool: it defaults to debug mode so a fresh clone
    # runs without a secret key. The WSGI/ASGI servers default to production mode.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A settings mistake is the operator's to fix: say what, not where in Django.
        sys.stderr.write(f"Configuration error: {error}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
