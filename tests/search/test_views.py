"""The search page and /api/v1/search (spec §10: the JSON shape is a public contract)."""

import pytest

from search.backends import get_backend
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_api_answers_in_the_documented_shape(client, indexed):
    item, _ = indexed
    data = client.get("/api/v1/search", {"q": "石墨烯", "type": "achievement"}).json()
    assert {"count", "backend", "took_ms", "results"} <= set(data)
    assert data["count"] == 1 and data["backend"] == "database"
    (hit,) = data["results"]
    assert set(hit) == {"id", "type", "title", "url", "score", "highlight"}
    assert hit["id"] == item.pk and hit["type"] == "achievement"
    assert hit["url"].endswith(f"/achievements/{item.pk}/")
    assert "<mark>石墨烯</mark>" in hit["highlight"]


def test_the_api_pages_and_refuses_an_unknown_type(client, indexed):
    first = client.get("/api/v1/search", {"q": "石墨烯", "page_size": 1}).json()
    second = client.get("/api/v1/search", {"q": "石墨烯", "page_size": 1, "page": 2}).json()
    assert first["count"] == second["count"] == 2
    assert first["results"][0]["id"] != second["results"][0]["id"] or (
        first["results"][0]["type"] != second["results"][0]["type"]
    )
    assert client.get("/api/v1/search", {"q": "x", "type": "deal"}).status_code == 400


def test_the_search_page_shows_facets_and_highlights(client, indexed):
    page = client.get("/search/", {"q": "石墨烯"}).content.decode()
    assert "<mark>石墨烯</mark>" in page
    assert "找到 2 条结果" in page
    assert "type=need" in page and "type=achievement" in page  # the type facet's links
    filtered = client.get("/search/", {"q": "石墨烯", "type": "need", "sort": "newest"})
    assert "找到 1 条结果" in filtered.content.decode()


def test_facet_values_read_as_names_and_filter_by_their_codes(client, indexed):
    other = factories.organisation(kind="enterprise", region_code="330106")
    factories.achievement(other, title="石墨烯散热片", summary="石墨烯导热。")
    get_backend("database").rebuild()
    page = client.get("/search/", {"q": "石墨烯"}).content.decode()
    assert "高校</a> (2)" in page and "企业</a> (1)" in page  # not university / enterprise
    assert "温州市鹿城区</a> (2)" in page and "浙江省 330106</a> (1)" in page
    assert ">university<" not in page and ">330302<" not in page
    filtered = client.get("/search/", {"q": "石墨烯", "region": "330106"}).content.decode()
    assert "找到 1 条结果" in filtered and "石墨烯散热片" in filtered
