"""Organisations: registration, verification by bureau staff, and its audit trail."""

import pytest
from django.urls import reverse

from accounts.models import Organisation, OrganisationEvent, Role, VerificationStatus
from accounts.selectors import is_bureau_staff
from accounts.services import organisation_reject, organisation_verify
from lib.errors import DomainError, NotAllowed
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_person_registers_their_organisation_and_it_waits_for_verification(client):
    person = factories.user()
    client.force_login(person)
    response = client.post(
        reverse("accounts:organisation_register"),
        {
            "name": "鹿城光电科技有限公司",
            "kind": "enterprise",
            "region_code": "330302",
            "credit_code": "91330100799655058B",
            "role": Role.ENTERPRISE_MEMBER,
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="鹿城光电科技有限公司")
    assert org.status == VerificationStatus.PENDING
    membership = person.memberships.get()
    assert membership.is_admin and membership.role == Role.ENTERPRISE_MEMBER
    assert "待认证" in client.get(reverse("accounts:profile")).content.decode()


def test_registration_with_a_wrong_credit_code_keeps_the_form_and_says_why(client):
    client.force_login(factories.user())
    response = client.post(
        reverse("accounts:organisation_register"),
        {
            "name": "输错代码的公司",
            "kind": "enterprise",
            "region_code": "330302",
            "credit_code": "91330100799655058C",
            "role": Role.ENTERPRISE_MEMBER,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "校验位不正确" in body
    assert "输错代码的公司" in body  # what was typed is still there
    assert not Organisation.objects.filter(name="输错代码的公司").exists()


def test_self_service_cannot_claim_bureau_staff_role(client):
    client.force_login(factories.user())
    client.post(
        reverse("accounts:organisation_register"),
        {
            "name": "假冒科技局",
            "kind": "government",
            "region_code": "330302",
            "role": Role.BUREAU_STAFF,
        },
    )
    assert not Organisation.objects.filter(name="假冒科技局").exists()


def test_bureau_staff_verify_an_organisation_and_the_change_is_logged():
    staff = factories.bureau_staff()
    org = factories.organisation(verified=False)
    organisation_verify(organisation=org, by=staff)
    org.refresh_from_db()
    assert org.status == VerificationStatus.VERIFIED
    assert org.verified_by == staff and org.verified_at is not None
    event = OrganisationEvent.objects.get(organisation=org)
    assert (event.actor, event.from_status, event.to_status) == (
        staff,
        VerificationStatus.PENDING,
        VerificationStatus.VERIFIED,
    )


def test_verifying_twice_is_refused():
    staff = factories.bureau_staff()
    org = factories.organisation(verified=True)
    with pytest.raises(DomainError):
        organisation_verify(organisation=org, by=staff)


def test_rejection_needs_a_reason_the_organisation_sees(client):
    staff = factories.bureau_staff()
    org = factories.organisation(verified=False)
    owner = factories.member(org)
    with pytest.raises(DomainError):
        organisation_reject(organisation=org, by=staff, reason="  ")
    organisation_reject(organisation=org, by=staff, reason="营业执照与名称不符")
    client.force_login(owner)
    assert "营业执照与名称不符" in client.get(reverse("accounts:profile")).content.decode()


@pytest.mark.parametrize(
    "role", [Role.RESEARCHER, Role.ENTERPRISE_MEMBER, Role.BROKER, Role.EXPERT]
)
def test_people_who_are_not_bureau_staff_cannot_verify(role):
    person = factories.member(factories.organisation(), role)
    org = factories.organisation(verified=False)
    assert not is_bureau_staff(person)
    with pytest.raises(NotAllowed):
        organisation_verify(organisation=org, by=person)
    org.refresh_from_db()
    assert org.status == VerificationStatus.PENDING


def test_staff_verify_through_the_wagtail_admin(client):
    staff = factories.bureau_staff()
    org = factories.organisation(verified=False, name="待认证研究院")
    client.force_login(staff)
    listing = client.get(reverse("organisations:index"))
    assert listing.status_code == 200
    assert "待认证研究院" in listing.content.decode()
    assert client.get(reverse("organisations:verify", args=[org.pk])).status_code == 200
    response = client.post(reverse("organisations:verify", args=[org.pk]))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == VerificationStatus.VERIFIED


def test_the_admin_verify_action_is_closed_to_non_staff(client):
    org = factories.organisation(verified=False)
    client.force_login(factories.member(factories.organisation(), Role.RESEARCHER))
    response = client.post(reverse("organisations:verify", args=[org.pk]))
    assert response.status_code in (302, 403, 404)  # Wagtail sends non-staff to its login
    org.refresh_from_db()
    assert org.status == VerificationStatus.PENDING


def test_anonymous_visitors_cannot_reach_the_admin(client):
    org = factories.organisation(verified=False)
    response = client.post(reverse("organisations:verify", args=[org.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]
    org.refresh_from_db()
    assert org.status == VerificationStatus.PENDING
