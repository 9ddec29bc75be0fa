"""Django 5.2 stand-in on perfref's schema (bench/django/README.md).

A production-style configuration: DEBUG off, no middleware the two views do
not need, SQLite with the same pragmas as perfref (WAL from the seeded file,
synchronous from SYNC, FULL by default) and BEGIN IMMEDIATE for writes.
"""
import os

SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "standin.urls"
INSTALLED_APPS = ["standin"]
MIDDLEWARE = []
USE_TZ = False
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    ["django.template.loaders.filesystem.Loader"],
                )
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DB_PATH", "perf.db"),
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            "timeout": 5,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                f"PRAGMA synchronous = {os.environ.get('SYNC', 'FULL')}; "
                "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000; "
                "PRAGMA temp_store = MEMORY;"
            ),
        },
    }
}
