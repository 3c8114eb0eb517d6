"""The site shell: home page, navigation, health check, error pages."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_home_page_shows_navigation_and_live_figures(client):
    org = factories.organisation()
    factories.achievement(org, title="首页可见的成果")
    body = client.get("/").content.decode()
    for label in ["成果", "需求", "揭榜挂帅", "搜索", "登录", "注册"]:
        assert label in body
    assert "首页可见的成果" in body
    assert 'lang="zh-hans"' in body


def test_english_is_available(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("account_login")).content.decode()
    assert 'lang="en"' in body
    assert "Sign In" in body


def test_healthz_reports_each_service_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["status"] == "ok"
    assert set(data) >= {"database", "search", "broker"}
    assert data["search"]["backend"] in ("database", "elasticsearch")


def test_unknown_page_answers_404_with_a_way_back(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and 'href="/"' in body
