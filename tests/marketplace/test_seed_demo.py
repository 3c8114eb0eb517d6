"""seed_demo loads the whole real corpus, the demo accounts of spec §10, and is safe to re-run."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils.html import escape

from accounts.models import Organisation, Role, User
from config.celery import app as celery_app
from marketplace.models import Achievement, ListingStatus, Need

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "researcher@demo.local": Role.RESEARCHER,
    "researcher2@demo.local": Role.RESEARCHER,
    "enterprise@demo.local": Role.ENTERPRISE_MEMBER,
    "enterprise2@demo.local": Role.ENTERPRISE_MEMBER,
    "broker@demo.local": Role.BROKER,
    "expert@demo.local": Role.EXPERT,
    "staff@demo.local": Role.BUREAU_STAFF,
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back afterwards.

    Each test's own transaction nests inside it, and nothing is deleted row by
    row at the end (which would re-index thousands of listings one at a time).
    """
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        search_settings = override_settings(SEARCH_BACKEND="database")
        search_settings.enable()
        try:
            call_command("seed_demo", stdout=open("/dev/null", "w"))
            yield
        finally:
            search_settings.disable()
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_whole_public_corpus_is_loaded_and_published(seeded):
    published = Achievement.objects.filter(status=ListingStatus.PUBLISHED)
    assert published.exclude(source_id="").filter(source_id__startswith="ach-").count() == 2348
    assert (
        Need.objects.filter(status=ListingStatus.PUBLISHED, source_id__startswith="need-").count()
        == 1549
    )


def test_source_fields_are_mapped_onto_ours(seeded):
    item = Achievement.objects.get(source_id="ach-aa874f14d0dc")  # 久坐卫士
    assert item.title == "久坐卫士"
    assert item.tech_field.name == "计算机软件" and item.tech_field.parent.name == "电子信息"
    assert item.industry.parent.name == "制造业"
    assert item.trl == 7  # 已有样品
    assert [i.ip_type.name for i in item.ip_items.all()] == ["技术秘密"]  # 非专利技术
    assert [m.name for m in item.cooperation_modes.all()] == ["其他"]
    assert item.is_negotiable
    mapped = Achievement.objects.filter(source_id__startswith="ach-")
    assert mapped.filter(tech_field__isnull=True).count() == 0
    assert mapped.filter(trl__isnull=True).count() == 0


def test_demo_accounts_exist_with_their_roles_and_sign_in(seeded):
    for email, role in DEMO_EMAILS.items():
        user = User.objects.get(email=email)
        assert user.memberships.get().role == role
    r1 = User.objects.get(email="researcher@demo.local").memberships.get().organisation
    r2 = User.objects.get(email="researcher2@demo.local").memberships.get().organisation
    e1 = User.objects.get(email="enterprise@demo.local").memberships.get().organisation
    e2 = User.objects.get(email="enterprise2@demo.local").memberships.get().organisation
    assert r1 != r2 and e1 != e2
    assert {r1.kind, r2.kind} == {"university"} and {e1.kind, e2.kind} == {"enterprise"}
    client = Client()
    assert client.login(email="staff@demo.local", password="demo-pass-2024")


def test_each_demo_organisation_owns_published_and_draft_listings(seeded):
    for email in ("researcher@demo.local", "researcher2@demo.local"):
        org = User.objects.get(email=email).memberships.get().organisation
        mine = Achievement.objects.filter(organisation=org)
        assert mine.filter(status=ListingStatus.PUBLISHED).exists()
        assert mine.filter(status=ListingStatus.DRAFT).exists()
    for email in ("enterprise@demo.local", "enterprise2@demo.local"):
        org = User.objects.get(email=email).memberships.get().organisation
        mine = Need.objects.filter(organisation=org)
        assert mine.filter(status=ListingStatus.PUBLISHED).exists()
        assert mine.filter(status=ListingStatus.DRAFT).exists()


def test_running_it_twice_changes_nothing(seeded):
    before = (
        Achievement.objects.count(),
        Need.objects.count(),
        User.objects.count(),
        Organisation.objects.count(),
    )
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    after = (
        Achievement.objects.count(),
        Need.objects.count(),
        User.objects.count(),
        Organisation.objects.count(),
    )
    assert before == after


def test_the_public_list_shows_real_chinese_listings(seeded, client):
    body = client.get("/achievements/").content.decode()
    newest = Achievement.objects.filter(status=ListingStatus.PUBLISHED).order_by(
        "-published_at", "-id"
    )
    titles = [a.title for a in newest[:5]]
    assert all(escape(title) in body for title in titles)
    detail = client.get(Achievement.objects.get(source_id="ach-aa874f14d0dc").get_absolute_url())
    text = detail.content.decode()
    assert "久坐卫士" in text and "计算机软件" in text and "TRL 7" in text and "面议" in text


def test_production_settings_refuse_demo_data(settings):
    from django.core.management.base import CommandError

    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_demo_contracts_count_toward_the_target_and_one_deal_is_under_negotiation(seeded):
    from marketplace.ledger import target_progress
    from marketplace.models import ContractStatus, Deal, DealStage, TechContract

    assert TechContract.objects.filter(status=ContractStatus.REGISTERED).count() >= 24
    assert TechContract.objects.filter(status=ContractStatus.SUBMITTED).exists()
    progress = target_progress(2025)
    assert progress["contracts"] > 0 and progress["counted"] > 0
    deal = Deal.objects.get()
    assert deal.stage == DealStage.NEGOTIATING and deal.messages.count() == 2
