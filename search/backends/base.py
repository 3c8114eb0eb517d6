from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class SearchUnavailable(Exception):
    """The backend cannot answer now (e.g. Elasticsearch is down)."""


@dataclass
class SearchHit:
    id: int
    type: str
    title: str
    url: str
    score: float
    highlight: str = ""


@dataclass
class SearchResult:
    count: int
    hits: list[SearchHit]
    backend: str
    took_ms: int = 0
    notice: str = ""
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


Progress = Callable[[int, int], None]


class SearchBackend:
    name = "base"

    def search(self, q: str, *, types: list[str], page: int, page_size: int) -> SearchResult:
        raise NotImplementedError

    def index(self, type_name: str, ids: list[int]) -> None:
        """(Re)index these rows; rows no longer public are removed."""
        raise NotImplementedError

    def rebuild(self, progress: Progress | None = None) -> int:
        raise NotImplementedError

    def health(self) -> dict:
        raise NotImplementedError
