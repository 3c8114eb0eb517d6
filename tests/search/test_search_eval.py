"""manage.py search_eval (spec §10) on a benchmark small enough to check by hand."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from search.backends import get_backend
from search.evaluation import query_metrics
from search.models import SearchEntry
from tests import factories

pytestmark = pytest.mark.django_db

CORPUS = [
    {"id": "d1", "title": "石墨烯导热膜", "text": "石墨烯薄膜用于散热。"},
    {"id": "d2", "title": "水稻栽培", "text": "提高水稻产量。"},
    {"id": "d3", "title": "锂电池回收", "text": "湿法回收有价金属。"},
    {"id": "d4", "title": "机器人焊接", "text": "焊接工作站。"},
]
QUERIES = [
    {"qid": "q1", "text": "水稻", "type": "achievement", "exclude": []},
    {"qid": "q2", "text": "锂电池 回收", "type": "achievement", "exclude": []},
    {"qid": "q3", "text": "焊接", "type": "achievement", "exclude": ["d4"]},
    {"qid": "q4", "text": "水稻 石墨烯", "type": "achievement", "exclude": []},  # no qrels
]
QRELS = [("q1", "d2", 1), ("q2", "d3", 2), ("q2", "d1", 1), ("q3", "d4", 1), ("q3", "d2", 1)]


@pytest.fixture
def benchmark(tmp_path):
    import gzip

    with gzip.open(tmp_path / "corpus.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in CORPUS)
    (tmp_path / "queries.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUERIES), encoding="utf-8"
    )
    (tmp_path / "qrels.tsv").write_text("".join(f"{q}\t{d}\t{g}\n" for q, d, g in QRELS))
    return tmp_path


def run_eval(path, *extra, corpus_name: str = "corpus.jsonl.gz") -> dict:
    out = io.StringIO()
    call_command(
        "search_eval",
        "--corpus",
        str(path / corpus_name),
        "--queries",
        str(path / "queries.jsonl"),
        "--qrels",
        str(path / "qrels.tsv"),
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_metrics_are_exact_on_a_hand_checked_benchmark(benchmark):
    result = run_eval(benchmark, "--backend", "database")
    # q1: d2 first → 1, 1, 1.  q2: only d3 (grade 2) found → MRR 1, Recall 1/1,
    # nDCG 2 / (2 + 1/log2 3) = 0.7602.  q3: d4 excluded, d2 not found → 0, 0, 0.
    # q4 has no judgements and does not count.
    assert result["queries"] == 3
    assert result["MRR@10"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["Recall@10"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["nDCG@10"] == pytest.approx((1 + 2 / (2 + 1 / 1.5849625)) / 3, abs=1e-4)
    assert result["backend"] == "database" and result["mode"] == "search" and result["k"] == 10
    assert result["p50_ms"] >= 0 and result["p95_ms"] >= result["p50_ms"]


def test_metric_definitions():
    grades = {"a": 2, "b": 1, "c": 2}
    m = query_metrics(["x", "b", "a", "y"], grades, k=3)
    assert m["MRR@3"] == pytest.approx(1 / 3)  # b is not of the highest grade
    assert m["Recall@3"] == pytest.approx(1 / 2)  # a of {a, c}
    dcg = 1 / 1.5849625 + 2 / 2
    idcg = 2 + 2 / 1.5849625 + 1 / 2
    assert m["nDCG@3"] == pytest.approx(dcg / idcg)


def test_the_run_file_is_trec_format_with_at_most_k_lines_per_query(benchmark, tmp_path):
    run_file = tmp_path / "run.txt"
    run_eval(benchmark, "--backend", "database", "--k", "1", "--run", str(run_file))
    lines = [line.split() for line in run_file.read_text().splitlines()]
    assert [(f[0], f[1], f[2], f[3], f[5]) for f in lines] == [
        ("q1", "Q0", "d2", "1", "kechuang-database-search"),
        ("q2", "Q0", "d3", "1", "kechuang-database-search"),
        ("q4", "Q0", lines[2][2], "1", "kechuang-database-search"),
    ]
    assert all(float(f[4]) > 0 for f in lines)
    run_eval(benchmark, "--backend", "database", "--k", "2", "--run", str(run_file))
    q4 = [f for f in (line.split() for line in run_file.read_text().splitlines()) if f[0] == "q4"]
    assert sorted(f[2] for f in q4) == ["d1", "d2"] and [f[3] for f in q4] == ["1", "2"]


def test_match_mode_reads_the_query_as_a_description(benchmark):
    result = run_eval(benchmark, "--backend", "database", "--mode", "match")
    assert result["mode"] == "match"
    assert result["MRR@10"] == pytest.approx(2 / 3, abs=1e-4)


def _temporary_tables() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'")
        else:
            cursor.execute("SELECT relname FROM pg_class WHERE relpersistence = 't'")
        return [r[0] for r in cursor.fetchall()]


def test_the_site_search_data_is_left_alone(benchmark, settings):
    settings.SEARCH_BACKEND = "database"
    org = factories.organisation()
    item = factories.achievement(org, title="水稻抗倒伏栽培技术", summary="提高水稻产量。")
    get_backend("database").rebuild()
    before = list(SearchEntry.objects.values_list("doc_type", "object_id", "words"))
    temporary = _temporary_tables()

    run_eval(benchmark, "--backend", "database")

    assert list(SearchEntry.objects.values_list("doc_type", "object_id", "words")) == before
    assert _temporary_tables() == temporary
    from search import service

    assert [h.id for h in service.search("水稻").hits] == [item.pk]
