"""What readers see when the database is away (a branded 503, not a traceback), and log
lines that no request can forge or colour."""

import logging
import re

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from articles import editions

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

# C0 and C1 controls, DEL and the Unicode line separators: what can start a new line,
# move the cursor or change colours on the terminal that reads the log.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_UNPRINTABLE_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def escape_for_log(text: str) -> str:
    r"""``text`` on one line, control characters written as escapes (``\r``, ``\x1b``)."""
    return _UNPRINTABLE.sub(_escaped, str(text))


class EscapingFormatter(logging.Formatter):
    """Every log line as the logging call wrote it, with whatever a request put in it
    (a path, a username, a database error quoting a value) escaped.

    Tracebacks keep their line breaks; nothing else in them can act on a terminal.
    """

    def formatMessage(self, record):
        return escape_for_log(super().formatMessage(record))

    def formatException(self, ei):
        return _UNPRINTABLE_BUT_NEWLINE.sub(_escaped, super().formatException(ei))

    def formatStack(self, stack_info):
        return _UNPRINTABLE_BUT_NEWLINE.sub(_escaped, super().formatStack(stack_info))


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection into "503 Service Unavailable" with Retry-After.

    Django reconnects on the next request (CONN_HEALTH_CHECKS), so the site recovers
    by itself when PostgreSQL is back. A statement cut off by ``statement_timeout``
    lands here too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)) and not (
            isinstance(exception, DatabaseError) and "statement timeout" in str(exception)
        ):
            return None
        # Escaped here too: this line must stay one line under any logging setup.
        logger.error(
            "Database unavailable for %s: %s",
            escape_for_log(request.path),
            escape_for_log(exception),
        )
        # Rendered without a request context: the context processors would query.
        body = render_to_string(
            "503.html", {"retry_after": RETRY_AFTER_SECONDS, "home": editions.home_path()}
        )
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


class EditionMiddleware:
    """Reads the page's language from its address (``articles.editions``) and renders
    the response in it: interface strings, dates, ``<html lang dir>`` and the
    addresses ``reverse()`` gives (``/fa/…`` inside the Persian edition)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = editions.from_path(request.path_info)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            return self.get_response(request)
