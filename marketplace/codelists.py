"""Vocabulary of the national technology-market statistics (spec §2).

The listings issue turns these into staff-editable code-list tables seeded
from here; until then the words below are the single source of the mappings.
"""

from __future__ import annotations

# Stage words people use → the TRL range they mean (GB/T 22900). Imports store
# the top of the range: a result that "passed the pilot test" is at least TRL 6.
MATURITY_TRL_RANGES: dict[str, tuple[int, int]] = {
    "研发阶段": (1, 3),
    "小试": (4, 5),
    "中试": (6, 6),
    "已有样品": (7, 7),
    "可量产": (8, 9),
}
MATURITY_SYNONYMS = {
    "正在研发": "研发阶段",
    "通过小试": "小试",
    "通过中试": "中试",
    "可以量产": "可量产",
    "产业化": "可量产",
}


def trl_for_stage(word: str) -> int | None:
    stage = MATURITY_SYNONYMS.get(word.strip(), word.strip())
    bounds = MATURITY_TRL_RANGES.get(stage)
    return bounds[1] if bounds else None


COOPERATION_MODES = [
    "技术转让",
    "技术许可",
    "作价入股",
    "合作开发",
    "委托开发",
    "技术咨询",
    "技术服务",
    "其他",
]
# Words used by the source site → our cooperation modes.
COOPERATION_SYNONYMS = {
    "完全转让": "技术转让",
    "许可转让": "技术许可",
    "技术入股": "作价入股",
    "合作生产": "合作开发",
}

IP_TYPES = [
    "发明专利",
    "实用新型",
    "外观设计",
    "软件著作权",
    "集成电路布图",
    "植物新品种",
    "技术秘密",
    "无",
]
IP_SYNONYMS = {"实用新型专利": "实用新型", "非专利技术": "技术秘密", "外观设计专利": "外观设计"}


def cooperation_modes_for(words: list[str]) -> list[str]:
    modes: list[str] = []
    for word in words:
        mode = COOPERATION_SYNONYMS.get(word, word)
        if mode in COOPERATION_MODES and mode not in modes:
            modes.append(mode)
    return modes


def ip_type_for(word: str | None) -> str:
    word = (word or "").strip()
    word = IP_SYNONYMS.get(word, word)
    return word if word in IP_TYPES else ""
