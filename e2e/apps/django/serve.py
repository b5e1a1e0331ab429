#!/usr/bin/python3
"""Run the e2e Django app on a threaded stdlib wsgiref server.

  /usr/bin/python3 serve.py PORT        (or PORT in the environment; HOST, default 127.0.0.1)

At start: `migrate` on DJANGO_DB_PATH (default a fresh temporary file), seed a
few rows, refresh django-prometheus's migration gauges (as if migrate had run
before the server, as in a deployment), then serve. SIGTERM or SIGINT stops the
server and exits 0.
"""
import os
import shutil
import signal
import socketserver
import sys
import tempfile
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perfwatch_django.settings")

# Without DJANGO_DB_PATH: a fresh SQLite file in a temporary directory that is
# removed on exit.
_tmpdir = None
if not os.environ.get("DJANGO_DB_PATH"):
    _tmpdir = tempfile.mkdtemp(prefix="perfwatch-django-")
    os.environ["DJANGO_DB_PATH"] = os.path.join(_tmpdir, "db.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connections  # noqa: E402
from django_prometheus.migrations import ExportMigrations  # noqa: E402


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        if os.environ.get("DJANGO_ACCESS_LOG"):
            super().log_message(format, *args)


def main():
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")

    call_command("migrate", interactive=False, verbosity=0)
    from shop.seed import seed

    seed()
    ExportMigrations()
    connections.close_all()

    application = get_wsgi_application()
    httpd = make_server(host, port, application, server_class=ThreadingWSGIServer, handler_class=QuietHandler)

    def stop(signum, frame):
        # shutdown() waits for serve_forever to return, so call it off the main thread.
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    # Backstop for harnesses that signal a wrapper rather than this process:
    # stop when the parent goes away (we are re-parented).
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(0.25)
        httpd.shutdown()

    threading.Thread(target=watch_parent, daemon=True).start()
    print(f"listening on http://{host}:{port} (db {connections['default'].settings_dict['NAME']})", flush=True)
    httpd.serve_forever(poll_interval=0.1)
    httpd.server_close()
    connections.close_all()
    if _tmpdir:
        shutil.rmtree(_tmpdir, ignore_errors=True)
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
