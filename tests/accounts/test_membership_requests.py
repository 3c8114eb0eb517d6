"""Joining an existing organisation: ask, and the organisation's admin (or the bureau) decides.

Personas: the requester, the organisation's admin, a colleague who is not admin, an
outsider from another organisation, an anonymous visitor and bureau staff.
"""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import (
    Membership,
    MembershipRequest,
    MembershipRequestStatus,
    Organisation,
    Role,
    User,
)
from accounts.services import (
    MAX_PENDING_REQUESTS,
    membership_add,
    membership_request_approve,
    membership_request_create,
    membership_request_email_decision,
    membership_request_refuse,
    membership_request_withdraw,
)
from accounts.tasks import email_membership_decision
from lib.errors import DomainError, NotAllowed
from tests import factories

pytestmark = pytest.mark.django_db


@dataclass
class People:
    organisation: Organisation
    requester: User
    admin: User
    colleague: User
    outsider: User
    staff: User


@pytest.fixture
def people(db):
    university = factories.organisation(kind="university", name="瓯江大学")
    admin = factories.user("admin@ojdx.example.com")
    membership_add(user=admin, organisation=university, role=Role.RESEARCHER, is_admin=True)
    return People(
        organisation=university,
        requester=factories.user("newcomer@example.com"),
        admin=admin,
        colleague=factories.member(university, Role.RESEARCHER),
        outsider=factories.member(
            factories.organisation(kind="enterprise"), Role.ENTERPRISE_MEMBER
        ),
        staff=factories.bureau_staff(),
    )


def _ask(people: People, **extra) -> MembershipRequest:
    values = {
        "user": people.requester,
        "organisation": people.organisation,
        "role": Role.RESEARCHER,
    }
    values.update(extra)
    return membership_request_create(**values)


# --- asking ---------------------------------------------------------------------------------
def test_a_person_finds_a_verified_university_by_name_and_asks_to_join(
    client, people, django_capture_on_commit_callbacks
):
    client.force_login(people.requester)
    found = client.get(reverse("accounts:organisation_join"), {"q": "瓯江"}).content.decode()
    join_url = reverse("accounts:organisation_join_request", args=[people.organisation.pk])
    assert "瓯江大学" in found and join_url in found

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(join_url, {"role": Role.RESEARCHER, "message": "材料学院 张老师"})
    assert response.status_code == 302
    request = MembershipRequest.objects.get(user=people.requester)
    assert request.status == MembershipRequestStatus.PENDING
    assert request.role == Role.RESEARCHER and request.message == "材料学院 张老师"
    assert not Membership.objects.filter(user=people.requester).exists()

    # The admin is told by e-mail; the requester sees the request waiting on their profile.
    assert [m.to for m in mail.outbox] == [[people.admin.email]]
    assert "申请加入瓯江大学" in mail.outbox[0].subject
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "瓯江大学" in profile and "待审批" in profile


def test_the_credit_code_finds_the_organisation_as_pasted_from_a_licence(client, people):
    client.force_login(people.requester)
    pasted = people.organisation.credit_code.lower().translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}  # full-width digits
    )
    body = client.get(reverse("accounts:organisation_join"), {"q": pasted}).content.decode()
    assert "瓯江大学" in body


def test_unverified_organisations_are_neither_found_nor_joinable(client, people):
    hidden = factories.organisation(kind="university", verified=False, name="待认证学院")
    client.force_login(people.requester)
    by_name = client.get(reverse("accounts:organisation_join"), {"q": "待认证"}).content.decode()
    by_code = client.get(
        reverse("accounts:organisation_join"), {"q": hidden.credit_code}
    ).content.decode()
    assert "待认证学院" not in by_name and "待认证学院" not in by_code

    unknown_pk = Organisation.objects.order_by("-pk").first().pk + 100
    for pk in (hidden.pk, unknown_pk):
        url = reverse("accounts:organisation_join_request", args=[pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"role": Role.RESEARCHER}).status_code == 404
    assert not MembershipRequest.objects.exists()

    # The service says the same thing for an unverified and for a missing organisation.
    with pytest.raises(DomainError) as unverified:
        membership_request_create(user=people.requester, organisation=hidden, role=Role.RESEARCHER)
    with pytest.raises(DomainError) as missing:
        membership_request_create(
            user=people.requester, organisation=Organisation(pk=unknown_pk), role=Role.RESEARCHER
        )
    assert unverified.value.messages == missing.value.messages


def test_government_bodies_are_not_joined_by_request(client, people):
    bureau = people.staff.memberships.get().organisation
    bureau.status = "verified"
    bureau.save(update_fields=["status"])
    client.force_login(people.requester)
    body = client.get(reverse("accounts:organisation_join"), {"q": bureau.name}).content.decode()
    url = reverse("accounts:organisation_join_request", args=[bureau.pk])
    assert url not in body and "没有找到已认证的机构" in body
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.ENTERPRISE_MEMBER, Role.BUREAU_STAFF, Role.EXPERT])
def test_the_role_asked_for_must_fit_the_organisation(client, people, role):
    with pytest.raises(DomainError):
        _ask(people, role=role)
    client.force_login(people.requester)
    url = reverse("accounts:organisation_join_request", args=[people.organisation.pk])
    response = client.post(url, {"role": role})
    assert response.status_code == 400
    assert not MembershipRequest.objects.exists()


def test_a_company_offers_the_enterprise_member_and_researcher_roles(client, people):
    company = factories.organisation(kind="enterprise", name="鹿城智能装备有限公司")
    client.force_login(people.requester)
    form = client.get(
        reverse("accounts:organisation_join_request", args=[company.pk])
    ).content.decode()
    assert 'value="enterprise_member"' in form and 'value="researcher"' in form
    assert 'value="bureau_staff"' not in form


def test_asking_twice_while_the_first_request_waits_is_refused_with_a_reason(client, people):
    _ask(people)
    client.force_login(people.requester)
    url = reverse("accounts:organisation_join_request", args=[people.organisation.pk])
    response = client.post(url, {"role": Role.RESEARCHER})
    assert response.status_code == 400
    assert "您已申请加入该机构，请等待审批" in response.content.decode()
    assert MembershipRequest.objects.count() == 1


def test_after_a_refusal_the_person_may_ask_again(people):
    first = _ask(people)
    membership_request_refuse(membership_request=first, by=people.admin, reason="查无此人")
    second = _ask(people, message="已补充工号 2024001")
    assert second.status == MembershipRequestStatus.PENDING


def test_members_cannot_ask_to_join_their_own_organisation(people):
    with pytest.raises(DomainError):
        membership_request_create(
            user=people.colleague, organisation=people.organisation, role=Role.RESEARCHER
        )


def test_a_person_has_only_a_few_requests_waiting_at_once(people):
    for _ in range(MAX_PENDING_REQUESTS):
        _ask(people, organisation=factories.organisation(kind="university"))
    with pytest.raises(DomainError):
        _ask(people)


def test_anonymous_visitors_are_sent_to_sign_in(client, people):
    url = reverse("accounts:organisation_join_request", args=[people.organisation.pk])
    response = client.post(url, {"role": Role.RESEARCHER})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not MembershipRequest.objects.exists()


# --- deciding -------------------------------------------------------------------------------
def test_the_admin_approves_in_their_list_and_the_person_becomes_a_researcher(
    client, people, django_capture_on_commit_callbacks
):
    request = _ask(people)
    client.force_login(people.admin)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:membership_requests") in profile and "1 个待审批" in profile
    listing = client.get(reverse("accounts:membership_requests")).content.decode()
    assert people.requester.email in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:membership_request_approve", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.APPROVED
    assert request.decided_by == people.admin and request.decided_at is not None
    membership = Membership.objects.get(user=people.requester, organisation=people.organisation)
    assert membership.role == Role.RESEARCHER and not membership.is_admin

    assert [m.to for m in mail.outbox] == [[people.requester.email]]
    assert "您已加入瓯江大学" in mail.outbox[0].subject
    client.force_login(people.requester)
    assert client.get(reverse("marketplace:achievement_new")).status_code == 200


def test_the_admin_refuses_with_a_reason_the_person_sees(
    client, people, django_capture_on_commit_callbacks
):
    request = _ask(people)
    client.force_login(people.admin)
    url = reverse("accounts:membership_request_refuse", args=[request.pk])
    blank = client.post(url, {"reason": "   "})
    assert blank.status_code == 400 and "请填写不同意的原因" in blank.content.decode()
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "本校教职工名单中没有此人"}).status_code == 302
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.REFUSED
    assert not Membership.objects.filter(user=people.requester).exists()
    assert "本校教职工名单中没有此人" in mail.outbox[0].body

    client.force_login(people.requester)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "未同意" in profile and "本校教职工名单中没有此人" in profile


@pytest.mark.parametrize("who", ["colleague", "outsider", "requester", "staff"])
def test_only_the_organisations_admin_may_decide(client, people, who):
    request = _ask(people)
    person = getattr(people, who)
    with pytest.raises(NotAllowed):
        membership_request_approve(membership_request=request, by=person)
    with pytest.raises(NotAllowed):
        membership_request_refuse(membership_request=request, by=person, reason="不认识")

    client.force_login(person)
    assert (
        people.requester.email
        not in client.get(reverse("accounts:membership_requests")).content.decode()
    )
    approve = reverse("accounts:membership_request_approve", args=[request.pk])
    refuse = reverse("accounts:membership_request_refuse", args=[request.pk])
    assert client.post(approve).status_code == 404
    assert client.get(refuse).status_code == 404
    assert client.post(refuse, {"reason": "不认识"}).status_code == 404
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.PENDING
    assert not Membership.objects.filter(user=people.requester).exists()


def test_anonymous_visitors_cannot_decide(client, people):
    request = _ask(people)
    response = client.post(reverse("accounts:membership_request_approve", args=[request.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.PENDING


def test_an_admin_of_another_organisation_sees_nothing_of_this_one(client, people):
    request = _ask(people)
    other_admin = factories.user()
    membership_add(
        user=other_admin,
        organisation=factories.organisation(kind="university"),
        role=Role.RESEARCHER,
        is_admin=True,
    )
    client.force_login(other_admin)
    listing = client.get(reverse("accounts:membership_requests")).content.decode()
    assert people.requester.email not in listing and "瓯江大学" not in listing
    approve = reverse("accounts:membership_request_approve", args=[request.pk])
    assert client.post(approve).status_code == 404


def test_a_decided_request_cannot_be_decided_again(people):
    request = _ask(people)
    membership_request_approve(membership_request=request, by=people.admin)
    with pytest.raises(DomainError):
        membership_request_refuse(membership_request=request, by=people.admin, reason="改主意")
    with pytest.raises(DomainError):
        membership_request_approve(membership_request=request, by=people.admin)
    assert Membership.objects.filter(user=people.requester).count() == 1


def test_the_person_withdraws_a_waiting_request_and_nobody_else_can(client, people):
    request = _ask(people)
    with pytest.raises(NotAllowed):
        membership_request_withdraw(membership_request=request, by=people.admin)
    client.force_login(people.outsider)
    url = reverse("accounts:membership_request_withdraw", args=[request.pk])
    assert client.post(url).status_code == 404
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.PENDING

    client.force_login(people.requester)
    assert client.post(url).status_code == 302
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.WITHDRAWN
    with pytest.raises(DomainError):
        membership_request_approve(membership_request=request, by=people.admin)


def test_the_decision_email_is_sent_once_however_often_the_task_runs(
    people, django_capture_on_commit_callbacks
):
    request = _ask(people)
    with django_capture_on_commit_callbacks(execute=True):
        membership_request_approve(membership_request=request, by=people.admin)
    sent = len(mail.outbox)
    assert sent == 1
    assert email_membership_decision.delay(request.pk).get() is False
    assert membership_request_email_decision(request_id=request.pk) is False
    assert len(mail.outbox) == sent


# --- organisations without an admin: the bureau decides in the Wagtail admin ----------------
@pytest.fixture
def without_admin(people):
    institute = factories.organisation(kind="institute", name="浙南工业技术研究院")
    request = membership_request_create(
        user=people.requester, organisation=institute, role=Role.RESEARCHER
    )
    return institute, request


def test_bureau_staff_approve_requests_to_organisations_without_an_admin(
    client, people, without_admin
):
    institute, request = without_admin
    admins_request = _ask(people)  # 瓯江大学 has an admin: not the bureau's to decide
    client.force_login(people.staff)
    queue = client.get(reverse("membership_requests_admin:index"))
    assert queue.status_code == 200
    body = queue.content.decode()
    assert "浙南工业技术研究院" in body and "瓯江大学" not in body

    url = reverse("membership_requests_admin:approve", args=[request.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert Membership.objects.get(user=people.requester, organisation=institute).role == (
        Role.RESEARCHER
    )
    other = reverse("membership_requests_admin:approve", args=[admins_request.pk])
    assert client.post(other).status_code == 404
    admins_request.refresh_from_db()
    assert admins_request.status == MembershipRequestStatus.PENDING


def test_bureau_staff_refuse_in_the_admin_with_a_reason(client, people, without_admin):
    _institute, request = without_admin
    client.force_login(people.staff)
    url = reverse("membership_requests_admin:refuse", args=[request.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # the form again, nothing saved
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.PENDING
    client.post(url, {"reason": "请由研究院人事处先登记为机构管理员"})
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.REFUSED
    assert request.reason == "请由研究院人事处先登记为机构管理员"


@pytest.mark.parametrize("who", ["requester", "colleague", "outsider", "admin"])
def test_the_bureau_queue_is_closed_to_everyone_else(client, people, without_admin, who):
    _institute, request = without_admin
    client.force_login(getattr(people, who))
    client.post(reverse("membership_requests_admin:approve", args=[request.pk]))
    assert client.get(reverse("membership_requests_admin:index")).status_code in (302, 403)
    request.refresh_from_db()
    assert request.status == MembershipRequestStatus.PENDING
