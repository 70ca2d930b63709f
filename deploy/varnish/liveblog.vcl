vcl 4.1;

# Varnish in front of Liveblog's workers (or its nginx). It keeps no rules of its own about
# what to cache or for how long: the app says so in Cache-Control (s-maxage, then
# stale-while-revalidate as grace) and in its ETags, and Varnish's built-in logic follows them.
# The only decisions made here are what must never come from a shared copy.

backend origin {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

sub vcl_recv {
    # Live updates: a websocket is a pipe to a worker, never a cached object.
    if (req.http.Upgrade ~ "(?i)websocket") {
        return (pipe);
    }
    # Writes, and whoever is signed in or holds a key (journalists' pages, partner rate limits).
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin/" || req.http.Authorization || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Anything else a reader's browser sends as cookies (analytics, a stale csrftoken) changes
    # nothing the app sends back; without them every reader shares one copy.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_pipe {
    if (req.http.Upgrade) {
        set bereq.http.Upgrade = req.http.Upgrade;
        set bereq.http.Connection = req.http.Connection;
    }
}

sub vcl_backend_response {
    # Past its grace an object may still be revalidated with If-None-Match: the origin answers
    # a 304 with one query instead of rendering, and Varnish keeps its copy.
    set beresp.keep = 60s;
}

sub vcl_deliver {
    # Lets an operator (and the bench) see what the cache did, without guessing from timings.
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}
