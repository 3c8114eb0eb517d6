"""The scoring rule of spec §4, tested on the pure module: weighted totals, the trimmed mean
from five experts on, conflicts, incomplete reviews and ties — all in exact Decimal."""

from decimal import Decimal

from marketplace.challenge_scoring import (
    combined_score,
    expert_total,
    rank_results,
    review_results,
)

WEIGHTS = {1: 50, 2: 30, 3: 20}


def scores(a, b, c):
    return {1: a, 2: b, 3: c}


def test_an_experts_total_is_the_weighted_sum_of_criterion_scores_on_a_100_scale():
    assert expert_total(WEIGHTS, scores(90, 80, 70)) == Decimal("83")
    assert expert_total(WEIGHTS, scores(100, 100, 100)) == Decimal("100")
    assert expert_total(WEIGHTS, scores(0, 0, 0)) == Decimal("0")


def test_weights_that_do_not_divide_evenly_keep_exact_cents():
    assert expert_total({1: 33, 2: 33, 3: 34}, scores(71, 0, 0)) == Decimal("23.43")


def test_a_review_missing_a_criterion_has_no_total():
    assert expert_total(WEIGHTS, {1: 90, 2: 80}) is None


def test_fewer_than_five_experts_give_the_plain_mean():
    score, trimmed = combined_score([Decimal("80"), Decimal("90"), Decimal("70"), Decimal("61")])
    assert (score, trimmed) == (Decimal("75.25"), False)


def test_from_five_experts_the_highest_and_lowest_totals_are_dropped():
    totals = [Decimal("99"), Decimal("80"), Decimal("82"), Decimal("84"), Decimal("10")]
    score, trimmed = combined_score(totals)
    assert trimmed is True
    assert score == Decimal("82.00")  # (80 + 82 + 84) / 3


def test_only_one_of_several_equal_extremes_is_dropped():
    totals = [Decimal("90"), Decimal("90"), Decimal("70"), Decimal("70"), Decimal("80")]
    assert combined_score(totals) == (Decimal("80.00"), True)  # (90 + 70 + 80) / 3


def test_the_result_is_rounded_half_up_to_cents():
    assert combined_score([Decimal("80"), Decimal("80"), Decimal("80.01")])[0] == Decimal("80.00")
    assert combined_score([Decimal("80.005"), Decimal("80.005")])[0] == Decimal("80.01")


def test_a_conflicted_expert_is_left_out_of_that_application_only():
    results = review_results(
        weights=WEIGHTS,
        applications=[10, 20],
        experts=[1, 2],
        scores={
            (1, 10): scores(90, 90, 90),
            (2, 10): scores(10, 10, 10),  # scored before declaring: ignored
            (1, 20): scores(50, 50, 50),
            (2, 20): scores(70, 70, 70),
        },
        conflicts=[(2, 10)],
    )
    by_id = {r.application_id: r for r in results}
    assert by_id[10].score == Decimal("90.00")
    assert (by_id[10].complete, by_id[10].conflicted) == (1, 1)
    assert by_id[20].score == Decimal("60.00")
    assert (by_id[20].complete, by_id[20].conflicted) == (2, 0)


def test_a_conflict_can_bring_an_application_below_five_counted_reviews_so_nothing_is_trimmed():
    experts = [1, 2, 3, 4, 5]
    given = {(e, 10): scores(s, s, s) for e, s in zip(experts, (100, 80, 80, 80, 0), strict=True)}
    trimmed = review_results(weights=WEIGHTS, applications=[10], experts=experts, scores=given)[0]
    assert (trimmed.score, trimmed.trimmed) == (Decimal("80.00"), True)
    plain = review_results(
        weights=WEIGHTS, applications=[10], experts=experts, scores=given, conflicts=[(5, 10)]
    )[0]
    assert (plain.score, plain.trimmed) == (Decimal("85.00"), False)


def test_incomplete_and_pending_reviews_are_counted_and_shown_not_scored():
    results = review_results(
        weights=WEIGHTS,
        applications=[10],
        experts=[1, 2, 3],
        scores={(1, 10): scores(80, 80, 80), (2, 10): {1: 100}},
    )
    result = results[0]
    assert result.score == Decimal("80.00")
    assert (result.complete, result.incomplete, result.pending) == (1, 1, 1)
    assert result.is_fully_reviewed is False


def test_an_application_nobody_has_fully_scored_has_no_result_and_comes_last():
    results = review_results(
        weights=WEIGHTS,
        applications=[10, 20],
        experts=[1],
        scores={(1, 10): {1: 100}, (1, 20): scores(40, 40, 40)},
    )
    assert [r.application_id for r in results] == [20, 10]
    assert results[1].score is None and results[1].rank is None


def test_equal_results_share_a_rank_and_are_flagged_as_tied():
    results = review_results(
        weights=WEIGHTS,
        applications=[10, 20, 30, 40],
        experts=[1],
        scores={
            (1, 10): scores(70, 70, 70),
            (1, 20): scores(90, 90, 90),
            (1, 30): scores(90, 90, 90),
            (1, 40): scores(60, 60, 60),
        },
    )
    ranks = [(r.application_id, r.rank, r.tied) for r in results]
    assert ranks == [(20, 1, True), (30, 1, True), (10, 3, False), (40, 4, False)]


def test_ranking_an_empty_list_is_an_empty_list():
    assert rank_results([]) == []
