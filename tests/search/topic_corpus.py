"""A corpus of three subjects for the topic re-ranking tests (search/topics.py)."""

from __future__ import annotations

import random

SUBJECTS = {
    "battery": ["锂电池", "正极", "负极", "电解液", "隔膜", "充电", "储能", "电芯"],
    "rice": ["水稻", "育种", "种子", "产量", "病虫害", "灌溉", "土壤", "施肥"],
    "robot": ["机器人", "焊接", "传感器", "控制器", "伺服", "视觉", "机械臂", "编程"],
}
# Both hold the query word 容量 once. The rice listing is a word shorter than any battery
# listing that says 容量, so its text score is the highest; the battery listings are what a
# searcher for 容量 means.
RICE_WITH_WORD = {"id": "rice-capacity", "title": "", "text": "容量，水稻，育种，种子，灌溉。"}
BATTERY_WITH_WORD = {
    "id": "battery-capacity",
    "title": "",
    "text": "容量，锂电池，正极，电解液，隔膜，充电。",
}


def subject_corpus(per_subject: int = 40) -> list[dict[str, str]]:
    """Listings of three subjects, each a few words of its own subject; some battery
    listings also say 容量 (capacity), which is what tells the model it is a battery word."""
    rng = random.Random(7)
    corpus = [RICE_WITH_WORD, BATTERY_WITH_WORD]
    for subject, words in SUBJECTS.items():
        for n in range(per_subject):
            chosen = rng.sample(words, 5)
            if subject == "battery" and n % 2 == 0:
                chosen.append("容量")
            corpus.append({"id": f"{subject}-{n}", "title": "", "text": "，".join(chosen) + "。"})
    return corpus


def search_ids(backend, corpus, q: str, *, page: int = 1, page_size: int = 10) -> list[str]:
    result = backend.search(q, types=["achievement"], page=page, page_size=page_size)
    return [corpus[h.id - 1]["id"] for h in result.hits]
