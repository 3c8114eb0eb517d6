"""GB 32100-2015 unified social credit codes: real codes pass, any one-character change fails."""

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import CREDIT_CODE_ALPHABET, validate_credit_code, validate_region_code

REAL_CODES = [
    "91110000802100433B",
    "91330100799655058B",
    "91440300708461136T",
    "914403001922038216",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_accepted(code):
    validate_credit_code(code)


def test_lower_case_and_full_width_input_is_accepted():
    validate_credit_code("91330100799655058b")
    validate_credit_code("９１３３０１００７９９６５５０５８Ｂ")


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_change_is_rejected(code):
    rejected = 0
    for position in range(18):
        for replacement in CREDIT_CODE_ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(ValidationError):
                validate_credit_code(changed)
            rejected += 1
    assert rejected == 18 * (len(CREDIT_CODE_ALPHABET) - 1)


def test_wrong_check_character_message_is_specific():
    with pytest.raises(ValidationError) as info:
        validate_credit_code("91330100799655058C")
    assert info.value.code == "check"
    assert "校验位" in info.value.messages[0]


@pytest.mark.parametrize("bad", ["9133010079965505", "91330100799655058BX", "91330100799655058I"])
def test_wrong_length_or_letters_are_rejected(bad):
    with pytest.raises(ValidationError):
        validate_credit_code(bad)


@pytest.mark.parametrize("good", ["330302", "330302001", "330302001002"])
def test_region_codes_of_district_and_street_levels_are_accepted(good):
    validate_region_code(good)


@pytest.mark.parametrize("bad", ["33030", "3303021", "abcdef", "030302"])
def test_malformed_region_codes_are_rejected(bad):
    with pytest.raises(ValidationError):
        validate_region_code(bad)
