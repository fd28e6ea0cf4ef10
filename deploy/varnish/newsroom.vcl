# Varnish in front of the newsroom's app servers (Varnish 7.1 + varnish-modules' xkey).
#
# - Anonymous GETs and HEADs are cached as the app's Cache-Control says (s-maxage
#   first): the app decides what is public, Varnish never overrides it.
# - Staff and previews always pass: the admin, preview links (/p/, /preview/), the
#   health check, any Authorization header, and any request carrying the app's
#   session, CSRF or "just wrote" cookie (the same rules as articles.cache's page
#   cache; the cookie names are Django's defaults and newsroom.db_router's).
# - Every object is indexed by the keys of the app's Surrogate-Key header (story-12,
#   section-world, home, feed, ...) and by "all", the whole site. The app's purge hook
#   (articles.purge) sends "PURGE" with an "xkey" header naming the keys; only the
#   addresses in the "purgers" ACL may. A purge is a hard purge: the object is gone,
#   so grace can never bring it back.
# - Grace: a stale copy is served for a short while only when no backend is healthy.
#
# Backends, the "app" director and the "purgers" ACL live in site.vcl, one per site
# (site.vcl.example; `scripts/stack up` writes its own). Start with
#   varnishd -f /path/to/newsroom.vcl -p vcl_path=/dir/of/site.vcl:/dir/of/newsroom.vcl

vcl 4.1;

import std;
import xkey;
import directors;

include "site.vcl";

sub vcl_recv {
    set req.backend_hint = app.backend();
    unset req.http.X-Cache-Verdict;

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is for the app servers"));
        }
        if (!req.http.xkey) {
            return (synth(400, "Name the keys to purge in an xkey header"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey);
        return (synth(200, "Purged " + req.http.n-gone + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff, previews and the load balancers' health check: always the app's answer.
    if (req.url ~ "^/(admin|p|preview)/" || req.url ~ "^/healthz") {
        return (pass);
    }
    # A partner's API key is checked and counted by the app on every request.
    if (req.http.Authorization) {
        return (pass);
    }
    # Signed in (sessionid), holding a form's token (csrftoken), or wrote a moment ago
    # (newsroom_wrote, set by newsroom.db_router so that the writer reads the primary).
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken|newsroom_wrote)=") {
        return (pass);
    }
    # Any other cookie (analytics, consent banners) changes nothing the app renders.
    unset req.http.Cookie;
    # Fresh from the app while a backend is healthy; stale only while none is.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    return (hash);
}

sub vcl_hit {
    if (obj.ttl <= 0s) {
        set req.http.X-Cache-Verdict = "HIT-STALE";
    } else {
        set req.http.X-Cache-Verdict = "HIT";
    }
}

sub vcl_miss {
    set req.http.X-Cache-Verdict = "MISS";
}

sub vcl_pass {
    set req.http.X-Cache-Verdict = "PASS";
}

sub vcl_backend_fetch {
    unset bereq.http.X-Cache-Verdict;
}

sub vcl_backend_response {
    # The keys this object is purged by: the whole site's ("all": `PURGE` with
    # `xkey: all` empties the cache), then the app's own.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = "all " + beresp.http.Surrogate-Key;
    } else {
        set beresp.http.xkey = "all";
    }
    # The app's own page cache says hit or miss in X-Cache; Varnish's verdict takes
    # that name on the way out.
    if (beresp.http.X-Cache) {
        set beresp.http.X-App-Cache = beresp.http.X-Cache;
        unset beresp.http.X-Cache;
    }
    # Served stale at most this long after it expires, and only while every backend
    # is sick (vcl_recv).
    set beresp.grace = 2m;
    set beresp.keep = 0s;
    # A refresh in the background that fails keeps the stale copy rather than an error.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    # Then Varnish's built-in rules: no-store, no-cache, private and Set-Cookie are
    # never cached, and s-maxage/max-age set the TTL.
}

sub vcl_deliver {
    set resp.http.X-Cache = req.http.X-Cache-Verdict;
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}

sub vcl_synth {
    set resp.http.Cache-Control = "no-store";
    set resp.http.X-Content-Type-Options = "nosniff";
}
