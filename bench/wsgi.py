"""WSGI entry point for benchmarks: the application plus the baseline views (bench/urls.py)."""

import os

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()
settings.ROOT_URLCONF = "bench.urls"
application = get_wsgi_application()
