"""What readers see when the database is away: a branded 503, not a traceback."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


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
        logger.error("Database unavailable for %s: %s", request.path, exception)
        # Rendered without a request context: the context processors would query.
        body = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
