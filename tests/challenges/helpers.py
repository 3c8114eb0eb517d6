"""Builders for challenge tests: the people around a challenge and challenges in any state,
made through the real services (so every state is one a person could reach)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from marketplace.models import Challenge, ChallengeApplication, ChallengeStatus
from marketplace.services import challenge_applications as applications
from marketplace.services import challenge_awards as awards
from marketplace.services import challenge_reviews as reviews
from marketplace.services import challenges as services
from tests import factories

DAY = dt.timedelta(days=1)


def challenge_data(**extra) -> dict:
    data = {
        "title": "高精度注塑件翘曲变形在线检测与控制技术",
        "background": "汽车内饰注塑件翘曲导致装配不良，目前靠人工抽检。",
        "research_content": "研发在线检测系统，结合工艺参数闭环控制翘曲变形。",
        "deliverables": "在线检测设备一套、控制软件一套、技术报告。",
        "bounty_enterprise": Decimal("800000.00"),
        "bounty_subsidy": Decimal("200000.00"),
        "application_deadline": timezone.now() + 10 * DAY,
        "execution_start": timezone.localdate() + 30 * DAY,
        "execution_end": timezone.localdate() + 400 * DAY,
        "eligibility": "国内高校、科研院所或企业，具备相关研究基础。",
        "required_materials": "技术方案、团队介绍、经费预算。",
    }
    data.update(extra)
    return data


KPIS = [
    {"indicator": "翘曲检测精度", "comparator": "lte", "target_value": "0.05", "unit": "mm"},
    {"indicator": "良品率", "comparator": "gte", "target_value": "99.5", "unit": "%"},
]
CRITERIA = [
    {"name": "技术方案", "weight": 50},
    {"name": "团队能力", "weight": 30},
    {"name": "经费合理性", "weight": 20},
]


class World:
    """An issuing enterprise, two research teams, experts, bureau staff and passers-by."""

    def __init__(self):
        self.issuer_org = factories.organisation(kind="enterprise")
        self.issuer = factories.member(self.issuer_org, Role.ENTERPRISE_MEMBER)
        self.issuer_colleague = factories.member(self.issuer_org, Role.ENTERPRISE_MEMBER)
        self.team_org = factories.organisation(kind="university", region_code="330106")
        self.researcher = factories.member(self.team_org, Role.RESEARCHER)
        self.researcher_colleague = factories.member(self.team_org, Role.RESEARCHER)
        self.team2_org = factories.organisation(kind="institute")
        self.researcher2 = factories.member(self.team2_org, Role.RESEARCHER)
        self.outsider = factories.member(
            factories.organisation(kind="enterprise"), "enterprise_member"
        )
        expert_org = factories.organisation(kind="institute")
        self.experts = [factories.member(expert_org, Role.EXPERT) for _ in range(6)]
        self.expert = self.experts[0]
        self.staff = factories.bureau_staff()

    # --- challenges in a given state ---------------------------------------------------------
    def draft(self, **extra) -> Challenge:
        return services.challenge_create(
            organisation=self.issuer_org,
            by=self.issuer,
            data=challenge_data(**extra),
            kpis=KPIS,
            criteria=CRITERIA,
        )

    def under_review(self, **extra) -> Challenge:
        return services.challenge_submit(challenge=self.draft(**extra), by=self.issuer)

    def published(self, **extra) -> Challenge:
        return services.challenge_approve(challenge=self.under_review(**extra), by=self.staff)

    def apply(self, challenge, by=None, **data) -> ChallengeApplication:
        values = {
            "team_lead": "张教授",
            "team_members": "张教授、李博士",
            "proposal": "基于结构光的翘曲在线测量与模温闭环控制。",
            "budget": Decimal("950000.00"),
            "milestones": "6 个月样机；12 个月上线",
        }
        values.update(data)
        return applications.application_submit(
            challenge=challenge, by=by or self.researcher, data=values
        )

    def closed(self, *, teams: int = 2, experts: int = 2) -> Challenge:
        challenge = self.published()
        if teams >= 1:
            self.apply(challenge)
        if teams >= 2:
            self.apply(challenge, by=self.researcher2)
        for expert in self.experts[:experts]:
            reviews.expert_assign(challenge=challenge, expert=expert, by=self.staff)
        return services.challenge_close(
            challenge=challenge,
            by=None,
            now=challenge.application_deadline + dt.timedelta(minutes=1),
        )

    def evaluation(self, **kwargs) -> Challenge:
        return reviews.evaluation_start(challenge=self.closed(**kwargs), by=self.staff)

    def score(self, challenge, expert, application, values: tuple[int, ...]):
        assignment = challenge.assignments.get(expert=expert)
        criteria = list(challenge.criteria.all())
        return reviews.scores_submit(
            assignment=assignment,
            application=application,
            by=expert,
            scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
        )

    def scored(self) -> tuple[Challenge, ChallengeApplication, ChallengeApplication]:
        """In evaluation, two applications scored by two experts: the first team is ahead."""
        challenge = self.evaluation()
        first, second = challenge.applications.order_by("id")
        for expert in self.experts[:2]:
            self.score(challenge, expert, first, (90, 80, 70))
            self.score(challenge, expert, second, (60, 60, 60))
        return challenge, first, second

    def publicised(self):
        challenge, first, second = self.scored()
        challenge = reviews.winners_confirm(challenge=challenge, by=self.staff, winners=[first])
        return challenge, first, second

    def awarded(self):
        challenge, first, second = self.publicised()
        contracts = awards.challenge_award(
            challenge=challenge, by=self.staff, now=challenge.publicity_ends_at
        )
        challenge.refresh_from_db()
        return challenge, first, contracts

    def in_execution(self):
        challenge, first, _contracts = self.awarded()
        awards.milestone_add(
            challenge=challenge,
            by=self.issuer,
            title="样机",
            due_on=timezone.localdate() + 90 * DAY,
        )
        return awards.execution_start(challenge=challenge, by=self.issuer), first


def status_of(challenge: Challenge) -> str:
    return Challenge.objects.get(pk=challenge.pk).status


__all__ = ["DAY", "World", "ChallengeStatus", "challenge_data", "status_of"]
