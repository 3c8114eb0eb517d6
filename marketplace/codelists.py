"""Looking up code-list entries by the words people and source data use (spec §2).

One ``CodeBook`` loads every list once, so an import of thousands of rows
costs a handful of queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from marketplace.models import CooperationMode, Industry, IPType, MaturityStage, TechField
from marketplace.seeds.codelists_v1 import (
    SOURCE_FIELD_TO_NATIONAL,
    SOURCE_SUBFIELD_OVERRIDES,
)

_PUNCT = re.compile(r"[\s、，,（）()·]")


def _key(word: str) -> str:
    return _PUNCT.sub("", word or "")


@dataclass
class CodeBook:
    fields_by_name: dict[str, TechField] = field(default_factory=dict)
    subfields: dict[tuple[int, str], TechField] = field(default_factory=dict)
    industries: dict[tuple[int | None, str], Industry] = field(default_factory=dict)
    stages: dict[str, MaturityStage] = field(default_factory=dict)
    cooperation: dict[str, CooperationMode] = field(default_factory=dict)
    ip_types: dict[str, IPType] = field(default_factory=dict)

    @classmethod
    def load(cls) -> CodeBook:
        book = cls()
        for tf in TechField.objects.all():
            if tf.parent_id is None:
                book.fields_by_name[_key(tf.name)] = tf
            else:
                book.subfields[(tf.parent_id, _key(tf.name))] = tf
        for ind in Industry.objects.all():
            for word in [ind.name, *ind.aliases]:
                book.industries[(ind.parent_id, _key(word))] = ind
        for model, target in (
            (MaturityStage, book.stages),
            (CooperationMode, book.cooperation),
            (IPType, book.ip_types),
        ):
            for item in model.objects.all():
                for word in [item.name, *item.aliases]:
                    target[_key(word)] = item
        return book

    def tech_field(self, source_l1: str | None, source_l2: str | None = None) -> TechField | None:
        """The most specific field for a source label like 新材料 / 纳米材料及应用."""
        if not source_l1:
            return None
        national = SOURCE_SUBFIELD_OVERRIDES.get(
            (source_l1, source_l2), SOURCE_FIELD_TO_NATIONAL.get(source_l1, source_l1)
        )
        top = self.fields_by_name.get(_key(national))
        if top is None:
            return None
        if source_l2:
            return self.subfields.get((top.pk, _key(source_l2)), top)
        return top

    def industry(self, section: str | None, division: str | None = None) -> Industry | None:
        top = self.industries.get((None, _key(section or "")))
        if top is None:
            return None
        if division:
            return self.industries.get((top.pk, _key(division)), top)
        return top

    def trl(self, stage_word: str | None) -> int | None:
        stage = self.stages.get(_key(stage_word or ""))
        return stage.trl_max if stage else None

    def cooperation_modes(self, words: list[str]) -> list[CooperationMode]:
        modes: list[CooperationMode] = []
        for word in words:
            mode = self.cooperation.get(_key(word))
            if mode and mode not in modes:
                modes.append(mode)
        return modes

    def ip_type(self, word: str | None) -> IPType | None:
        return self.ip_types.get(_key(word or ""))
