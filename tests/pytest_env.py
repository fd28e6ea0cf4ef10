"""Loaded with ``-p`` before Django is set up: the suite runs on PostgreSQL in development settings."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom")
