#!/usr/bin/python3
"""A one-file Django app reporting its errors through Debian's python3-sentry-sdk
(1.9.10) to perfwatch-collector's Sentry-compatible ingest (issue #13).

  SENTRY_DSN=http://KEY@127.0.0.1:PORT/PROJECT /usr/bin/python3 app.py PORT

Routes:
  GET /                      ok
  GET /orders/<int:id>/      raises ZeroDivisionError (unhandled: Django answers 500)
  GET /wrapped/<int:id>/     raises RuntimeError from a KeyError (a chain of two)
  GET /handled/<int:id>/     catches a ValueError and reports it with capture_exception
  GET /message/              capture_message at warning level, then 200
  GET /info/                 capture_message at info level (not an error), then 200
Every event carries the user id, a password in the query string and a cookie, which
the ingest must drop. SIGTERM or SIGINT stops the server; it also stops when its
parent goes away. Events are flushed before each response so a test need not wait.
"""
import os
import signal
import socketserver
import sys
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

settings.configure(
    DEBUG=False,
    SECRET_KEY="perfwatch-e2e-not-secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    LOGGING_CONFIG=None,
)

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    integrations=[DjangoIntegration(transaction_style="url")],
    release=os.environ.get("SENTRY_RELEASE", "shop@1.4.2"),
    environment="e2e",
    send_default_pii=True,  # the ingest must drop what this sends: cookies, headers, user
    traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
)


def flush():
    sentry_sdk.flush(timeout=5)


def index(request):
    return JsonResponse({"app": "perfwatch-e2e-sentry-django"})


def lookup_total(order_id):
    items = 0
    return order_id / items


def order(request, id):
    sentry_sdk.set_user({"id": str(id), "email": "alice@example.com"})
    try:
        return JsonResponse({"total": lookup_total(id)})
    finally:
        # the SDK captures the exception after the view returns; flush on a timer
        threading.Timer(0.2, flush).start()


def load_config(key):
    return {"a": 1}[key]


def wrapped(request, id):
    try:
        try:
            load_config("missing-%d" % id)
        except KeyError as e:
            raise RuntimeError("config for order %d unavailable" % id) from e
    finally:
        threading.Timer(0.2, flush).start()


def handled(request, id):
    try:
        int("not-a-number-%d" % id)
    except ValueError as e:
        sentry_sdk.capture_exception(e)
    flush()
    return JsonResponse({"handled": True})


def message(request):
    sentry_sdk.capture_message("payment provider slow for order 1234", level="warning")
    flush()
    return JsonResponse({"message": True})


def info(request):
    sentry_sdk.capture_message("cache warmed", level="info")
    flush()
    return JsonResponse({"info": True})


urlpatterns = [
    path("", index),
    path("orders/<int:id>/", order),
    path("wrapped/<int:id>/", wrapped),
    path("handled/<int:id>/", handled),
    path("message/", message),
    path("info/", info),
]


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        if os.environ.get("DJANGO_ACCESS_LOG"):
            super().log_message(format, *args)


def main():
    django.setup()
    from django.core.wsgi import get_wsgi_application

    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    httpd = make_server(host, port, get_wsgi_application(), server_class=ThreadingWSGIServer, handler_class=QuietHandler)

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(0.25)
        httpd.shutdown()

    threading.Thread(target=watch_parent, daemon=True).start()
    print("listening on http://%s:%d" % (host, port), flush=True)
    httpd.serve_forever()
    flush()


if __name__ == "__main__":
    main()
