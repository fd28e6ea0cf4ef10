"""Every response carries the security headers, whoever answers it: a page, a cached page,
a static file, an error (400, 403, 404, 413, 500, 503). Reader pages need no nonce, so a
cached page is right for every reader. Media may come from a host of its own.
"""

import socket

import pytest
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from tests.factories import make_story
from tests.servers import AppServer, Browser, RedisServer, TcpProxy

SECURITY_HEADERS = [
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Strict-Transport-Security",
]
MEDIA_HOST = "https://media.example.test"


@pytest.fixture(scope="module")
def app(django_db_setup, django_db_blocker):
    # Redis, as in production: both workers share the page cache, so a second request
    # is a hit whichever worker takes it.
    with RedisServer() as redis, django_db_blocker.unblock():
        env = {"MEDIA_URL": f"{MEDIA_HOST}/images/", "REDIS_URL": redis.url}
        with AppServer(env=env) as server:
            yield server


def missing_headers(answer) -> list[str]:
    headers = {name.lower(): value for name, value in answer.headers.items()}
    missing = [name for name in SECURITY_HEADERS if name.lower() not in headers]
    csp = headers.get("content-security-policy", "")
    for directive in ("base-uri 'none'", "object-src 'none'", "frame-ancestors 'none'"):
        if directive not in csp:
            missing.append(directive)
    return missing


def raw_request(app, request: bytes) -> tuple[int, dict]:
    """Send ``request`` as it is and read the answer's status and headers, for what an
    HTTP client library would not send (another site's Host, a body never sent)."""
    with socket.create_connection(("127.0.0.1", app.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:])
    return int(head[0].split()[1]), headers


class Answer:
    def __init__(self, status, headers):
        self.status, self.headers = status, headers


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_kind_of_response_carries_the_security_headers(app, editor):
    story = make_story("Harbour reopens", publish=True, by=editor)
    browser = Browser(app.url)
    answers = {
        "page": browser.get(story.get_absolute_url()),
        "page from the cache": browser.get(story.get_absolute_url()),
        "redirect": browser.get("/sections/no-slash"),
        "static file": browser.get("/static/css/site.css"),
        "404": browser.get("/no-such-page/"),
        "404 for a control character": browser.get("/sections/%00/"),
        "403 without a CSRF token": browser.request(
            "POST", "/admin/login/", {"username": "x", "password": "y"}
        ),
        "feed": browser.get("/feed/"),
        "sign-in page": browser.get("/admin/login/"),
    }
    assert answers["page from the cache"].headers.get("X-Cache") == "hit"
    assert answers["static file"].status == 200
    assert answers["403 without a CSRF token"].status == 403
    secure = "X-Forwarded-Proto: https\r\n"
    status, headers = raw_request(
        app, f"GET / HTTP/1.1\r\nHost: evil.example\r\n{secure}Connection: close\r\n\r\n".encode()
    )
    answers["400 for another site's Host"] = Answer(status, headers)
    status, headers = raw_request(
        app,
        (
            f"POST /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{secure}"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {200 * 1024 * 1024}\r\nConnection: close\r\n\r\n"
        ).encode(),
    )
    answers["413 for a body too large"] = Answer(status, headers)
    assert (answers["400 for another site's Host"].status, status) == (400, 413)
    assert {kind: missing_headers(answer) for kind, answer in answers.items()} == {
        kind: [] for kind in answers
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cached_reader_page_carries_no_nonce(app, editor):
    story = make_story("Harbour reopens", publish=True, by=editor)
    browser = Browser(app.url)
    first, second = browser.get(story.get_absolute_url()), browser.get(story.get_absolute_url())
    assert second.headers.get("X-Cache") == "hit"
    for answer in (first, second):
        assert "nonce" not in answer.text
        assert "nonce" not in answer.headers["Content-Security-Policy"]
    assert 'type="application/ld+json"' in second.text  # the structured data is still there


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_media_from_a_host_of_its_own_is_allowed_by_the_policy(app):
    policy = Browser(app.url).get("/").headers["Content-Security-Policy"]
    img_src = next(part for part in policy.split("; ") if part.startswith("img-src"))
    assert img_src.split() == ["img-src", "'self'", "data:", MEDIA_HOST]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_branded_503_carries_the_security_headers():
    proxy = TcpProxy(connection.settings_dict["PORT"] or 5432)
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    url = f"postgres://{db['USER']}{password}@127.0.0.1:{proxy.port}/{db['NAME']}"
    try:
        with AppServer(env={"DATABASE_URL": url, "NEWSROOM_PAGE_CACHE_SECONDS": "0"}) as app:
            proxy.cut()
            answer = Browser(app.url).get("/")
    finally:
        proxy.close()
    assert answer.status == 503
    assert missing_headers(answer) == []


# --- details, in process -----------------------------------------------------------------


def _fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fails/", _fails), path("ok/", lambda request: HttpResponse("ok"))]


@pytest.mark.urls(__name__)
def test_a_500_carries_the_security_headers(client):
    client.raise_request_exception = False
    response = client.get("/fails/", secure=True)
    assert response.status_code == 500
    assert "base-uri 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_admin_still_gets_a_nonce_for_its_own_styles(as_editor):
    response = as_editor.get("/admin/")
    nonce = response.context["csp_nonce"]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_reader_templates_need_no_nonce(client, editor):
    story = make_story("Harbour reopens", publish=True, by=editor)
    for url in ["/", story.get_absolute_url(), "/search/?q=harbour", "/corrections/", "/nope/"]:
        response = client.get(url)
        assert "nonce" not in response["Content-Security-Policy"], url
        assert b"nonce" not in response.content, url
