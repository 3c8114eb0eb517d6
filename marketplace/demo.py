"""The demo corpus: organisations, people for every role, and the real public listings.

The listings are the public 科技成果 / 技术需求 advertisements collected by the
Apache-2.0 project sbx0/Zhibei from 51jishu.com (Dec 2019 – Mar 2020); see
NOTICE. They are bundled, compressed, in ``demo_data/`` because a fresh machine
has no ``../shared``. Everything here is safe to run twice.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, Role, User, VerificationStatus
from accounts.services import membership_add
from accounts.validators import credit_code_check_char, org_code_check_char
from marketplace.codelists import CodeBook
from marketplace.models import (
    Achievement,
    ContractSource,
    ContractType,
    IPItem,
    ListingStatus,
    Need,
    TechContract,
)

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
DEMO_PASSWORD = "demo-pass-2024"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_credit_code(kind_prefix: str, region: str, serial: str) -> str:
    """A code with correct check characters (for demo organisations only)."""
    org = serial[:8]
    org += org_code_check_char(org)
    first17 = kind_prefix + region + org
    return first17 + credit_code_check_char(first17)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    kind: str
    region: str
    prefix: str  # 登记管理部门 + 机构类别: 12 = 事业单位, 91 = 企业, 11 = 机关


DEMO_ORGS = [
    DemoOrg("uni1", "瓯江大学（演示）", OrganisationKind.UNIVERSITY, "330302", "12"),
    DemoOrg("uni2", "东海理工大学（演示）", OrganisationKind.UNIVERSITY, "330106", "12"),
    DemoOrg("inst1", "浙南工业技术研究院（演示）", OrganisationKind.INSTITUTE, "330302", "12"),
    DemoOrg("inst2", "江南农业科学研究院（演示）", OrganisationKind.INSTITUTE, "320106", "12"),
    DemoOrg("uni3", "华东海洋大学（演示）", OrganisationKind.UNIVERSITY, "310115", "12"),
    DemoOrg("ent1", "鹿城智能装备有限公司（演示）", OrganisationKind.ENTERPRISE, "330302", "91"),
    DemoOrg("ent2", "瓯越新材料科技有限公司（演示）", OrganisationKind.ENTERPRISE, "330304", "91"),
    DemoOrg("ent3", "温瑞电子信息有限公司（演示）", OrganisationKind.ENTERPRISE, "330302", "91"),
    DemoOrg(
        "ent4", "浙南生物医药股份有限公司（演示）", OrganisationKind.ENTERPRISE, "330303", "91"
    ),
    DemoOrg(
        "ent5", "瓯海现代农业发展有限公司（演示）", OrganisationKind.ENTERPRISE, "330304", "91"
    ),
    DemoOrg("ent6", "杭州云启软件有限公司（演示）", OrganisationKind.ENTERPRISE, "330106", "91"),
    DemoOrg(
        "agency", "鹿城区技术转移服务中心（演示）", OrganisationKind.SERVICE_AGENCY, "330302", "12"
    ),
    DemoOrg(
        "bureau", "温州市鹿城区科学技术局（演示）", OrganisationKind.GOVERNMENT, "330302", "11"
    ),
]
SUPPLIERS = ["uni1", "uni2", "inst1", "inst2", "uni3"]
DEMANDERS = ["ent1", "ent2", "ent3", "ent4", "ent5", "ent6"]

# Spec §10: exactly these accounts, one per role (two researchers, two companies).
DEMO_ACCOUNTS = [
    ("researcher@demo.local", "张研", "uni1", Role.RESEARCHER),
    ("researcher2@demo.local", "李工", "uni2", Role.RESEARCHER),
    ("enterprise@demo.local", "王企", "ent1", Role.ENTERPRISE_MEMBER),
    ("enterprise2@demo.local", "赵总", "ent2", Role.ENTERPRISE_MEMBER),
    ("broker@demo.local", "陈经纪", "agency", Role.BROKER),
    ("expert@demo.local", "周专家", "inst1", Role.EXPERT),
    ("staff@demo.local", "刘科员", "bureau", Role.BUREAU_STAFF),
]


def read_jsonl_gz(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _owner_key(source_id: str, keys: list[str]) -> str:
    digest = int(hashlib.sha1(source_id.encode()).hexdigest()[:8], 16)
    return keys[digest % len(keys)]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _published_at(value: str | None) -> dt.datetime:
    day = _date(value) or dt.date(2020, 1, 1)
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI)


@transaction.atomic
def ensure_organisations() -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for spec in DEMO_ORGS:
        serial = hashlib.sha1(spec.key.encode()).hexdigest().upper()
        serial = "".join(c for c in serial if c.isdigit())[:8].ljust(8, "7")
        org, created = Organisation.objects.get_or_create(
            name=spec.name,
            defaults={
                "kind": spec.kind,
                "region_code": spec.region,
                "credit_code": make_credit_code(spec.prefix, spec.region, serial),
                "description": "演示机构，名称与信息均为虚构。",
                "status": VerificationStatus.VERIFIED,
                "verified_at": timezone.now(),
            },
        )
        if created:
            org.full_clean()
        orgs[spec.key] = org
    return orgs


@transaction.atomic
def ensure_accounts(orgs: dict[str, Organisation]) -> list[tuple[str, str, str]]:
    created_rows = []
    for email, name, org_key, role in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        membership_add(user=user, organisation=orgs[org_key], role=role, is_admin=True)
        created_rows.append((email, str(Role(role).label), orgs[org_key].name))
    return created_rows


def _achievement(record: dict, org: Organisation, book: CodeBook) -> Achievement:
    achievement = Achievement(
        organisation=org,
        title=record["title"][:200],
        summary=record["abstract"],
        tech_field=book.tech_field(record.get("tech_field_l1"), record.get("tech_field_l2")),
        industry=book.industry(record.get("industry_l1"), record.get("industry_l2")),
        keywords=record.get("keywords") or [],
        trl=book.trl(record.get("maturity")),
        price=None,  # every source listing says 面议
        application_scope=record.get("application_scope") or "",
        status=ListingStatus.PUBLISHED,
        source_id=record["id"],
        published_at=_published_at(record.get("post_date")),
    )
    achievement._modes = book.cooperation_modes(record.get("cooperation") or [])
    achievement._ip_type = book.ip_type(record.get("ip_type"))
    return achievement


def _need(record: dict, org: Organisation, book: CodeBook, today: dt.date) -> Need:
    # Demo validity is re-dated from today with the source's own duration, so
    # the demo's needs are not all expired; published_at keeps the source date.
    start, end = _date(record.get("valid_from")), _date(record.get("valid_to"))
    days = (end - start).days if start and end and end > start else 365
    need = Need(
        organisation=org,
        title=record["title"][:200],
        description=record["description"],
        industry=book.industry(record.get("industry_l1")),
        status=ListingStatus.PUBLISHED,
        source_id=record["id"],
        published_at=_published_at(record.get("post_date")),
        valid_from=today,
        valid_until=today + dt.timedelta(days=max(days, 90)),
    )
    need._modes = book.cooperation_modes(record.get("cooperation") or [])
    return need


def _bulk_insert(model, rows: list) -> None:
    """bulk_create, then the many-to-many rows and IP items the objects carry."""
    model.objects.bulk_create(rows, batch_size=500)
    through = model.cooperation_modes.through
    field = f"{model._meta.model_name}_id"
    through.objects.bulk_create(
        [
            through(**{field: row.pk, "cooperationmode_id": m.pk})
            for row in rows
            for m in row._modes
        ],
        batch_size=1000,
    )
    if model is Achievement:
        IPItem.objects.bulk_create(
            [IPItem(achievement_id=r.pk, ip_type=r._ip_type) for r in rows if r._ip_type],
            batch_size=1000,
        )


def load_listings(orgs: dict[str, Organisation]) -> dict[str, int]:
    """Bulk-load the corpus; rows already present (by source_id) are left alone."""
    book = CodeBook.load()
    today = timezone.localdate()
    have_a = set(Achievement.objects.exclude(source_id="").values_list("source_id", flat=True))
    have_n = set(Need.objects.exclude(source_id="").values_list("source_id", flat=True))
    new_a = [
        _achievement(r, orgs[_owner_key(r["id"], SUPPLIERS)], book)
        for r in read_jsonl_gz(DATA_DIR / "techmarket_achievements.jsonl.gz")
        if r["id"] not in have_a
    ]
    new_n = [
        _need(r, orgs[_owner_key(r["id"], DEMANDERS)], book, today)
        for r in read_jsonl_gz(DATA_DIR / "techmarket_needs.jsonl.gz")
        if r["id"] not in have_n
    ]
    with transaction.atomic():
        _bulk_insert(Achievement, new_a)
        _bulk_insert(Need, new_n)
    return {"achievements": len(new_a), "needs": len(new_n)}


DRAFT_ACHIEVEMENTS = [
    (
        "基于机器视觉的零件表面缺陷检测方法（草稿）",
        "利用深度学习识别金属零件表面划痕与凹坑，尚在整理实验数据。",
    ),
    ("低温固化导电银浆制备工艺（草稿）", "面向柔性电路的低温固化银浆配方，待补充性能测试报告。"),
]
DRAFT_NEEDS = [
    (
        "注塑件翘曲变形控制技术（草稿）",
        "我司汽车内饰注塑件存在翘曲问题，需优化模具与工艺参数，指标待定。",
    ),
    (
        "生产线能耗在线监测系统（草稿）",
        "希望对空压机与烘箱能耗进行实时监测与分析，预算待内部审批。",
    ),
]


@transaction.atomic
def ensure_drafts(orgs: dict[str, Organisation]) -> None:
    """Each demo persona's organisation owns drafts besides its published listings."""
    for key in ("uni1", "uni2", "inst1"):
        for i, (title, summary) in enumerate(DRAFT_ACHIEVEMENTS):
            Achievement.objects.get_or_create(
                source_id=f"demo-draft-{key}-{i}",
                defaults={"organisation": orgs[key], "title": title, "summary": summary},
            )
    for key in ("ent1", "ent2"):
        for i, (title, description) in enumerate(DRAFT_NEEDS):
            Need.objects.get_or_create(
                source_id=f"demo-draft-{key}-{i}",
                defaults={"organisation": orgs[key], "title": title, "description": description},
            )


# --- generated listings for load tests (seed_demo --size N) -------------------------------
GENERATED_NEED_SHARE = 0.4  # the rest are achievements
GENERATED_BATCH = 5000
_SENTENCE_END = re.compile(r"(?<=[。；！？!?;])")
TITLE_PREFIXES = ["", "", "", "一种", "新型", "高效", "低成本", "智能", "绿色", "基于{kw}的"]
NEED_PREFIXES = ["", "", "", "寻求", "急需", "征集", "关于{kw}的"]
PRICES_WAN = [5, 10, 20, 30, 50, 80, 100, 150, 200, 300, 500, 800]


def _sentences(texts: list[str]) -> list[str]:
    """Whole sentences of the corpus, the stuff generated listings are made of."""
    out = []
    for text in texts:
        out += [p.strip() for p in _SENTENCE_END.split(text or "") if 8 <= len(p.strip()) <= 160]
    return out


@dataclass
class _Corpus:
    """The real corpus, cut into parts a generator recombines (loaded once per run)."""

    achievements: list[dict]
    needs: list[dict]
    supply_sentences: list[str]
    demand_sentences: list[str]
    keywords: list[str]

    @classmethod
    def load(cls) -> _Corpus:
        achievements = list(read_jsonl_gz(DATA_DIR / "techmarket_achievements.jsonl.gz"))
        needs = list(read_jsonl_gz(DATA_DIR / "techmarket_needs.jsonl.gz"))
        # The corpus has no keywords of its own: its subfield names read like them.
        keywords = sorted(
            {k for r in achievements for k in (r.get("keywords") or []) if 2 <= len(k) <= 8}
            | {
                r["tech_field_l2"]
                for r in achievements
                if 2 <= len(r.get("tech_field_l2") or "") <= 8
            }
        )
        return cls(
            achievements=achievements,
            needs=needs,
            supply_sentences=_sentences([r["abstract"] for r in achievements]),
            demand_sentences=_sentences([r["description"] for r in needs]),
            keywords=keywords or ["新材料"],
        )


def _generated_achievement(i: int, corpus: _Corpus, orgs, book: CodeBook) -> Achievement:
    rng = random.Random(f"a{i}")  # the same listing for the same number, run after run
    base = rng.choice(corpus.achievements)
    prefix = rng.choice(TITLE_PREFIXES).format(kw=rng.choice(corpus.keywords))
    text = [base["abstract"], *rng.sample(corpus.supply_sentences, rng.randint(2, 5))]
    source_id = f"gen-{i:07d}"
    achievement = _achievement(
        dict(
            base,
            id=source_id,
            title=f"{prefix}{base['title']}"[:200],
            abstract="".join(text),
            keywords=rng.sample(corpus.keywords, rng.randint(0, 5)),
        ),
        orgs[_owner_key(source_id, SUPPLIERS)],
        book,
    )
    achievement.trl = achievement.trl or rng.randint(3, 9)
    if rng.random() < 0.6:  # the rest stay 面议
        achievement.price = Decimal(rng.choice(PRICES_WAN) * 10000)
    achievement.published_at = _generated_date(rng)
    return achievement


def _generated_need(i: int, corpus: _Corpus, orgs, book: CodeBook, today: dt.date) -> Need:
    rng = random.Random(f"n{i}")
    base = rng.choice(corpus.needs)
    prefix = rng.choice(NEED_PREFIXES).format(kw=rng.choice(corpus.keywords))
    text = [base["description"], *rng.sample(corpus.demand_sentences, rng.randint(1, 4))]
    source_id = f"gen-n{i:07d}"
    need = _need(
        dict(base, id=source_id, title=f"{prefix}{base['title']}"[:200], description="".join(text)),
        orgs[_owner_key(source_id, DEMANDERS)],
        book,
        today,
    )
    need.keywords = rng.sample(corpus.keywords, rng.randint(0, 4))
    if rng.random() < 0.6:
        low = rng.choice(PRICES_WAN) * 10000
        need.budget_min, need.budget_max = Decimal(low), Decimal(low * rng.choice([2, 3, 5]))
    need.published_at = _generated_date(rng)
    return need


def _generated_date(rng: random.Random) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=rng.randint(1, 730))
    return dt.datetime.combine(day, dt.time(rng.randint(8, 18), 0), tzinfo=SHANGHAI)


def generate_extra(orgs: dict[str, Organisation], size: int) -> int:
    """N extra published listings for load tests (60 % achievements, 40 % needs), each
    recombined from the real corpus: a listing's own text plus sentences and keywords of
    others, so the words vary the way real ones do. Bulk-inserted in batches; indexed in bulk
    afterwards by ``search_index --rebuild``. Running it twice adds nothing."""
    if size <= 0:
        return 0
    book, corpus, today = CodeBook.load(), _Corpus.load(), timezone.localdate()
    have = set(
        Achievement.objects.filter(source_id__startswith="gen-").values_list("source_id", flat=True)
    )
    have |= set(
        Need.objects.filter(source_id__startswith="gen-").values_list("source_id", flat=True)
    )
    n_needs = round(size * GENERATED_NEED_SHARE)
    made = 0
    for start in range(0, size, GENERATED_BATCH):
        achievements, needs = [], []
        for i in range(start, min(size, start + GENERATED_BATCH)):
            # Every k-th number is a need, so any size keeps the share.
            if i * n_needs // size != (i + 1) * n_needs // size:
                if f"gen-n{i:07d}" not in have:
                    needs.append(_generated_need(i, corpus, orgs, book, today))
            elif f"gen-{i:07d}" not in have:
                achievements.append(_generated_achievement(i, corpus, orgs, book))
        with transaction.atomic():
            _bulk_insert(Achievement, achievements)
            _bulk_insert(Need, needs)
        made += len(achievements) + len(needs)
    return made


CONTRACT_TYPES = [
    ContractType.DEVELOPMENT_COMMISSIONED,
    ContractType.TRANSFER,
    ContractType.LICENSING,
    ContractType.SERVICE,
    ContractType.CONSULTING,
    ContractType.DEVELOPMENT_COOPERATIVE,
]
CONTRACT_PAIRS = [  # (seller, buyer): supply side sells technology to companies
    ("uni1", "ent1"),
    ("inst1", "ent3"),
    ("uni2", "ent2"),
    ("inst2", "ent5"),
    ("uni3", "ent4"),
    ("uni1", "ent6"),
    ("agency", "ent1"),
    ("inst1", "ent2"),
]


def ensure_contracts(orgs: dict[str, Organisation]) -> int:
    """Registered demo contracts from January 2024 to last month, some pending (spec §10).

    Amounts are fictitious; numbers are DEMO-… so they never clash with real imports.
    """
    from marketplace.services import contracts as contract_services

    today = timezone.localdate()
    staff = User.objects.get(email="staff@demo.local")
    made = 0
    month = dt.date(2024, 1, 1)
    i = 0
    while month < today.replace(day=1):
        for k in range(2):
            i += 1
            number = f"DEMO-{month:%Y%m}-{k + 1:02d}"
            if TechContract.objects.filter(contract_no=number).exists():
                continue
            seller, buyer = (orgs[key] for key in CONTRACT_PAIRS[i % len(CONTRACT_PAIRS)])
            amount = Decimal(180_000 + (i * 7919) % 40 * 25_000)
            with transaction.atomic():
                contract = contract_services.contract_create(
                    data={
                        "contract_no": number,
                        "title": f"演示合同：{seller.name[:6]}向{buyer.name[:6]}提供技术（{i}）",
                        "contract_type": CONTRACT_TYPES[i % len(CONTRACT_TYPES)],
                        "seller_name": seller.name,
                        "seller_credit_code": seller.credit_code,
                        "seller_region": seller.region_code,
                        "buyer_name": buyer.name,
                        "buyer_credit_code": buyer.credit_code,
                        "buyer_region": buyer.region_code,
                        "signed_on": month + dt.timedelta(days=3 + k * 9),
                        "contract_amount": amount,
                        "tech_amount": (amount * Decimal("0.85")).quantize(Decimal("0.01")),
                    },
                    by=staff,
                    source=ContractSource.OFFLINE,
                )
                contract_services.contract_submit(contract=contract, by=staff)
                last_month = month.year == today.year and month.month == today.month - 1
                if not (last_month and k == 1):  # one stays pending for the review queue
                    contract_services.contract_register(
                        contract=contract,
                        registration_no=f"{month:%Y%m}330302{i:04d}",
                        registered_on=month + dt.timedelta(days=12 + k * 9),
                        by=staff,
                    )
            made += 1
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return made


def ensure_deal(orgs: dict[str, Organisation]) -> None:
    """One deal under negotiation: enterprise@ asks about a 瓯江大学 achievement."""
    from marketplace.models import Deal
    from marketplace.services import deals as deal_services

    listing = (
        Achievement.objects.filter(organisation=orgs["uni1"], status=ListingStatus.PUBLISHED)
        .order_by("-published_at", "id")
        .first()
    )
    if listing is None or Deal.objects.filter(achievement=listing).exists():
        return
    enterprise = User.objects.get(email="enterprise@demo.local")
    researcher = User.objects.get(email="researcher@demo.local")
    with transaction.atomic():
        deal = deal_services.deal_open(
            listing=listing,
            by=enterprise,
            message="您好，我司对该成果很感兴趣，希望了解技术转让的条件和报价。",
        )
        deal_services.deal_accept(deal=deal, by=researcher)
        deal_services.deal_post_message(
            deal=deal, by=researcher, body="感谢关注。可以先安排一次线上交流，介绍技术细节。"
        )


def seed(size: int = 0) -> dict:
    orgs = ensure_organisations()
    accounts = ensure_accounts(orgs)
    loaded = load_listings(orgs)
    ensure_drafts(orgs)
    loaded["generated"] = generate_extra(orgs, size)
    loaded["contracts"] = ensure_contracts(orgs)
    ensure_deal(orgs)
    from marketplace.demo_challenges import ensure_challenges  # 揭榜挂帅 (spec §4)

    loaded["challenges"] = ensure_challenges(orgs)
    return {"accounts": accounts, "loaded": loaded}
