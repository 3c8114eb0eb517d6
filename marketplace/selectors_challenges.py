"""Read-only questions about challenges (揭榜挂帅, spec §4) and who may do what to them.

Who sees what:
- a challenge: everyone once it is published (and afterwards, a cancelled one included if it
  had been published); before that, the issuing organisation and bureau staff;
- an application: the applicant's organisation, the issuer, the experts assigned to the
  challenge and bureau staff; everyone else is told nothing (views answer 404);
- scores: each expert their own; bureau staff all of them; the public the 公示 list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
)
from accounts.selectors import has_role, is_bureau_staff, organisation_ids_of
from marketplace import challenge_scoring
from marketplace.models import (
    PUBLIC_STATUSES,
    ApplicationStatus,
    Challenge,
    ChallengeApplication,
    ChallengeCriterion,
    ChallengeEvent,
    ChallengeStatus,
    ExpertAssignment,
    ExpertConflict,
    ExpertScore,
)
from marketplace.models.listings import MONEY

# Roles that issue a challenge for their organisation (spec §1: enterprise members post
# needs and challenges) and that apply for one (researchers; companies may take one on too).
ISSUER_ROLES = (Role.ENTERPRISE_MEMBER,)
APPLICANT_ROLES = (Role.RESEARCHER, Role.ENTERPRISE_MEMBER)
# Published challenges whose application deadline is this close get one reminder.
DEADLINE_REMINDER = dt.timedelta(days=3)
# Statuses in which the results and the 公示 list are public.
RESULT_STATUSES = (
    ChallengeStatus.PUBLICISED,
    ChallengeStatus.AWARDED,
    ChallengeStatus.IN_EXECUTION,
    ChallengeStatus.ACCEPTED,
    ChallengeStatus.FAILED,
)


def _public_filter() -> Q:
    return Q(status__in=PUBLIC_STATUSES) | Q(
        status=ChallengeStatus.CANCELLED, published_at__isnull=False
    )


def _with_relations(qs: QuerySet[Challenge]) -> QuerySet[Challenge]:
    """What a list row or detail page shows, without a query per row."""
    return qs.select_related(
        "organisation", "tech_field", "tech_field__parent", "industry"
    ).annotate(
        bounty=Coalesce(
            F("bounty_enterprise") + F("bounty_subsidy"),
            Value(Decimal("0.00")),
            output_field=DecimalField(**MONEY),
        )
    )


# --- challenges ---------------------------------------------------------------------------
# The public list's stage filter: open for applications, under evaluation or publicity, awarded.
STAGES = {
    "open": (ChallengeStatus.PUBLISHED,),
    "review": (ChallengeStatus.CLOSED, ChallengeStatus.EVALUATION, ChallengeStatus.PUBLICISED),
    "awarded": (
        ChallengeStatus.AWARDED,
        ChallengeStatus.IN_EXECUTION,
        ChallengeStatus.ACCEPTED,
        ChallengeStatus.FAILED,
    ),
}


def published_challenges(
    *, stage: str = "", query: str = "", now: dt.datetime | None = None
) -> QuerySet[Challenge]:
    """Challenges the public sees (发榜 and everything after it), newest first.

    ``stage`` narrows to one of ``STAGES`` ("open" also means the deadline is ahead);
    ``query`` to titles containing it.
    """
    qs = _with_relations(Challenge.objects.filter(_public_filter()))
    if stage in STAGES:
        qs = qs.filter(status__in=STAGES[stage])
    if stage == "open":
        qs = qs.filter(application_deadline__gt=now or timezone.now())
    if query:
        qs = qs.filter(title__icontains=query)
    return qs.order_by("-published_at", "-id")


def open_challenges(*, now: dt.datetime | None = None) -> QuerySet[Challenge]:
    """Published challenges still taking applications."""
    now = now or timezone.now()
    return published_challenges().filter(
        status=ChallengeStatus.PUBLISHED, application_deadline__gt=now
    )


def open_challenge_count(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return Challenge.objects.filter(
        status=ChallengeStatus.PUBLISHED, application_deadline__gt=now
    ).count()


def challenge_statistics() -> dict:
    """Counts by status and the bounty of challenges published so far (for the dashboard)."""
    by_status = dict(
        Challenge.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    )
    bounty = Challenge.objects.filter(_public_filter()).aggregate(
        enterprise=Coalesce(Sum("bounty_enterprise"), Value(Decimal("0.00"))),
        subsidy=Coalesce(Sum("bounty_subsidy"), Value(Decimal("0.00"))),
    )
    return {
        "by_status": {status: by_status.get(status, 0) for status in ChallengeStatus.values},
        "published": Challenge.objects.filter(_public_filter()).count(),
        "open": open_challenge_count(),
        "awarded": Challenge.objects.filter(
            status__in=[
                ChallengeStatus.AWARDED,
                ChallengeStatus.IN_EXECUTION,
                ChallengeStatus.ACCEPTED,
                ChallengeStatus.FAILED,
            ]
        ).count(),
        "applications": ChallengeApplication.objects.filter(
            status=ApplicationStatus.SUBMITTED
        ).count(),
        "bounty_enterprise": bounty["enterprise"],
        "bounty_subsidy": bounty["subsidy"],
        "bounty_total": bounty["enterprise"] + bounty["subsidy"],
    }


def challenges_visible_to(user: User) -> QuerySet[Challenge]:
    qs = _with_relations(Challenge.objects.all())
    if is_bureau_staff(user):
        return qs
    own = organisation_ids_of(user)
    if own:
        return qs.filter(_public_filter() | Q(organisation_id__in=own))
    return qs.filter(_public_filter())


def challenge_for(user: User, pk: int) -> Challenge | None:
    return challenges_visible_to(user).filter(pk=pk).first()


def challenges_of_user(user: User) -> QuerySet[Challenge]:
    """我的榜单: challenges of the person's organisations, and those they created for one."""
    if not user.is_authenticated:
        return Challenge.objects.none()
    return (
        _with_relations(Challenge.objects.all())
        .filter(Q(organisation_id__in=organisation_ids_of(user)) | Q(created_by=user))
        .order_by("-updated_at", "-id")
    )


def challenge_events(challenge: Challenge) -> QuerySet[ChallengeEvent]:
    return challenge.events.select_related("actor")


def staff_queue() -> dict[str, list[Challenge]]:
    """What bureau staff act on next, by status (oldest first)."""
    statuses = [
        ChallengeStatus.UNDER_REVIEW,
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.CLOSED,
        ChallengeStatus.EVALUATION,
        ChallengeStatus.PUBLICISED,
        ChallengeStatus.AWARDED,
        ChallengeStatus.IN_EXECUTION,
    ]
    rows = (
        _with_relations(Challenge.objects.filter(status__in=statuses))
        .annotate(
            application_count=Count(
                "applications",
                filter=Q(applications__status=ApplicationStatus.SUBMITTED),
                distinct=True,
            ),
            expert_count=Count("assignments", distinct=True),
        )
        .order_by("updated_at", "id")
    )
    queue: dict[str, list[Challenge]] = {status: [] for status in statuses}
    for challenge in rows:
        queue[challenge.status].append(challenge)
    return queue


# --- who may do what to a challenge ---------------------------------------------------------
def is_issuer(user: User, challenge: Challenge) -> bool:
    return user.is_authenticated and challenge.organisation_id in organisation_ids_of(user)


def issuing_organisations(user: User) -> list[Organisation]:
    """Enterprises for which this person may issue challenges (as an enterprise member)."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(
        user=user, role__in=ISSUER_ROLES, organisation__kind=OrganisationKind.ENTERPRISE
    ).select_related("organisation")
    return [m.organisation for m in memberships.order_by("id")]


def behalf_organisations() -> QuerySet[Organisation]:
    """Enterprises bureau staff may issue a challenge for (spec §4: on an enterprise's behalf)."""
    return Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE).order_by("name")


def can_edit_challenge(user: User, challenge: Challenge) -> bool:
    """The issuer's members; bureau staff for a challenge the bureau issued on its behalf."""
    if is_issuer(user, challenge):
        return True
    return challenge.issued_by_bureau and is_bureau_staff(user)


def can_cancel_challenge(user: User, challenge: Challenge) -> bool:
    """The issuer until applications close; bureau staff at any point before the award."""
    if is_bureau_staff(user):
        return challenge.status in (
            ChallengeStatus.DRAFT,
            ChallengeStatus.UNDER_REVIEW,
            ChallengeStatus.PUBLISHED,
            ChallengeStatus.CLOSED,
            ChallengeStatus.EVALUATION,
            ChallengeStatus.PUBLICISED,
        )
    return can_edit_challenge(user, challenge) and challenge.status in (
        ChallengeStatus.DRAFT,
        ChallengeStatus.UNDER_REVIEW,
        ChallengeStatus.PUBLISHED,
    )


def is_accepting_applications(challenge: Challenge, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        challenge.status == ChallengeStatus.PUBLISHED
        and challenge.application_deadline is not None
        and now < challenge.application_deadline
    )


# --- applications -----------------------------------------------------------------------------
def application_organisations(user: User, challenge: Challenge) -> list[Organisation]:
    """Verified organisations this person may apply for (never the issuer, never the bureau)."""
    if not user.is_authenticated:
        return []
    memberships = (
        Membership.objects.filter(
            user=user,
            role__in=APPLICANT_ROLES,
            organisation__status=VerificationStatus.VERIFIED,
        )
        .exclude(organisation_id=challenge.organisation_id)
        .exclude(organisation__kind=OrganisationKind.GOVERNMENT)
        .select_related("organisation")
        .order_by("id")
    )
    return [m.organisation for m in memberships]


def assignment_of(user: User, challenge: Challenge) -> ExpertAssignment | None:
    if not user.is_authenticated:
        return None
    return ExpertAssignment.objects.filter(challenge=challenge, expert=user).first()


def applications_visible_to(user: User, challenge: Challenge) -> QuerySet[ChallengeApplication]:
    """The applications this person may read (spec §4); an empty queryset for anyone else."""
    qs = challenge.applications.select_related("organisation", "created_by").order_by(
        "created_at", "id"
    )
    if not user.is_authenticated:
        return qs.none()
    if is_bureau_staff(user) or is_issuer(user, challenge):
        return qs
    if assignment_of(user, challenge) is not None:
        return qs.filter(status=ApplicationStatus.SUBMITTED)
    return qs.filter(organisation_id__in=organisation_ids_of(user))


def application_for(user: User, challenge: Challenge, pk: int) -> ChallengeApplication | None:
    return applications_visible_to(user, challenge).filter(pk=pk).first()


def own_application(user: User, challenge: Challenge) -> ChallengeApplication | None:
    """The application of one of this person's organisations, if there is one."""
    if not user.is_authenticated:
        return None
    return (
        challenge.applications.filter(organisation_id__in=organisation_ids_of(user))
        .select_related("organisation")
        .order_by("id")
        .first()
    )


def is_applicant(user: User, application: ChallengeApplication) -> bool:
    return user.is_authenticated and application.organisation_id in organisation_ids_of(user)


def submitted_applications(challenge: Challenge) -> QuerySet[ChallengeApplication]:
    return challenge.applications.filter(status=ApplicationStatus.SUBMITTED).select_related(
        "organisation"
    )


def applications_of_user(user: User) -> QuerySet[ChallengeApplication]:
    """我的揭榜: applications of the person's organisations."""
    if not user.is_authenticated:
        return ChallengeApplication.objects.none()
    return (
        ChallengeApplication.objects.filter(organisation_id__in=organisation_ids_of(user))
        .select_related("challenge", "organisation")
        .order_by("-updated_at", "-id")
    )


# --- experts and review -------------------------------------------------------------------------
def is_expert(user: User) -> bool:
    return user.is_authenticated and has_role(user, Role.EXPERT)


def experts() -> QuerySet[User]:
    return (
        User.objects.filter(memberships__role=Role.EXPERT, is_active=True)
        .distinct()
        .order_by("display_name", "email")
    )


def assignments(challenge: Challenge) -> QuerySet[ExpertAssignment]:
    return challenge.assignments.select_related("expert").prefetch_related(
        Prefetch("conflicts", queryset=ExpertConflict.objects.select_related("application"))
    )


def assignments_of_expert(user: User) -> QuerySet[ExpertAssignment]:
    """评审任务: the challenges this expert reviews, newest first."""
    if not user.is_authenticated:
        return ExpertAssignment.objects.none()
    return (
        ExpertAssignment.objects.filter(expert=user)
        .select_related("challenge", "challenge__organisation")
        .order_by("-created_at", "-id")
    )


def criteria(challenge: Challenge) -> list[ChallengeCriterion]:
    return list(challenge.criteria.all())


def scores_of(assignment: ExpertAssignment) -> dict[int, dict[int, int]]:
    """One expert's own scores: {application id: {criterion id: score}} (never another's)."""
    out: dict[int, dict[int, int]] = {}
    for application_id, criterion_id, score in assignment.scores.values_list(
        "application_id", "criterion_id", "score"
    ):
        out.setdefault(application_id, {})[criterion_id] = score
    return out


def conflicts_of(assignment: ExpertAssignment) -> dict[int, ExpertConflict]:
    return {c.application_id: c for c in assignment.conflicts.all()}


@dataclass
class ResultRow:
    """One application's line in the results table: the scoring result and the application."""

    application: ChallengeApplication
    result: challenge_scoring.ApplicationResult


def review_results(challenge: Challenge) -> list[ResultRow]:
    """Every submitted application's current result (spec §4 rule), best first.

    Five queries whatever the numbers: criteria, applications, assignments, conflicts, scores.
    """
    weights = {c.pk: c.weight for c in challenge.criteria.all()}
    applications = {a.pk: a for a in submitted_applications(challenge).order_by("id")}
    assignment_experts = dict(challenge.assignments.values_list("pk", "expert_id"))
    conflicts = [
        (assignment_experts[assignment_id], application_id)
        for assignment_id, application_id in ExpertConflict.objects.filter(
            assignment__challenge=challenge
        ).values_list("assignment_id", "application_id")
    ]
    scores: dict[tuple[int, int], dict[int, int]] = {}
    for assignment_id, application_id, criterion_id, score in ExpertScore.objects.filter(
        assignment__challenge=challenge, application_id__in=applications
    ).values_list("assignment_id", "application_id", "criterion_id", "score"):
        key = (assignment_experts[assignment_id], application_id)
        scores.setdefault(key, {})[criterion_id] = score
    results = challenge_scoring.review_results(
        weights=weights,
        applications=list(applications),
        experts=list(assignment_experts.values()),
        scores=scores,
        conflicts=conflicts,
    )
    return [ResultRow(applications[r.application_id], r) for r in results]


def publicity_list(challenge: Challenge) -> list[ChallengeApplication]:
    """The 公示 list: the winners with their frozen scores, public once the result is out."""
    if challenge.status not in RESULT_STATUSES:
        return []
    return list(
        challenge.applications.filter(is_winner=True)
        .select_related("organisation")
        .order_by(F("final_score").desc(nulls_last=True), "id")
    )


def ranked_applications(challenge: Challenge) -> list[ChallengeApplication]:
    """All submitted applications with their frozen scores, best first (after the result)."""
    return list(
        submitted_applications(challenge).order_by(F("final_score").desc(nulls_last=True), "id")
    )
