"""Applications to a challenge (揭榜申请, spec §4).

One per organisation per challenge, editable and withdrawable until the application
deadline. The deadline is checked here, on the server, against the time of the
request: a form opened before the deadline and sent after it is refused. The
challenge row is locked so that an application and the closing never interleave.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from lib.errors import DomainError, NotAllowed
from marketplace import selectors_challenges as sel
from marketplace.models import (
    ApplicationStatus,
    Challenge,
    ChallengeApplication,
    ChallengeStatus,
)
from marketplace.services.challenge_workflow import locked, now_or
from marketplace.uploads import validate_pdf

APPLICATION_FIELDS = ("team_lead", "team_members", "proposal", "budget", "milestones")


def _check_open(challenge: Challenge, *, now: dt.datetime) -> None:
    if challenge.status != ChallengeStatus.PUBLISHED:
        raise DomainError(
            _("榜单当前状态为“%(status)s”，不接受揭榜申请。")
            % {"status": challenge.get_status_display()}
        )
    if challenge.application_deadline is None or now >= challenge.application_deadline:
        raise DomainError(_("申报已于截止时间结束，不能再提交或修改揭榜申请。"), code="deadline")


def _store_file(application: ChallengeApplication, file: IO[bytes] | None) -> str | None:
    """Attach a checked PDF; returns the replaced file's name, to delete after the commit."""
    if file is None:
        return None
    validate_pdf(file)
    previous = application.proposal_file.name or None
    original = (getattr(file, "name", "") or "").rsplit("/", 1)[-1]
    application.proposal_file_name = (original or "proposal.pdf")[:120]
    application.proposal_file.save("proposal.pdf", file, save=False)
    return previous


@transaction.atomic
def application_submit(
    *,
    challenge: Challenge,
    by: User,
    data: dict[str, Any],
    organisation: Organisation | None = None,
    proposal_file: IO[bytes] | None = None,
    now: dt.datetime | None = None,
) -> ChallengeApplication:
    """Apply, or change the organisation's application, while the challenge takes them."""
    now = now_or(now)
    unknown = set(data) - set(APPLICATION_FIELDS)
    if unknown:
        raise ValueError(f"Not a field of an application: {', '.join(sorted(unknown))}")
    current = locked(challenge)
    allowed = sel.application_organisations(by, current)
    if not allowed:
        if sel.is_issuer(by, current):
            raise NotAllowed(_("发榜单位不能揭自己的榜。"))
        raise NotAllowed(_("只有已认证机构的科研人员或企业用户可以揭榜。"))
    if organisation is None:
        organisation = allowed[0]
    elif organisation.pk not in {o.pk for o in allowed}:
        raise NotAllowed(_("您不能代表该机构揭榜。"))
    _check_open(current, now=now)

    application = (
        ChallengeApplication.objects.select_for_update()
        .filter(challenge=current, organisation=organisation)
        .first()
    )
    creating = application is None
    if creating:
        application = ChallengeApplication(
            challenge=current, organisation=organisation, created_by=by
        )
    for name, value in data.items():
        setattr(application, name, value.strip() if isinstance(value, str) else value)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    application.withdrawn_at = None
    application.full_clean(exclude=["challenge", "organisation"], validate_constraints=False)
    replaced = _store_file(application, proposal_file)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:  # the same organisation applied at the same moment
        if proposal_file is not None:
            application.proposal_file.storage.delete(application.proposal_file.name)
        raise DomainError(_("贵机构已提交过揭榜申请，请修改原申请。")) from exc
    if replaced:
        storage = application.proposal_file.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    return application


@transaction.atomic
def application_withdraw(
    *, application: ChallengeApplication, by: User, now: dt.datetime | None = None
) -> ChallengeApplication:
    """Withdraw before the deadline; the organisation may apply again until then."""
    now = now_or(now)
    if not sel.is_applicant(by, application):
        raise NotAllowed(_("只有申请机构的成员可以撤回揭榜申请。"))
    current = locked(application.challenge)
    _check_open(current, now=now)
    row = ChallengeApplication.objects.select_for_update().get(pk=application.pk)
    if row.status == ApplicationStatus.WITHDRAWN:
        raise DomainError(_("该申请已撤回。"))
    row.status = ApplicationStatus.WITHDRAWN
    row.withdrawn_at = now
    row.save(update_fields=["status", "withdrawn_at", "updated_at"])
    return row
