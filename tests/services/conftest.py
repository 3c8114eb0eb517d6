"""Gates for tests that need a real service (never a mock of it)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import need_service


@pytest.fixture
def elasticsearch_backend(settings):
    """The real Elasticsearch backend under a random index prefix, dropped afterwards."""
    from search.backends.elastic import ElasticsearchBackend

    need_service("Elasticsearch", bool(settings.ELASTICSEARCH_URL), "set ELASTICSEARCH_URL")
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.SEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:10]}"
    backend = ElasticsearchBackend()
    health = backend.health()
    need_service(
        "Elasticsearch", health["status"] == "ok", f"{settings.ELASTICSEARCH_URL}: {health}"
    )
    yield backend
    backend.drop()


@pytest.fixture
def broker():
    need_service("Celery broker", bool(settings.CELERY_BROKER_URL), "set REDIS_URL")


@pytest.fixture
def postgres(db):
    need_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        f"DATABASE_URL points at {connection.vendor}, set it to postgres://…",
    )
