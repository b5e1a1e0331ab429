"""Settings of the e2e Django app: django-prometheus the way its README sets it up.

Environment:
  DJANGO_DB_PATH   SQLite file (default: a file in a fresh temporary directory)
"""
import os
import tempfile

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECRET_KEY = "perfwatch-e2e-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django_prometheus",
    "shop",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "perfwatch_django.urls"
WSGI_APPLICATION = "perfwatch_django.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django_prometheus.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB_PATH")
        or os.path.join(tempfile.mkdtemp(prefix="perfwatch-django-"), "db.sqlite3"),
    }
}

CACHES = {
    "default": {
        "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
        "LOCATION": "perfwatch-e2e",
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # Unhandled exceptions (the flaky view) are logged once, without the request dump.
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
