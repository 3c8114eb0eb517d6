"""The daily digest: new listings matching saved searches and owners' own listings (spec §5)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.models import ListingStatus
from search import digest
from search.backends import get_backend
from search.models import MatchAlert, MatchDigest, MatchDismissal, SavedSearch
from search.tasks import send_match_digests
from tests import factories
from tests.marketplace import helpers
from tests.search.test_match_explanations import _unrelated

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(personas):
    """An old achievement of the owner's; a person who saved a search yesterday; then a
    day of new listings: a need that matches the achievement, a sensor, and noise."""
    now = timezone.now()
    yesterday = now - dt.timedelta(days=1)
    own = helpers.achievement(
        personas.organisation,
        title="高镍三元正极材料及其制备方法",
        summary="一种锂电池高镍三元正极材料，循环寿命提升30%。",
        published_at=now - dt.timedelta(days=30),
    )
    old_sensor = helpers.achievement(
        factories.organisation(), title="温湿度传感器标定", published_at=now - dt.timedelta(days=20)
    )
    _unrelated(factories.organisation())
    SavedSearch.objects.create(user=personas.outsider, query="传感器", last_notified_at=yesterday)
    company = factories.organisation(kind="enterprise")
    new_need = helpers.need(
        company,
        title="锂电池正极材料循环寿命提升",
        description="三元锂电池正极材料的循环寿命不足。",
        published_at=now - dt.timedelta(hours=3),
    )
    new_sensor = helpers.achievement(
        factories.organisation(), title="柔性压力传感器", published_at=now - dt.timedelta(hours=2)
    )
    helpers.achievement(  # a draft is never news
        factories.organisation(),
        title="光纤传感器（草稿）",
        status=ListingStatus.DRAFT,
        published_at=now - dt.timedelta(hours=1),
    )
    get_backend("database").rebuild()
    return {"own": own, "old_sensor": old_sensor, "need": new_need, "sensor": new_sensor}


def _mail_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_each_person_gets_one_email_with_the_right_new_listings(
    personas, market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = send_match_digests()
    assert made == 3  # the saved search's owner, and the two members of the owning organisation

    (searcher,) = _mail_to(personas.outsider.email)
    assert "每日匹配摘要：1 条新信息" in searcher.subject
    assert "柔性压力传感器" in searcher.body and "符合您保存的搜索“传感器”" in searcher.body
    assert f"/achievements/{market['sensor'].pk}/" in searcher.body
    assert "温湿度传感器标定" not in searcher.body  # published before the last digest
    assert "光纤传感器" not in searcher.body  # a draft
    for member in (personas.owner, personas.colleague):
        (owner_mail,) = _mail_to(member.email)
        assert "锂电池正极材料循环寿命提升" in owner_mail.body
        assert "与您发布的“高镍三元正极材料及其制备方法”相匹配" in owner_mail.body
        assert "柔性压力传感器" not in owner_mail.body
    assert not _mail_to(personas.staff.email)
    assert len(mail.outbox) == 3


def test_a_second_run_sends_nothing_new(personas, market, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_match_digests()
    sent, digests = len(mail.outbox), MatchDigest.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_match_digests() == 0
        digest.digest_email(digest_id=MatchDigest.objects.first().pk)  # a repeated e-mail task
    assert len(mail.outbox) == sent and MatchDigest.objects.count() == digests


def test_the_next_day_brings_only_what_was_published_since(
    personas, market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_match_digests()
    mail.outbox.clear()
    tomorrow = timezone.now() + dt.timedelta(days=1)
    newer = helpers.achievement(
        factories.organisation(),
        title="光纤温度传感器",
        published_at=tomorrow - dt.timedelta(hours=1),
    )
    get_backend("database").index("achievement", [newer.pk])
    with django_capture_on_commit_callbacks(execute=True):
        digest.digest_build(now=tomorrow)
    (email,) = mail.outbox
    assert email.to == [personas.outsider.email]
    assert "光纤温度传感器" in email.body and "柔性压力传感器" not in email.body


def test_a_dismissed_match_is_not_in_the_owners_digest(
    personas, market, django_capture_on_commit_callbacks
):
    MatchDismissal.objects.create(
        source_type="achievement",
        source_id=market["own"].pk,
        target_type="need",
        target_id=market["need"].pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_match_digests()
    assert not _mail_to(personas.owner.email)
    assert _mail_to(personas.outsider.email)


def test_the_digest_is_shown_in_site_to_its_reader_only(client, personas, market):
    send_match_digests()
    client.force_login(personas.outsider)
    page = client.get("/search/alerts/").content.decode()
    assert "柔性压力传感器" in page and "符合您保存的搜索“传感器”" in page
    assert "锂电池正极材料循环寿命提升" not in page
    client.force_login(personas.owner)
    page = client.get("/search/alerts/").content.decode()
    assert "锂电池正极材料循环寿命提升" in page and "柔性压力传感器" not in page
    assert MatchAlert.objects.filter(digest__user=personas.owner).count() == 1
    client.logout()
    assert client.get("/search/alerts/").status_code == 302
