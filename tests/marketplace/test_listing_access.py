"""The five personas against a draft and a published achievement (spec §10: 404, never content)."""

import pytest
from django.urls import reverse

from marketplace.models import ListingStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(personas):
    return factories.achievement(
        personas.organisation, status=ListingStatus.DRAFT, title="未公开的草稿成果"
    )


def _get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    "who, expected",
    [("owner", 200), ("colleague", 200), ("outsider", 404), ("anonymous", 404), ("staff", 200)],
)
def test_draft_detail_is_seen_only_by_its_organisation_and_staff(
    client, personas, draft, who, expected
):
    user = None if who == "anonymous" else getattr(personas, who)
    response = _get(client, user, reverse("marketplace:achievement_detail", args=[draft.pk]))
    assert response.status_code == expected
    assert ("未公开的草稿成果" in response.content.decode()) is (expected == 200)


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "anonymous", "staff"])
def test_published_detail_is_public(client, personas, who):
    published = factories.achievement(personas.organisation, title="已发布的成果")
    user = None if who == "anonymous" else getattr(personas, who)
    response = _get(client, user, reverse("marketplace:achievement_detail", args=[published.pk]))
    assert response.status_code == 200
    assert "已发布的成果" in response.content.decode()


@pytest.mark.parametrize(
    "who, expected", [("owner", 302), ("colleague", 302), ("outsider", 404), ("staff", 403)]
)
def test_only_members_of_the_organisation_edit(client, personas, draft, who, expected):
    client.force_login(getattr(personas, who))
    response = client.post(
        reverse("marketplace:achievement_edit", args=[draft.pk]),
        {
            "title": f"{who} 改过的标题",
            "summary": "新的简介",
            "ip-TOTAL_FORMS": "0",
            "ip-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == expected
    draft.refresh_from_db()
    assert (draft.title == f"{who} 改过的标题") is (expected == 302)


def test_anonymous_edit_goes_to_login_and_changes_nothing(client, draft):
    response = client.post(
        reverse("marketplace:achievement_edit", args=[draft.pk]), {"title": "匿名修改"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    draft.refresh_from_db()
    assert draft.title == "未公开的草稿成果"


def test_public_lists_show_published_listings_only(client, personas, draft):
    factories.achievement(personas.organisation, title="公开成果甲")
    factories.need(personas.organisation, title="公开需求乙")
    factories.need(personas.organisation, title="草稿需求丙", status=ListingStatus.DRAFT)
    achievements = client.get(reverse("marketplace:achievement_list")).content.decode()
    needs = client.get(reverse("marketplace:need_list")).content.decode()
    assert "公开成果甲" in achievements and "未公开的草稿成果" not in achievements
    assert "公开需求乙" in needs and "草稿需求丙" not in needs
