# syntax=docker/dockerfile:1
#
# Kechuang Market (科创大市场): one image for the web, worker and beat containers.
# The command picks the role (see docker-compose.yml):
#   web     python manage.py migrate --noinput && gunicorn config.wsgi:application --bind 0.0.0.0:8000
#   worker  celery -A config worker
#   beat    celery -A config beat
#
# Build: docker build -t kechuang-market .   (or: docker compose build)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------
# builder: installs the pinned dependencies into /opt/venv. Nothing else from
# this stage reaches the final image.
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    PYTHONDONTWRITEBYTECODE=1

# Every pinned package ships a manylinux wheel for amd64 and arm64, so this stage
# needs no compiler. If a future pin does, install build-essential here. This
# stage is thrown away, so the compiler never reaches the final image.
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Only the lock file is copied here, so this layer (the slow one) is rebuilt only
# when requirements.lock changes, not on every code change.
COPY requirements.lock /tmp/requirements.lock

# requirements.lock also pins the development tools (test runner, linter, browser
# driver) and the packages only they need. They are left out of the image.
# `pip check` fails the build if any remaining package needs one of them.
RUN --mount=type=cache,target=/root/.cache/pip \
    grep -viE '^(pytest|pytest-django|ruff|playwright|greenlet|iniconfig|pluggy)==' \
        /tmp/requirements.lock > /tmp/requirements.prod.txt \
 && pip install -r /tmp/requirements.prod.txt \
 && pip check

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

# Unprivileged user that runs every process. Its home directory is writable, which
# gunicorn's control socket (~/.gunicorn/) needs.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY . .

# These steps run as root, so the code, compiled translations and static files are
# owned by root and the app user can only read them. Only MEDIA_ROOT is writable.
#  - compiletranslations: .po -> .mo (polib, so gettext is not needed)
#  - collectstatic: WhiteNoise serves STATIC_ROOT from the image. It runs under the
#    production settings, because their storage (CompressedManifestStaticFilesStorage)
#    writes staticfiles.json. Without that file every {% static %} fails at run time.
#    The settings need a SECRET_KEY of at least 50 characters. The dummy below is set
#    for this RUN only, is not stored in the image, and is never used at run time.
#  - compileall: precompiled bytecode, because the app user cannot write __pycache__
RUN BUILD_SECRET_KEY=build-only-dummy-secret-key-never-used-at-run-time-0000000000 \
 && SECRET_KEY=$BUILD_SECRET_KEY DJANGO_SETTINGS_MODULE=config.settings \
        python manage.py compiletranslations \
 && SECRET_KEY=$BUILD_SECRET_KEY DJANGO_SETTINGS_MODULE=config.settings.production \
        python manage.py collectstatic --noinput \
 && test -f "$STATIC_ROOT/staticfiles.json" \
 && rm -rf /app/var \
 && python -m compileall -q /app \
 && mkdir -p "$MEDIA_ROOT" \
 && chown app:app "$MEDIA_ROOT"

USER app:app

EXPOSE 8000

# Default role: the web server, without migrations. docker-compose.yml runs
# `migrate` first for the web service and overrides the command for worker and beat.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
