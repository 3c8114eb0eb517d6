"""Inquiries and deals (spec §6, §10): the workflow, who sees and does what, notifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse

from accounts.models import Role
from config import urls as root_urls
from lib.errors import DomainError, NotAllowed
from marketplace import selectors_deals, urls_deals
from marketplace.models import (
    Achievement,
    ContractStatus,
    Deal,
    DealCloseReason,
    DealEvent,
    DealMessage,
    DealStage,
    ListingStatus,
    Notification,
    TechContract,
)
from marketplace.services import contracts as contract_services
from marketplace.services import deals as services
from tests import factories


def _urlpatterns():
    """The site's URLs with the deal routes in the marketplace namespace, wired or not yet."""
    out = []
    for pattern in root_urls.urlpatterns:
        if getattr(pattern, "namespace", None) == "marketplace":
            names = {getattr(p, "name", None) for p in pattern.url_patterns}
            extra = [p for p in urls_deals.urlpatterns if p.name not in names]
            pattern = path("", include((list(pattern.url_patterns) + extra, "marketplace")))
        out.append(pattern)
    return out


urlpatterns = _urlpatterns()
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class World:
    """A researcher's achievement, an enterprise that inquires, a third company, broker, staff."""

    def __init__(self):
        self.owner_org = factories.organisation(kind="university")
        self.owner = factories.member(self.owner_org, Role.RESEARCHER)
        self.owner_colleague = factories.member(self.owner_org, Role.RESEARCHER)
        self.requester_org = factories.organisation(kind="enterprise")
        self.requester = factories.member(self.requester_org, Role.ENTERPRISE_MEMBER)
        self.requester_colleague = factories.member(self.requester_org, Role.ENTERPRISE_MEMBER)
        self.third = factories.member(
            factories.organisation(kind="enterprise"), "enterprise_member"
        )
        agency = factories.organisation(kind="service_agency")
        self.broker = factories.member(agency, Role.BROKER)
        self.other_broker = factories.member(agency, Role.BROKER)
        self.staff = factories.bureau_staff()
        self.achievement = factories.achievement(
            self.owner_org, confidential_detail="烧结温度 850℃，保温 12 小时"
        )

    def open(self, **kwargs) -> Deal:
        return services.deal_open(
            listing=kwargs.pop("listing", self.achievement),
            by=kwargs.pop("by", self.requester),
            message=kwargs.pop("message", "我们希望获得该技术的普通许可。"),
            **kwargs,
        )

    def negotiating(self) -> Deal:
        deal = self.open()
        return services.deal_accept(deal=deal, by=self.owner)


@pytest.fixture
def world(db):
    return World()


def contract_data(**extra) -> dict:
    data = {
        "contract_no": "2024330302000123",
        "title": "高镍正极材料技术许可合同",
        "contract_type": "licensing",
        "signed_on": dt.date(2024, 5, 20),
        "contract_amount": Decimal("1200000.00"),
        "tech_amount": Decimal("1000000.50"),
    }
    data.update(extra)
    return data


# --- opening ------------------------------------------------------------------------------------
def test_member_of_verified_organisation_opens_inquiry_and_counts_it(world):
    deal = world.open()
    assert deal.stage == DealStage.INQUIRY
    assert deal.requester_org == world.requester_org
    assert deal.owner_org == world.owner_org
    assert deal.listing == world.achievement
    assert DealMessage.objects.get(deal=deal).body == "我们希望获得该技术的普通许可。"
    assert DealEvent.objects.filter(deal=deal, action="open", to_stage="inquiry").exists()
    world.achievement.refresh_from_db()
    assert world.achievement.inquiry_count == 1


def test_inquiry_notifies_the_owner_organisation_in_site_and_by_email(
    world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deal = world.open()
    recipients = set(
        Notification.objects.filter(url=deal.get_absolute_url()).values_list("recipient", flat=True)
    )
    assert recipients == {world.owner.pk, world.owner_colleague.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.owner.email, world.owner_colleague.email]
    )
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_email_task_sends_each_notice_once(world):
    from marketplace.tasks_deals import email_notifications

    notice = Notification.objects.create(recipient=world.owner, verb="测试", url="/deals/1/")
    mail.outbox.clear()
    assert email_notifications([notice.pk]) == 1
    assert email_notifications([notice.pk]) == 0
    assert len(mail.outbox) == 1


def test_a_broker_that_is_down_never_fails_the_inquiry(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from marketplace import tasks_deals

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks_deals.email_notifications, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        deal = world.open()
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert Notification.objects.filter(recipient=world.owner).count() == 1


def test_unverified_organisation_cannot_inquire(world):
    pending = factories.organisation(kind="enterprise", verified=False)
    person = factories.member(pending, Role.ENTERPRISE_MEMBER)
    with pytest.raises(NotAllowed):
        world.open(by=person)
    world.achievement.refresh_from_db()
    assert world.achievement.inquiry_count == 0
    assert not Deal.objects.exists()


def test_owner_cannot_inquire_about_own_listing(world):
    with pytest.raises(NotAllowed):
        world.open(by=world.owner_colleague)


def test_unpublished_listing_cannot_be_inquired_about(world):
    draft = factories.achievement(world.owner_org, status=ListingStatus.DRAFT)
    with pytest.raises(DomainError):
        world.open(listing=draft)


def test_only_one_open_deal_per_listing_and_requester(world):
    world.open()
    with pytest.raises(DomainError):
        world.open(by=world.requester_colleague)
    assert Deal.objects.count() == 1
    world.achievement.refresh_from_db()
    assert world.achievement.inquiry_count == 1


def test_a_closed_deal_lets_the_organisation_inquire_again(world):
    deal = world.open()
    services.deal_close(deal=deal, by=world.requester, reason=DealCloseReason.WITHDRAWN)
    again = world.open()
    assert again.pk != deal.pk


def test_inquiry_on_a_need_sells_from_requester_to_enterprise(world):
    company = factories.organisation(kind="enterprise")
    buyer = factories.member(company, Role.ENTERPRISE_MEMBER)
    need = factories.need(company)
    deal = services.deal_open(listing=need, by=world.owner, message="我们有相关成果。")
    services.deal_accept(deal=deal, by=buyer)
    contract = services.deal_mark_signed(deal=deal, by=world.owner, contract_data=contract_data())
    assert contract.seller_name == world.owner_org.name
    assert contract.buyer_name == company.name
    assert contract.need_id == need.pk
    need.refresh_from_db()
    assert need.inquiry_count == 1


# --- transitions ------------------------------------------------------------------------------
def test_only_the_owner_side_accepts(world):
    deal = world.open()
    for person in (world.requester, world.third, world.staff, world.broker):
        with pytest.raises(NotAllowed):
            services.deal_accept(deal=deal, by=person)
    deal.refresh_from_db()
    assert deal.stage == DealStage.INQUIRY
    services.deal_accept(deal=deal, by=world.owner_colleague)
    deal.refresh_from_db()
    assert deal.stage == DealStage.NEGOTIATING
    with pytest.raises(DomainError):
        services.deal_accept(deal=deal, by=world.owner)


def test_confidential_detail_is_visible_to_requester_only_after_acceptance(world, client):
    deal = world.open()
    assert not selectors_deals.can_see_confidential(world.requester, world.achievement)
    client.force_login(world.requester)
    assert "烧结温度" not in client.get(deal.get_absolute_url()).content.decode()
    services.deal_accept(deal=deal, by=world.owner)
    assert selectors_deals.can_see_confidential(world.requester, world.achievement)
    assert "烧结温度" in client.get(deal.get_absolute_url()).content.decode()
    assert not selectors_deals.can_see_confidential(world.third, world.achievement)
    assert selectors_deals.can_see_confidential(world.owner, world.achievement)


def test_acceptance_notifies_the_requester(world):
    deal = world.open()
    services.deal_accept(deal=deal, by=world.owner)
    assert set(
        Notification.objects.filter(recipient__in=[world.requester, world.requester_colleague])
        .values_list("recipient", flat=True)
        .distinct()
    ) == {world.requester.pk, world.requester_colleague.pk}


def test_messages_from_parties_and_assigned_broker_notify_the_other_side(world):
    deal = world.open()
    services.deal_assign_broker(deal=deal, broker=world.broker, by=world.staff)
    Notification.objects.all().delete()
    services.deal_post_message(deal=deal, by=world.owner, body="欢迎来校考察。")
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {world.requester.pk, world.requester_colleague.pk, world.broker.pk}
    services.deal_post_message(deal=deal, by=world.broker, body="我来协调双方时间。")
    assert DealMessage.objects.filter(deal=deal).count() == 3


def test_staff_third_party_and_unassigned_broker_cannot_post(world):
    deal = world.open()
    for person in (world.staff, world.third, world.other_broker):
        with pytest.raises(NotAllowed):
            services.deal_post_message(deal=deal, by=person, body="插话")
    assert DealMessage.objects.filter(deal=deal).count() == 1


def test_message_attachment_must_be_pdf_or_image(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    deal = world.open()
    with pytest.raises(ValidationError):  # ValidationError from the upload checks
        services.deal_post_message(
            deal=deal,
            by=world.owner,
            body="见附件",
            attachment=SimpleUploadedFile("x.exe", b"MZ\x90\x00not a pdf"),
        )
    message = services.deal_post_message(
        deal=deal, by=world.owner, body="见附件", attachment=SimpleUploadedFile("报价.pdf", PDF)
    )
    assert message.attachment.name.startswith("deal-files/")
    assert message.attachment.name.endswith(".pdf")
    assert "报价" not in message.attachment.name
    assert message.attachment_name == "报价.pdf"


def test_only_staff_assign_a_broker_and_only_a_broker(world):
    deal = world.open()
    with pytest.raises(NotAllowed):
        services.deal_assign_broker(deal=deal, broker=world.broker, by=world.owner)
    with pytest.raises(DomainError):
        services.deal_assign_broker(deal=deal, broker=world.third, by=world.staff)
    services.deal_assign_broker(deal=deal, broker=world.broker, by=world.staff)
    deal.refresh_from_db()
    assert deal.broker == world.broker
    assert Notification.objects.filter(recipient=world.broker).exists()


def test_signing_creates_a_submitted_contract_linked_to_the_deal(world):
    deal = world.negotiating()
    contract = services.deal_mark_signed(
        deal=deal, by=world.requester, contract_data=contract_data()
    )
    contract = TechContract.objects.get(pk=contract.pk)
    assert contract.deal_id == deal.pk
    assert contract.achievement_id == world.achievement.pk
    assert contract.status == ContractStatus.SUBMITTED
    assert contract.seller_name == world.owner_org.name
    assert contract.seller_credit_code == world.owner_org.credit_code
    assert contract.buyer_name == world.requester_org.name
    assert contract.contract_amount == Decimal("1200000.00")
    assert contract.tech_amount == Decimal("1000000.50")
    assert isinstance(contract.tech_amount, Decimal)
    deal.refresh_from_db()
    assert deal.stage == DealStage.CONTRACT_SIGNED
    assert DealEvent.objects.filter(deal=deal, action="sign").exists()


def test_signing_is_refused_before_acceptance_and_by_outsiders(world):
    deal = world.open()
    with pytest.raises(DomainError):
        services.deal_mark_signed(deal=deal, by=world.owner, contract_data=contract_data())
    services.deal_accept(deal=deal, by=world.owner)
    for person in (world.third, world.staff, world.broker):
        with pytest.raises(NotAllowed):
            services.deal_mark_signed(deal=deal, by=person, contract_data=contract_data())
    assert not TechContract.objects.exists()


def test_a_bad_contract_leaves_the_deal_negotiating(world):
    deal = world.negotiating()
    with pytest.raises(ValidationError):
        services.deal_mark_signed(
            deal=deal,
            by=world.owner,
            contract_data=contract_data(tech_amount=Decimal("2000000.00")),
        )
    deal.refresh_from_db()
    assert deal.stage == DealStage.NEGOTIATING
    assert not TechContract.objects.exists()


def test_registering_the_contract_moves_the_deal_to_registered(world):
    deal = world.negotiating()
    contract = services.deal_mark_signed(deal=deal, by=world.owner, contract_data=contract_data())
    contract = contract_services.contract_register(
        contract=contract,
        registration_no="3303022024000001",
        registered_on=dt.date(2024, 6, 1),
        by=world.staff,
    )
    services.deal_on_contract_registered(contract=contract)
    services.deal_on_contract_registered(contract=contract)  # idempotent
    deal.refresh_from_db()
    assert deal.stage == DealStage.REGISTERED
    assert DealEvent.objects.filter(deal=deal, action="register").count() == 1


def test_close_needs_a_reason_and_a_note_for_other(world):
    deal = world.open()
    with pytest.raises(DomainError):
        services.deal_close(deal=deal, by=world.requester, reason="bogus")
    with pytest.raises(DomainError):
        services.deal_close(deal=deal, by=world.requester, reason=DealCloseReason.OTHER)
    with pytest.raises(NotAllowed):
        services.deal_close(deal=deal, by=world.third, reason=DealCloseReason.PRICE)
    services.deal_close(deal=deal, by=world.owner, reason=DealCloseReason.PRICE, note="报价过高")
    deal.refresh_from_db()
    assert (deal.stage, deal.close_reason, deal.close_note) == ("closed", "price", "报价过高")
    with pytest.raises(DomainError):
        services.deal_close(deal=deal, by=world.owner, reason=DealCloseReason.PRICE)
    with pytest.raises(DomainError):
        services.deal_post_message(deal=deal, by=world.owner, body="还在吗？")
    with pytest.raises(DomainError):
        services.deal_accept(deal=deal, by=world.owner)


# --- pages: who sees what ------------------------------------------------------------------------
def _people(world) -> dict:
    return {
        "requester": world.requester,
        "requester_colleague": world.requester_colleague,
        "owner": world.owner,
        "third": world.third,
        "staff": world.staff,
        "assigned_broker": world.broker,
        "other_broker": world.other_broker,
    }


VISIBLE = {"requester", "requester_colleague", "owner", "staff", "assigned_broker"}


@pytest.mark.parametrize(
    "who",
    [
        "requester",
        "requester_colleague",
        "owner",
        "third",
        "staff",
        "assigned_broker",
        "other_broker",
        "anonymous",
    ],
)
def test_deal_page_and_list_by_persona(world, client, who):
    deal = world.open(message="内部报价 88 万")
    services.deal_assign_broker(deal=deal, broker=world.broker, by=world.staff)
    if who != "anonymous":
        client.force_login(_people(world)[who])
    detail = client.get(reverse("marketplace:deal_detail", args=[deal.pk]))
    listing = client.get(reverse("marketplace:deal_list"))
    if who == "anonymous":
        assert detail.status_code == 302 and "/accounts/login/" in detail["Location"]
        assert listing.status_code == 302
    elif who in VISIBLE:
        assert detail.status_code == 200
        assert "内部报价 88 万" in detail.content.decode()
        assert world.achievement.title in listing.content.decode()
    else:
        assert detail.status_code == 404
        assert "内部报价" not in detail.content.decode()
        assert listing.status_code == 200
        assert world.achievement.title not in listing.content.decode()


@pytest.mark.parametrize(
    "who,expected",
    [
        ("requester", 302),
        ("owner", 302),
        ("assigned_broker", 302),
        ("staff", 403),
        ("third", 404),
        ("other_broker", 404),
        ("anonymous", 302),
    ],
)
def test_message_post_by_persona(world, client, who, expected):
    deal = world.open()
    services.deal_assign_broker(deal=deal, broker=world.broker, by=world.staff)
    if who != "anonymous":
        client.force_login(_people(world)[who])
    response = client.post(
        reverse("marketplace:deal_message", args=[deal.pk]), {"body": "你好，这是新消息"}
    )
    assert response.status_code == expected
    posted = DealMessage.objects.filter(deal=deal, body="你好，这是新消息").exists()
    assert posted == (who in {"requester", "owner", "assigned_broker"})


@pytest.mark.parametrize("who", ["requester", "third", "staff", "anonymous", "assigned_broker"])
def test_accept_sign_close_posts_by_the_wrong_persona_change_nothing(world, client, who):
    deal = world.open()
    services.deal_assign_broker(deal=deal, broker=world.broker, by=world.staff)
    if who != "anonymous":
        client.force_login(_people(world)[who])
    responses = [client.post(reverse("marketplace:deal_accept", args=[deal.pk]))]
    deal.refresh_from_db()
    assert deal.stage == DealStage.INQUIRY
    deal.stage = DealStage.NEGOTIATING
    deal.save(update_fields=["stage"])
    post = {**contract_data(), "signed_on": "2024-05-20"}
    responses.append(client.post(reverse("marketplace:deal_sign", args=[deal.pk]), post))
    if who != "requester":
        responses.append(
            client.post(reverse("marketplace:deal_close", args=[deal.pk]), {"reason": "price"})
        )
    expected = {"anonymous": 302, "third": 404}.get(who, 403)
    if who == "requester":
        assert responses[0].status_code == 403  # the requester does not accept its own inquiry
        assert responses[1].status_code == 302  # but may record the signed contract
        return
    if who == "staff":
        assert [r.status_code for r in responses] == [403, 403, 302]  # staff may close
        deal.refresh_from_db()
        assert deal.stage == DealStage.CLOSED
        return
    assert {r.status_code for r in responses} == {expected}
    deal.refresh_from_db()
    assert deal.stage == DealStage.NEGOTIATING
    assert not TechContract.objects.exists()


def test_broker_assignment_page_is_staff_only(world, client):
    deal = world.open()
    url = reverse("marketplace:deal_assign_broker", args=[deal.pk])
    client.force_login(world.owner)
    assert client.post(url, {"broker": world.broker.pk}).status_code == 403
    client.force_login(world.third)
    assert client.post(url, {"broker": world.broker.pk}).status_code == 404
    deal.refresh_from_db()
    assert deal.broker is None
    client.force_login(world.staff)
    assert client.post(url, {"broker": world.broker.pk}).status_code == 302
    deal.refresh_from_db()
    assert deal.broker == world.broker


def test_full_journey_through_the_pages(world, client):
    client.force_login(world.requester)
    response = client.post(
        reverse("marketplace:achievement_inquire", args=[world.achievement.pk]),
        {"message": "希望洽谈许可"},
    )
    deal = Deal.objects.get()
    assert response.status_code == 302 and response["Location"] == deal.get_absolute_url()

    client.force_login(world.owner)
    assert client.post(reverse("marketplace:deal_accept", args=[deal.pk])).status_code == 302
    response = client.post(
        reverse("marketplace:deal_message", args=[deal.pk]),
        {"body": "报价见附件", "attachment": SimpleUploadedFile("quote.pdf", PDF)},
    )
    assert response.status_code == 302
    message = DealMessage.objects.exclude(attachment="").get()

    client.force_login(world.requester)
    file_url = reverse("marketplace:deal_attachment", args=[deal.pk, message.pk])
    download = client.get(file_url)
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    bad = client.post(
        reverse("marketplace:deal_sign", args=[deal.pk]),
        {**contract_data(tech_amount="9999999"), "signed_on": "2024-05-20"},
    )
    assert bad.status_code == 400
    assert "技术交易额不能大于合同成交额" in bad.content.decode()
    good = client.post(
        reverse("marketplace:deal_sign", args=[deal.pk]),
        {**contract_data(), "signed_on": "2024-05-20", "tech_amount": "1000000.50"},
    )
    assert good.status_code == 302
    contract = TechContract.objects.get(deal=deal)
    assert contract.tech_amount == Decimal("1000000.50")

    client.force_login(world.third)
    assert client.get(file_url).status_code == 404


def test_attachment_is_hidden_from_a_third_organisation(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    deal = world.open()
    message = services.deal_post_message(
        deal=deal, by=world.owner, body="附件", attachment=SimpleUploadedFile("a.pdf", PDF)
    )
    url = reverse("marketplace:deal_attachment", args=[deal.pk, message.pk])
    client.force_login(world.third)
    assert client.get(url).status_code == 404
    client.force_login(world.staff)
    assert client.get(url).status_code == 200


def test_unverified_member_posting_an_inquiry_changes_nothing(world, client):
    person = factories.member(factories.organisation(verified=False), Role.ENTERPRISE_MEMBER)
    client.force_login(person)
    response = client.post(
        reverse("marketplace:achievement_inquire", args=[world.achievement.pk]),
        {"message": "你好"},
    )
    assert response.status_code == 302
    assert not Deal.objects.exists()
    world.achievement.refresh_from_db()
    assert world.achievement.inquiry_count == 0


def test_inquiry_on_a_draft_through_its_guessed_id_is_404(world, client):
    draft = factories.achievement(world.owner_org, status=ListingStatus.DRAFT)
    client.force_login(world.requester)
    response = client.post(
        reverse("marketplace:achievement_inquire", args=[draft.pk]), {"message": "你好"}
    )
    assert response.status_code == 404
    assert not Deal.objects.exists()
    assert Achievement.objects.get(pk=draft.pk).inquiry_count == 0


def test_deal_list_filters_by_stage(world, client):
    deal = world.open()
    client.force_login(world.requester)
    url = reverse("marketplace:deal_list")
    assert world.achievement.title in client.get(url, {"stage": "inquiry"}).content.decode()
    assert world.achievement.title not in client.get(url, {"stage": "closed"}).content.decode()
    assert deal.pk


def test_notifications_page_counts_and_marks_read(world, client):
    deal = world.open()
    client.force_login(world.owner)
    page = client.get(reverse("marketplace:notification_list"))
    assert page.status_code == 200
    assert world.requester_org.name in page.content.decode()
    notice = Notification.objects.get(recipient=world.owner)
    assert selectors_deals.unread_notification_count(world.owner) == 1
    opened = client.get(reverse("marketplace:notification_open", args=[notice.pk]))
    assert opened["Location"] == deal.get_absolute_url()
    assert selectors_deals.unread_notification_count(world.owner) == 0
    # Someone else's notice is not theirs to open.
    other = Notification.objects.filter(recipient=world.owner_colleague).get()
    assert client.get(reverse("marketplace:notification_open", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_inquiry_include_shows_the_form_to_a_verified_outsider_only(world, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    def render(user):
        request = rf.get(world.achievement.get_absolute_url())
        request.user = user
        return render_to_string(
            "marketplace/includes/inquiry_form.html",
            {
                "listing": world.achievement,
                "inquire_url_name": "marketplace:achievement_inquire",
                "inquiry": selectors_deals.inquiry_state(user, world.achievement),
                "user": user,
            },
            request=request,
        )

    action = reverse("marketplace:achievement_inquire", args=[world.achievement.pk])
    assert action in render(world.requester)
    assert action not in render(AnonymousUser())
    assert "登录" in render(AnonymousUser())
    unverified = factories.member(factories.organisation(verified=False), Role.ENTERPRISE_MEMBER)
    assert action not in render(unverified)
    assert "发起合作意向" not in render(world.owner)
    deal = world.open()
    assert deal.get_absolute_url() in render(world.requester_colleague)
