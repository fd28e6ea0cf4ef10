#!/usr/bin/env bash
# Build the Wagtail side of the comparison in /tmp (never in the checkout):
#   a virtualenv with Wagtail 8 and gunicorn from PyPI, a project made by
#   `wagtail start`, a StoryPage model with the fields of our stories, and
#   2,000 published pages in their own PostgreSQL database.
#
#   bash bench/wagtail/build.sh            # then: .venv/bin/python bench/wagtail/compare.py
#
# Environment: WAGTAIL_DIR (default /tmp/newsroom-wagtail), WAGTAIL_DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/newsroom_bench_wagtail), PAGES (2000).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${WAGTAIL_DIR:-/tmp/newsroom-wagtail}"
DB_URL="${WAGTAIL_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/newsroom_bench_wagtail}"
PAGES="${PAGES:-2000}"
PY="${PYTHON:-python3.13}"

mkdir -p "$DIR"
if [ ! -x "$DIR/venv/bin/wagtail" ]; then
  uv venv --python "$PY" "$DIR/venv"
  uv pip install --python "$DIR/venv/bin/python" "wagtail>=8,<9" gunicorn "psycopg[binary]" dj-database-url
fi
"$DIR/venv/bin/python" -c "import wagtail, django; print('wagtail', wagtail.__version__, 'django', django.get_version())"

if [ ! -d "$DIR/site" ]; then
  mkdir -p "$DIR/site"
  "$DIR/venv/bin/wagtail" start benchsite "$DIR/site"
  cp "$HERE/models.py" "$DIR/site/home/models.py"
  mkdir -p "$DIR/site/home/templates/home"
  cp "$HERE/story_page.html" "$DIR/site/home/templates/home/story_page.html"
  cp "$HERE/seed.py" "$DIR/site/seed.py"
  cat "$HERE/settings_production.py" >> "$DIR/site/benchsite/settings/production.py"
fi

DBNAME="${DB_URL##*/}"
psql "${DB_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS $DBNAME" >/dev/null
psql "${DB_URL%/*}/postgres" -qc "CREATE DATABASE $DBNAME" >/dev/null
cd "$DIR/site"
export DJANGO_SETTINGS_MODULE=benchsite.settings.production WAGTAIL_DATABASE_URL="$DB_URL"
export DJANGO_SECRET_KEY=bench-wagtail-not-secret
rm -rf home/migrations/0003_* home/migrations/000[3-9]_*
"$DIR/venv/bin/python" manage.py makemigrations home -v0
"$DIR/venv/bin/python" manage.py migrate -v0
"$DIR/venv/bin/python" manage.py collectstatic --noinput -v0
"$DIR/venv/bin/python" seed.py "$PAGES"
