"""Owners' pages: create, edit, submit, archive, 我的成果 — and the persona matrix on each URL."""

import pytest
from django.urls import reverse

from accounts.models import Role
from marketplace.models import Achievement, ListingRevision, ListingStatus, Need, TechField
from tests import factories

pytestmark = pytest.mark.django_db

S = ListingStatus
PERSONAS = ["owner", "colleague", "outsider", "anonymous", "staff"]


def _login(client, personas, who):
    if who != "anonymous":
        client.force_login(getattr(personas, who))


def _achievement_post(**extra):
    data = {
        "title": "一种海水淡化用石墨烯复合膜",
        "summary": "通量提高 30%，脱盐率 99.5%。",
        "description": "<p>制备方法<strong>简单</strong></p>",
        "trl": "6",
        "price": "",
        "keywords_text": "石墨烯，海水淡化 复合膜",
        "tech_field": str(TechField.objects.get(name="膜材料").pk),
        "ip-TOTAL_FORMS": "1",
        "ip-INITIAL_FORMS": "0",
        "ip-MIN_NUM_FORMS": "0",
        "ip-MAX_NUM_FORMS": "10",
        "ip-0-ip_type": "",
        "ip-0-number": "",
        "ip-0-status": "",
    }
    data.update(extra)
    return data


def test_a_researcher_creates_a_draft_from_the_form(client, personas):
    client.force_login(personas.owner)
    assert client.get(reverse("marketplace:achievement_new")).status_code == 200
    response = client.post(
        reverse("marketplace:achievement_new"),
        _achievement_post(organisation=personas.organisation.pk),
    )
    assert response.status_code == 302
    listing = Achievement.objects.get(title="一种海水淡化用石墨烯复合膜")
    assert listing.status == S.DRAFT
    assert listing.organisation == personas.organisation
    assert listing.keywords == ["石墨烯", "海水淡化", "复合膜"]
    assert listing.tech_field.parent.name == "新材料及其应用"
    assert listing.is_negotiable


def test_save_and_submit_in_one_step(client, personas):
    client.force_login(personas.owner)
    client.post(
        reverse("marketplace:achievement_new"),
        _achievement_post(organisation=personas.organisation.pk, submit="1"),
    )
    assert Achievement.objects.get(title="一种海水淡化用石墨烯复合膜").status == S.SUBMITTED


def test_a_bad_value_keeps_everything_typed_and_says_why(client, personas):
    client.force_login(personas.owner)
    response = client.post(
        reverse("marketplace:achievement_new"),
        _achievement_post(
            organisation=personas.organisation.pk,
            price="-5",
            keywords_text="一 二 三 四 五 六 七 八 九",
        ),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "价格须大于 0" in body and "关键词最多 8 个" in body
    assert "一种海水淡化用石墨烯复合膜" in body and "通量提高 30%" in body
    assert not Achievement.objects.exists()


def test_a_broken_image_upload_is_refused_and_the_form_is_kept(client, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.owner)
    fake = SimpleUploadedFile("photo.png", b"this is not an image", content_type="image/png")
    response = client.post(
        reverse("marketplace:achievement_new"),
        {**_achievement_post(organisation=personas.organisation.pk), "image": fake},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "一种海水淡化用石墨烯复合膜" in body
    assert not Achievement.objects.exists()


@pytest.mark.parametrize("mode", ["99999999999999999999", "-99999999999999999999", "x"])
def test_a_cooperation_mode_no_row_could_have_is_an_invalid_choice(client, personas, mode):
    client.force_login(personas.owner)
    response = client.post(
        reverse("marketplace:achievement_new"),
        _achievement_post(organisation=personas.organisation.pk, cooperation_modes=[mode]),
    )
    assert response.status_code == 400  # was a database error for the first two
    body = response.content.decode()
    assert "一种海水淡化用石墨烯复合膜" in body
    assert not Achievement.objects.exists()


def test_an_enterprise_member_posts_a_need(client, personas):
    company = factories.organisation(kind="enterprise")
    member = factories.member(company, Role.ENTERPRISE_MEMBER)
    client.force_login(member)
    response = client.post(
        reverse("marketplace:need_new"),
        {
            "title": "注塑件翘曲控制",
            "description": "汽车内饰件翘曲超差。",
            "targets": "翘曲量 ≤ 0.3 mm",
            "budget_min": "100000",
            "budget_max": "50000",
            "disclosure": "public",
            "organisation": company.pk,
        },
    )
    assert response.status_code == 400
    assert "预算上限不能低于下限" in response.content.decode()
    response = client.post(
        reverse("marketplace:need_new"),
        {
            "title": "注塑件翘曲控制",
            "description": "汽车内饰件翘曲超差。",
            "targets": "翘曲量 ≤ 0.3 mm",
            "budget_min": "50000",
            "budget_max": "100000",
            "disclosure": "anonymous",
            "organisation": company.pk,
        },
    )
    assert response.status_code == 302
    need = Need.objects.get(title="注塑件翘曲控制")
    assert need.organisation == company and str(need.budget_max) == "100000.00"


@pytest.mark.parametrize(
    "who, expected", [("owner", 200), ("colleague", 200), ("outsider", 403), ("staff", 403)]
)
def test_only_researchers_of_an_organisation_open_the_new_achievement_form(
    client, personas, who, expected
):
    _login(client, personas, who)
    assert client.get(reverse("marketplace:achievement_new")).status_code == expected


def test_anonymous_visitors_are_sent_to_login_from_every_owner_page(client, personas):
    listing = factories.achievement(personas.organisation, status=S.DRAFT)
    for name, args in [
        ("achievement_new", []),
        ("achievement_mine", []),
        ("need_new", []),
        ("need_mine", []),
        ("achievement_edit", [listing.pk]),
    ]:
        response = client.get(reverse(f"marketplace:{name}", args=args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for name in ("achievement_submit", "achievement_archive"):
        response = client.post(reverse(f"marketplace:{name}", args=[listing.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    listing.refresh_from_db()
    assert listing.status == S.DRAFT


@pytest.mark.parametrize(
    "who, expected", [("owner", 200), ("colleague", 200), ("outsider", 404), ("staff", 403)]
)
def test_edit_page_persona_matrix(client, personas, who, expected):
    listing = factories.achievement(personas.organisation, status=S.DRAFT, title="草稿A")
    _login(client, personas, who)
    response = client.get(reverse("marketplace:achievement_edit", args=[listing.pk]))
    assert response.status_code == expected
    if expected != 200:
        assert "草稿A" not in response.content.decode()


@pytest.mark.parametrize(
    "who, allowed", [("owner", True), ("colleague", True), ("outsider", False), ("staff", False)]
)
def test_submit_url_persona_matrix(client, personas, who, allowed):
    listing = factories.achievement(personas.organisation, status=S.DRAFT)
    _login(client, personas, who)
    response = client.post(reverse("marketplace:achievement_submit", args=[listing.pk]))
    listing.refresh_from_db()
    assert (listing.status == S.SUBMITTED) is allowed
    assert response.status_code == (302 if allowed else (403 if who == "staff" else 404))


@pytest.mark.parametrize(
    "who, allowed", [("owner", True), ("colleague", True), ("outsider", False), ("staff", False)]
)
def test_archive_url_persona_matrix(client, personas, who, allowed):
    listing = factories.achievement(personas.organisation, status=S.PUBLISHED)
    _login(client, personas, who)
    client.post(reverse("marketplace:achievement_archive", args=[listing.pk]))
    listing.refresh_from_db()
    assert (listing.status == S.ARCHIVED) is allowed


def test_submit_and_archive_refuse_get(client, personas):
    listing = factories.achievement(personas.organisation, status=S.DRAFT)
    client.force_login(personas.owner)
    assert (
        client.get(reverse("marketplace:achievement_submit", args=[listing.pk])).status_code == 405
    )
    listing.refresh_from_db()
    assert listing.status == S.DRAFT


def test_editing_a_published_listing_keeps_the_public_page_unchanged(client, personas):
    listing = factories.achievement(personas.organisation, title="公开版本")
    client.force_login(personas.owner)
    response = client.post(
        reverse("marketplace:achievement_edit", args=[listing.pk]),
        _achievement_post(title="修改后的版本"),
    )
    assert response.status_code == 302
    assert ListingRevision.objects.filter(object_id=listing.pk).count() == 1
    client.logout()
    body = client.get(listing.get_absolute_url()).content.decode()
    assert "公开版本" in body and "修改后的版本" not in body


def test_my_listings_show_every_state_of_my_organisation_only(client, personas):
    factories.achievement(personas.organisation, status=S.DRAFT, title="我的草稿")
    factories.achievement(
        personas.organisation, status=S.RETURNED, title="被退回的", status_reason="缺少指标"
    )
    factories.achievement(factories.organisation(), title="别人的成果")
    client.force_login(personas.colleague)
    body = client.get(reverse("marketplace:achievement_mine")).content.decode()
    assert "我的草稿" in body and "被退回的" in body and "缺少指标" in body
    assert "别人的成果" not in body


def test_guessing_the_id_of_someone_elses_draft_reveals_nothing(client, personas):
    draft = factories.achievement(personas.organisation, status=S.DRAFT, title="机密草稿")
    client.force_login(personas.outsider)
    for name in ("achievement_detail", "achievement_edit"):
        response = client.get(reverse(f"marketplace:{name}", args=[draft.pk]))
        assert response.status_code == 404
        assert "机密草稿" not in response.content.decode()


def test_after_submitting_the_owner_returns_to_their_list_but_never_to_another_site(
    client, personas
):
    first = factories.achievement(personas.organisation, status=S.DRAFT)
    second = factories.achievement(personas.organisation, status=S.DRAFT)
    client.force_login(personas.owner)
    mine = reverse("marketplace:achievement_mine") + "?page=1"
    response = client.post(
        reverse("marketplace:achievement_submit", args=[first.pk]), {"next": mine}
    )
    assert response["Location"] == mine
    response = client.post(
        reverse("marketplace:achievement_submit", args=[second.pk]),
        {"next": "https://phishing.example/login"},
    )
    assert response["Location"] == second.get_absolute_url()
    second.refresh_from_db()
    assert second.status == S.SUBMITTED  # the action itself still happened
