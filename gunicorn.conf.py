"""The production server: `.venv/bin/gunicorn` run from this folder reads this file (README, "Production").

Every value can be changed by the environment, so one file serves every host:

    WEB_CONCURRENCY   worker processes (default 2 x cores + 1)
    WEB_THREADS       threads per worker (default 2): a thread waiting on the database lets another run
    BIND              where to listen (default 127.0.0.1:8000: the reverse proxy on this host connects there)
    WEB_TIMEOUT       seconds a request may take before its worker is restarted (default 60)
    ACCESS_LOG        where the access log goes (default "-": standard output, for journald)

The workers keep nothing of their own between requests: the database holds every state, the signed session
cookie says who is logged in (so SECRET_KEY must be the same on every host), the attachments live under
ATTACHMENTS_DIR (a shared volume when several hosts serve). Any worker on any host can answer any request.
"""

import multiprocessing
import os

wsgi_app = "proposals:create_app()"

bind = os.environ.get("BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 2))

# A worker silent this long is killed and replaced; the ledger export and the compilation PDF of a large
# session are the slowest pages. Stopping (SIGTERM, a deploy) lets running requests finish first.
timeout = int(os.environ.get("WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5  # seconds an idle connection from the proxy stays open

# Not preloaded: each worker imports the application and opens its own database connections after the fork,
# so no connection or file is ever shared between processes, and `kill -HUP <master>` after a deploy starts
# workers on the new code. A configuration error (such as a missing SECRET_KEY) stops the server at start-up
# all the same: gunicorn exits when its first worker cannot boot.
preload_app = False

# Restart each worker after a few thousand requests (spread out, so they never restart together):
# whatever memory a long run fragments is given back.
max_requests = 5000
max_requests_jitter = 500

accesslog = os.environ.get("ACCESS_LOG", "-")
# the usual combined format, with the time taken and the worker that answered (%(p)s is "<pid>")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms worker=%(p)s "%(f)s" "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
proc_name = "proposals"

# The Server header and SERVER_SOFTWARE name no server software or version to whoever asks.
import gunicorn.http.wsgi  # noqa: E402

gunicorn.http.wsgi.SERVER = gunicorn.http.wsgi.SERVER_SOFTWARE = "proposals"
