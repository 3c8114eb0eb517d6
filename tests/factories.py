"""Small factories for tests: real objects through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from allauth.account.models import EmailAddress

from accounts.models import Organisation, Role, User, VerificationStatus
from accounts.services import membership_add
from marketplace.demo import make_credit_code
from marketplace.models import Achievement, ListingStatus, Need, TechField

PASSWORD = "a-Long-test-passw0rd"
_seq = itertools.count(1)


def user(email: str | None = None, *, verified_email: bool = True, **extra) -> User:
    email = email or f"user{next(_seq)}@example.com"
    person = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=person, email=email, verified=verified_email, primary=True)
    return person


def organisation(*, kind: str = "university", verified: bool = True, **extra) -> Organisation:
    n = next(_seq)
    defaults = {
        "name": f"测试机构{n}",
        "kind": kind,
        "region_code": "330302",
        "credit_code": make_credit_code("91", "330302", f"{n:08d}"),
        "status": VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING,
    }
    defaults.update(extra)
    org = Organisation(**defaults)
    org.full_clean()
    org.save()
    return org


def member(org: Organisation, role: str = Role.RESEARCHER, **user_extra) -> User:
    person = user(**user_extra)
    membership_add(user=person, organisation=org, role=role)
    return person


def bureau_staff() -> User:
    bureau = organisation(kind="government", name=f"科技局{next(_seq)}", credit_code="")
    return member(bureau, Role.BUREAU_STAFF)


def achievement(
    org: Organisation, *, status: str = ListingStatus.PUBLISHED, **extra
) -> Achievement:
    values = {
        "organisation": org,
        "title": f"一种锂离子电池正极材料的制备方法{next(_seq)}",
        "summary": "本发明公开了一种高镍三元正极材料的制备方法，循环寿命显著提高。",
        "status": status,
        "tech_field": TechField.objects.get(name="新材料及其应用"),
        "trl": 6,
    }
    values.update(extra)
    return Achievement.objects.create(**values)


def need(org: Organisation, *, status: str = ListingStatus.PUBLISHED, **extra) -> Need:
    values = {
        "organisation": org,
        "title": f"注塑件翘曲变形控制{next(_seq)}",
        "description": "汽车内饰注塑件存在翘曲，需要优化工艺参数。",
        "status": status,
    }
    values.update(extra)
    return Need.objects.create(**values)


@dataclass
class Personas:
    owner: User
    colleague: User
    outsider: User
    staff: User
    organisation: Organisation


def personas() -> Personas:
    org = organisation(kind="university")
    owner = member(org, Role.RESEARCHER)
    colleague = member(org, Role.RESEARCHER)
    outsider = member(organisation(kind="enterprise"), Role.ENTERPRISE_MEMBER)
    return Personas(owner, colleague, outsider, bureau_staff(), org)
