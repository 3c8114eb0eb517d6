"""Snippets: the words a search found, marked in the listing's own text, wherever they are."""

import pytest

from search import highlight, service
from search.highlight import snippet
from tests import factories

FILLER = "本项目面向制造企业开展工艺改进与质量提升工作，" * 60  # about 1,400 characters


def test_the_first_match_is_marked_in_a_window_of_the_original_text():
    text = "一种石墨烯导热膜的制备方法，导热系数高。"
    assert snippet(text, ["石墨烯", "导热"]) == (
        "一种<mark>石墨烯</mark><mark>导热</mark>膜的制备方法，<mark>导热</mark>系数高。"
    )


def test_full_width_traditional_and_upper_case_text_is_marked_as_written():
    assert snippet("ＡＢＣ石墨烯導熱膜", ["abc", "导热"]) == (
        "<mark>ＡＢＣ</mark>石墨烯<mark>導熱</mark>膜"
    )


def test_a_match_far_into_a_long_text_is_found_and_shown():
    text = FILLER + "关键在于石墨烯导热膜的取向。" + FILLER
    shown = snippet(text, ["石墨烯"])
    assert "<mark>石墨烯</mark>" in shown
    assert shown.startswith("…") and shown.endswith("…")


@pytest.mark.parametrize("prefix", [4, 16, 50, 100])
def test_reading_a_prefix_first_never_changes_the_snippet(monkeypatch, prefix):
    """A long text is searched from a prefix first; the cut may fall inside a match or
    next to one a longer term would displace, and the snippet must stay the same."""
    texts = [
        FILLER[:90] + "锂离子电池正极材料" + FILLER[:200],
        "电池" * 30 + "锂离子电池" + FILLER[:120],
        FILLER[:35] + "質量提升" + FILLER,
        FILLER,
        # The window around 石墨烯 ends at 100, inside 锂离子电池, which displaces 离子.
        "的" * 40 + "石墨烯" + "的" * 53 + "锂离子电池" + "的" * 200,
    ]
    term_sets = [
        ["锂离子电池", "电池", "锂离子"],
        ["电池", "池正"],
        ["质量", "提升工作"],
        ["不在文中"],
        ["石墨烯", "锂离子电池", "离子"],
    ]

    def both(text, terms):  # the terms as words, and as the fallback of an absent word
        return snippet(text, terms), snippet(text, ["不在文中"], fallback=terms)

    monkeypatch.setattr(highlight, "PREFIX", 10**9)  # the whole text at once
    expected = {(t, tuple(terms)): both(t, terms) for t in texts for terms in term_sets}
    monkeypatch.setattr(highlight, "PREFIX", prefix)
    for (text, terms), whole in expected.items():
        assert both(text, list(terms)) == whole


def test_a_text_without_the_query_words_has_the_query_s_bigrams_marked():
    text = "本发明公开了一种钙钛矿薄膜的制作方法，可用于叠层太阳能电池。"
    assert snippet(text, ["钙钛矿叠层"]) == text  # the word is nowhere: nothing to mark
    assert snippet(text, ["钙钛矿叠层"], fallback=["钙钛", "钛矿", "矿叠", "叠层"]) == (
        "本发明公开了一种<mark>钙钛矿</mark>薄膜的制作方法，可用于<mark>叠层</mark>太阳能电池。"
    )


@pytest.mark.django_db
def test_a_listing_found_by_characters_alone_shows_them_marked(django_capture_on_commit_callbacks):
    org = factories.organisation()
    with django_capture_on_commit_callbacks(execute=True):
        listing = factories.achievement(
            org, title="高镍正极材料", summary="用于锂离子电池的高镍正极材料。"
        )
    result = service.search("锂电池")  # one word the listing does not hold
    assert [h.id for h in result.hits] == [listing.pk]
    assert "<mark>电池</mark>" in result.hits[0].highlight
