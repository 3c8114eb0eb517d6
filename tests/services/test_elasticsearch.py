"""Indexing and search against the real Elasticsearch 9 (CI runs it; no mocks)."""

import pytest

from marketplace.models import ListingStatus
from search import service
from search.backends import get_backend
from search.backends.base import SearchUnavailable
from search.tasks import index_objects
from tests import factories

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db]


def test_a_published_achievement_is_indexed_and_found(elasticsearch_backend):
    org = factories.organisation()
    wanted = factories.achievement(
        org, title="石墨烯导热膜的连续化制备", summary="高导热石墨烯薄膜。"
    )
    factories.achievement(org, title="水稻抗倒伏栽培技术", summary="提高水稻产量。")
    index_objects("achievement", [a.pk for a in type(wanted).objects.all()])

    result = service.search("石墨烯", type_filter="achievement")
    assert result.backend == "elasticsearch"
    assert [h.id for h in result.hits] == [wanted.pk]
    assert "<mark>" in result.hits[0].highlight or "石墨烯" in result.hits[0].title


def test_unpublishing_removes_the_document(elasticsearch_backend):
    org = factories.organisation()
    item = factories.achievement(org, title="可降解塑料改性配方")
    index_objects("achievement", [item.pk])
    assert service.search("可降解塑料", type_filter="achievement").count == 1
    item.status = ListingStatus.ARCHIVED
    item.save()
    index_objects("achievement", [item.pk])
    assert service.search("可降解塑料", type_filter="achievement").count == 0


def test_rebuild_swaps_the_alias_to_a_fresh_index(elasticsearch_backend):
    org = factories.organisation()
    factories.achievement(org, title="工业机器人视觉定位系统")
    factories.need(org, title="机器人焊接工艺改进")
    client = elasticsearch_backend.client
    elasticsearch_backend.rebuild()
    first = set(client.indices.get_alias(name=elasticsearch_backend.alias("achievement")))
    assert elasticsearch_backend.rebuild() == 2
    second = set(client.indices.get_alias(name=elasticsearch_backend.alias("achievement")))
    assert first and second and first.isdisjoint(second)
    assert not client.indices.exists(index=",".join(first))
    assert service.search("机器人").count == 2


def test_search_falls_back_to_the_database_when_elasticsearch_is_unreachable(settings):
    from search.backends.elastic import ElasticsearchBackend

    org = factories.organisation()
    item = factories.achievement(org, title="海水淡化反渗透膜")
    get_backend("database").index("achievement", [item.pk])  # kept whatever answers
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(SearchUnavailable):
        ElasticsearchBackend().search("反渗透", types=["achievement"], page=1, page_size=10)
    result = service.search("反渗透")
    assert result.backend == "database"
    assert result.notice
    assert [h.title for h in result.hits] == ["海水淡化反渗透膜"]
