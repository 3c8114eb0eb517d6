"""Demo challenges (揭榜挂帅): a few real needs of the demo corpus turned into challenges, one
in each stage people look at — draft, under review, published, evaluation, publicity, awarded.

They are issued by the demo enterprises, answered by the two demo universities and scored
by ``expert@demo.local``, all through the ordinary services, with the clock set back so the
dates read naturally. A challenge is made once per source need: safe to run twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from marketplace.models import Challenge, ChallengeEvent, Need, TechField
from marketplace.services import challenge_applications as applications
from marketplace.services import challenge_awards as awards
from marketplace.services import challenge_reviews as reviews
from marketplace.services import challenges as services

DAY = dt.timedelta(days=1)
CRITERIA = [
    {"name": "技术方案的先进性与可行性", "weight": 40, "description": "路线清晰、指标可达"},
    {"name": "团队能力与研究基础", "weight": 30, "description": "相关成果、专利与工程经验"},
    {"name": "经费预算与进度安排", "weight": 20, "description": "预算合理、节点可考核"},
    {"name": "成果转化与产业化前景", "weight": 10, "description": ""},
]
STAGES = ("draft", "under_review", "published", "evaluation", "publicised", "awarded")


@dataclass(frozen=True)
class DemoChallenge:
    need: str  # the source need's source_id in the demo corpus
    issuer: str  # demo organisation key
    stage: str
    deadline_in_days: int  # the application deadline, from today (negative: passed)
    enterprise_share: Decimal
    subsidy_share: Decimal
    field: str
    kpis: tuple[tuple[str, str, str, str], ...]  # indicator, comparator, value, unit
    research: str


DEMO_CHALLENGES = [
    DemoChallenge(
        need="need-7446b0bd6f6d",
        issuer="ent1",
        stage="awarded",
        deadline_in_days=-40,
        enterprise_share=Decimal("1200000.00"),
        subsidy_share=Decimal("300000.00"),
        field="先进制造",
        kpis=(
            ("焊缝探伤一次合格率", "gte", "99", "%"),
            ("单件焊接节拍缩短", "gte", "40", "%"),
            ("适用方管壁厚下限", "lte", "1", "mm"),
        ),
        research="开发适用于客车车架和铁路电气化结构件的机器人焊接工作站，覆盖平、横、立三种焊接位置。",
    ),
    DemoChallenge(
        need="need-0e71d506a658",
        issuer="ent2",
        stage="publicised",
        deadline_in_days=-7,
        enterprise_share=Decimal("800000.00"),
        subsidy_share=Decimal("200000.00"),
        field="新能源与高效节能",
        kpis=(
            ("额定转速", "gte", "10000", "rpm"),
            ("额定功率", "gte", "10", "kW"),
            ("最低工作温度", "lte", "-30", "℃"),
        ),
        research="研制燃料电池空压机用超高速永磁电机控制器，完成台架测试与装车验证。",
    ),
    DemoChallenge(
        need="need-dd4ed0148a3c",
        issuer="ent1",
        stage="evaluation",
        deadline_in_days=-3,
        enterprise_share=Decimal("450000.00"),
        subsidy_share=Decimal("150000.00"),
        field="先进制造",
        kpis=(
            ("加工效率提高", "gte", "30", "%"),
            ("翻板速度", "lte", "0.5", "m/s"),
            ("额定载重", "gte", "1.0", "t"),
        ),
        research="开发气动驱动的摇臂钻旋转工作盘，缩短上下机时间，保障翻板安全。",
    ),
    DemoChallenge(
        need="need-2768788abf75",
        issuer="ent2",
        stage="published",
        deadline_in_days=25,
        enterprise_share=Decimal("600000.00"),
        subsidy_share=Decimal("0.00"),
        field="电子信息",
        kpis=(("自动对焦时间", "lte", "1", "s"), ("放大倍率上限", "gte", "3000", "倍")),
        research="研发面板检测显微镜的高倍率快速自动对焦算法与配套运动控制器。",
    ),
    DemoChallenge(
        need="need-dd472e000fd4",
        issuer="ent2",
        stage="under_review",
        deadline_in_days=40,
        enterprise_share=Decimal("300000.00"),
        subsidy_share=Decimal("100000.00"),
        field="环境保护与资源综合利用",
        kpis=(("活性炭再生能耗降低", "gte", "30", "%"), ("吸附容量保持率", "gte", "90", "%")),
        research="研究低温再生的高吸附容量废气处理工艺，减少脱附污染物的二次处理。",
    ),
    DemoChallenge(
        need="need-2f92ffa51d85",
        issuer="ent1",
        stage="draft",
        deadline_in_days=60,
        enterprise_share=Decimal("350000.00"),
        subsidy_share=Decimal("0.00"),
        field="农业",
        kpis=(("温度控制精度", "lte", "0.5", "℃"), ("相对湿度控制精度", "lte", "5", "%")),
        research="设计具有制冷、制热、除湿功能的养殖恒温恒湿机组，PLC 分段控制。",
    ),
]


@dataclass
class People:
    enterprises: dict[str, User]
    staff: User
    researcher: User
    researcher2: User
    expert: User


def _people() -> People:
    by_email = {u.email: u for u in User.objects.filter(email__endswith="@demo.local")}
    return People(
        enterprises={
            "ent1": by_email["enterprise@demo.local"],
            "ent2": by_email["enterprise2@demo.local"],
        },
        staff=by_email["staff@demo.local"],
        researcher=by_email["researcher@demo.local"],
        researcher2=by_email["researcher2@demo.local"],
        expert=by_email["expert@demo.local"],
    )


def _data(spec: DemoChallenge, need: Need, deadline: dt.datetime) -> dict:
    start = timezone.localdate(deadline) + 30 * DAY
    return {
        "title": need.title,
        "background": need.description,
        "research_content": spec.research,
        "deliverables": "样机或系统一套、测试报告、技术文档及知识产权（专利或软件著作权）。",
        "bounty_enterprise": spec.enterprise_share,
        "bounty_subsidy": spec.subsidy_share,
        "application_deadline": deadline,
        "execution_start": start,
        "execution_end": start + 365 * DAY,
        "eligibility": "国内高校、科研院所或企业（可联合申报），具备相关研究基础和工程化能力。",
        "required_materials": "技术方案（PDF）、团队成员及分工、经费预算、进度安排与考核节点。",
        "tech_field": TechField.objects.filter(name=spec.field, parent=None).first(),
        "industry": need.industry,
        "keywords": list(need.keywords or [])[:8],
        "contact_name": "项目联系人",
        "source_need": need,
    }


def _apply(challenge: Challenge, by: User, *, budget: Decimal, now: dt.datetime, lead: str):
    return applications.application_submit(
        challenge=challenge,
        by=by,
        data={
            "team_lead": lead,
            "team_members": f"{lead}（负责人）\n两名博士研究生\n一名企业工程师",
            "proposal": f"针对“{challenge.title}”，团队拟在已有研究基础上开展攻关，"
            "分三阶段完成原理验证、样机研制和现场测试，逐项对照考核指标。",
            "budget": budget,
            "milestones": "第 3 个月：方案评审\n第 8 个月：样机完成\n第 12 个月：现场验收",
        },
        now=now,
    )


def _score(challenge: Challenge, expert: User, application, values: tuple[int, ...]) -> None:
    assignment = challenge.assignments.get(expert=expert)
    criteria = list(challenge.criteria.all())
    reviews.scores_submit(
        assignment=assignment,
        application=application,
        by=expert,
        scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
    )


def _redate(challenge: Challenge, times: dict[str, dt.datetime]) -> None:
    """The timeline shows when each step would have happened, not when the demo ran."""
    for action, when in times.items():
        ChallengeEvent.objects.filter(challenge=challenge, action=action).update(created_at=when)


def _build(spec: DemoChallenge, need: Need, organisation: Organisation, people: People) -> None:
    now = timezone.now()
    deadline = timezone.localtime(now + spec.deadline_in_days * DAY).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    opened = deadline - 30 * DAY  # published a month before the deadline
    issuer = people.enterprises[spec.issuer]
    stages = STAGES[: STAGES.index(spec.stage) + 1]
    times = {"create": opened - 3 * DAY}
    challenge = services.challenge_create(
        organisation=organisation,
        by=issuer,
        data=_data(spec, need, deadline),
        kpis=[
            {"indicator": i, "comparator": c, "target_value": v, "unit": u}
            for i, c, v, u in spec.kpis
        ],
        criteria=CRITERIA,
    )
    if "under_review" in stages:
        services.challenge_submit(challenge=challenge, by=issuer, now=opened - 2 * DAY)
        times["submit"] = opened - 2 * DAY
    if "published" in stages:
        services.challenge_approve(challenge=challenge, by=people.staff, now=opened)
        times["approve"] = opened
        budget = spec.enterprise_share + spec.subsidy_share
        _apply(challenge, people.researcher2, budget=budget, now=opened + 6 * DAY, lead="李工")
    if "evaluation" in stages:
        first = _apply(
            challenge, people.researcher, budget=budget, now=opened + 3 * DAY, lead="张研"
        )
        second = challenge.applications.exclude(pk=first.pk).get()
        reviews.expert_assign(challenge=challenge, expert=people.expert, by=people.staff)
        services.challenge_close(challenge=challenge, by=None, now=deadline)
        reviews.evaluation_start(challenge=challenge, by=people.staff)
        _score(challenge, people.expert, first, (88, 85, 80, 90))
        times.update(
            {
                "assign_expert": deadline - 2 * DAY,
                "close": deadline,
                "start_evaluation": deadline + DAY,
            }
        )
    if "publicised" in stages:
        _score(challenge, people.expert, second, (76, 80, 85, 70))
        decided = deadline + 5 * DAY
        reviews.winners_confirm(challenge=challenge, by=people.staff, winners=[first], now=decided)
        times["publicise"] = decided
    if "awarded" in stages:
        challenge.refresh_from_db()
        awarded = challenge.publicity_ends_at
        awards.challenge_award(challenge=challenge, by=None, now=awarded)
        for months, title in ((4, "焊接工艺方案评审与样件试焊"), (9, "工作站样机现场联调")):
            awards.milestone_add(
                challenge=challenge,
                by=issuer,
                title=title,
                due_on=timezone.localdate(awarded) + months * 30 * DAY,
            )
        times["award"] = awarded
    _redate(challenge, times)


def ensure_challenges(orgs: dict[str, Organisation]) -> int:
    """Add the demo challenges that are missing (by source need); returns how many were made."""
    people = _people()
    made = 0
    for spec in DEMO_CHALLENGES:
        need = Need.objects.filter(source_id=spec.need).first()
        if need is None or Challenge.objects.filter(source_need=need).exists():
            continue
        with transaction.atomic():
            _build(spec, need, orgs[spec.issuer], people)
        made += 1
    return made
