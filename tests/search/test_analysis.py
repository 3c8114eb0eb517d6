"""Text analysis shared by both backends (spec §5: segmentation, normalisation)."""

import pytest

from search import analysis


@pytest.fixture(autouse=True)
def _fresh_segmenter():
    analysis.reset()
    yield
    analysis.reset()


def test_technical_text_is_segmented_into_words_and_their_parts():
    words = analysis.words("锂离子电池正极材料的制备方法")
    # Search mode: the whole word (from the domain dictionary) and its parts.
    assert {"锂离子电池", "锂离子", "离子", "电池"} <= set(words)
    assert {"正极", "材料", "制备", "方法"} <= set(words)


def test_query_words_keep_words_whole():
    assert analysis.query_words("锂离子电池正极材料") == ["锂离子电池", "正极", "材料"]


def test_full_width_letters_digits_and_punctuation_become_half_width():
    assert analysis.normalise("ＭｏＯ３　薄膜，１２３％") == "moo3 薄膜,123%"
    assert "moo3" in analysis.words("ＭｏＯ３薄膜")


def test_traditional_chinese_is_simplified():
    assert analysis.normalise("鋰離子電池與記憶體") == "锂离子电池与记忆体"
    assert analysis.words("機器人焊接工藝") == analysis.words("机器人焊接工艺")


def test_case_is_folded():
    assert analysis.words("OLED Display") == analysis.words("oled display") == ["oled", "display"]


def test_html_is_stripped_and_entities_decoded():
    assert (
        analysis.normalise("<p>高导热</p><ul><li>薄膜 &amp; 涂层</li></ul>") == "高导热 薄膜 & 涂层"
    )


def test_stop_words_and_punctuation_are_dropped():
    words = analysis.words("本文提出了一种基于石墨烯的、高效的散热方法。")
    assert not {"的", "了", "一种", "本文", "基于", "、", "。", ","} & set(words)
    assert "散热" in words


def test_grams_are_cjk_characters_and_bigrams_without_stop_characters():
    assert analysis.grams("导热的膜") == ["导", "热", "膜", "导热", "热的", "的膜"]
    assert analysis.grams("OLED 5G") == []


def test_a_domain_dictionary_word_is_kept_whole(tmp_path, settings):
    assert "钙钛矿叠层组件" not in analysis.query_words("钙钛矿叠层组件的封装")
    dictionary = tmp_path / "domain.txt"
    dictionary.write_text("# our terms\n鈣鈦礦疊層組件 100\n", encoding="utf-8")  # traditional too
    settings.SEARCH_USER_DICTIONARY = str(dictionary)
    analysis.reset()
    assert analysis.query_words("钙钛矿叠层组件的封装") == ["钙钛矿叠层组件", "封装"]
    assert "钙钛矿叠层组件" in analysis.words("钙钛矿叠层组件的封装")


def test_the_bundled_dictionary_keeps_marketplace_terms_whole():
    assert "揭榜挂帅" in analysis.query_words("揭榜挂帅项目")
    assert "石墨烯" in analysis.query_words("石墨烯导热膜")
