"""Sign-up → verification e-mail → login, and the failed-login rate limit."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_signup_sends_a_verification_email_and_the_link_signs_the_person_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.researcher@example.com",
            "password1": "Tech-transfer-2026",
            "password2": "Tech-transfer-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.researcher@example.com")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.researcher@example.com"]
    assert "科创大市场" in message.subject

    # Not verified yet: signing in leads to the "verify your e-mail" page, not the site.
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "new.researcher@example.com", "password": "Tech-transfer-2026"},
    )
    assert "_auth_user_id" not in client.session

    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)
    path = (
        link.split("testserver", 1)[-1]
        if "testserver" in link
        else re.sub(r"^https?://[^/]+", "", link)
    )
    response = client.get(path)
    assert response.status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    assert user.emailaddress_set.get().verified

    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "new.researcher@example.com", "password": "Tech-transfer-2026"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_signup_rejects_a_weak_password_with_a_translated_message(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "weak@example.com", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@example.com").exists()
    assert "密码" in response.content.decode()


def test_repeated_failed_logins_are_rate_limited(client):
    person = factories.user("target@example.com")
    pages = [
        client.post(
            reverse("account_login"), {"login": person.email, "password": "wrong-password"}
        ).content.decode()
        for _ in range(6)
    ]
    # Five plain "wrong password" errors (5 per 5 minutes per account), then the limit.
    assert all("登录失败次数过多" not in page for page in pages[:5])
    assert "登录失败次数过多" in pages[5]
    # Even the right password is refused while the limit holds.
    page = client.post(
        reverse("account_login"), {"login": person.email, "password": factories.PASSWORD}
    ).content.decode()
    assert "登录失败次数过多" in page
    assert "_auth_user_id" not in client.session


def test_correct_password_signs_in_a_verified_user(client):
    person = factories.user("ok@example.com")
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_login_page_is_in_chinese_by_default(client):
    body = client.get(reverse("account_login")).content.decode()
    assert "登录" in body
