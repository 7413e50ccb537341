"""Division and grid codes: validate_code accepts real GB/T 2260 codes and their children and refuses
wrong length, prefix, characters, province/city codes and zero serials; every demo code validates."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.hierarchy import services
from gridgov.hierarchy.codes import PROVINCES, SERIAL_DIGITS, CodeError, child_code, validate_code
from gridgov.hierarchy.models import Node


@pytest.mark.parametrize("kind, code, parent", [
    ("district", "150105", None),
    ("district", "140105", None),
    ("district", "530111", None),
    ("district", "110101", None),
    ("subdistrict", "140105001", "140105"),
    ("community", "140105001001", "140105001"),
    ("grid", "140105001001001", "140105001001"),
    ("residents_group", "530111002003004", "530111002003"),
    ("building", "140105001001001010", "140105001001001"),
    ("entrance", "14010500100100101002", "140105001001001010"),
    ("subdistrict", "140105999", "140105"),
])
def test_real_codes_are_accepted(kind, code, parent):
    assert validate_code(kind, code, parent) == code


def test_surrounding_whitespace_is_stripped():
    assert validate_code("district", " 140105\n") == "140105"


@pytest.mark.parametrize("kind, code, parent", [
    # wrong length
    ("district", "14010", None),
    ("district", "1401050", None),
    ("subdistrict", "14010501", "140105"),
    ("subdistrict", "1401050001", "140105"),
    ("grid", "1401050010011", "140105001001"),
    ("entrance", "140105001001001010001", "140105001001001010"),
    # wrong prefix: a child of another parent
    ("subdistrict", "140106001", "140105"),
    ("community", "140105002001", "140105001"),
    ("grid", "150105001001001", "140105001001"),
    # non-digits, including full-width digits that str.isdigit() accepts
    ("district", "14010a", None),
    ("district", "１４０１０５", None),
    ("subdistrict", "140105-01", "140105"),
    ("district", "", None),
    ("district", None, None),
    # province and city codes are not districts
    ("district", "140000", None),
    ("district", "140100", None),
    ("district", "530100", None),
    # unknown province
    ("district", "990105", None),
    ("district", "000105", None),
    # serial all zeros
    ("subdistrict", "140105000", "140105"),
    ("community", "140105001000", "140105001"),
    ("grid", "140105001001000", "140105001001"),
    ("entrance", "14010500100100101000", "140105001001001010"),
    # a level that does not exist, a child without a parent
    ("street", "140105001", "140105"),
    ("subdistrict", "140105001", None),
])
def test_wrong_codes_are_refused_with_a_message(kind, code, parent):
    with pytest.raises(CodeError) as raised:
        validate_code(kind, code, parent)
    assert str(raised.value)


DISTRICT_CODES = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCES)),
    st.integers(1, 9999).map("{:04d}".format).filter(lambda rest: rest[2:] != "00"),
)


@settings(max_examples=200)
@given(district=DISTRICT_CODES, serials=st.lists(st.integers(1, 99), min_size=1, max_size=5))
def test_child_code_makes_codes_that_validate_under_their_parent(district, serials):
    kinds = ["subdistrict", "community", "grid", "building", "entrance"]
    parent = validate_code("district", district)
    for kind, serial in zip(kinds, serials):
        code = child_code(parent, kind, serial)
        assert validate_code(kind, code, parent) == code
        assert len(code) == len(parent) + SERIAL_DIGITS[kind]
        parent = code


@settings(max_examples=200)
@given(district=DISTRICT_CODES, position=st.integers(0, 5), char=st.characters(exclude_categories=["Nd"]))
def test_any_non_digit_in_a_code_is_refused(district, position, char):
    code = district[:position] + char + district[position + 1:]
    with pytest.raises(CodeError):
        validate_code("district", code)


def test_every_demo_code_validates_against_its_parents_code(db):
    rows = list(Node.objects.order_by("path").values_list("path", "kind", "code"))
    code_by_path = {path: code for path, _, code in rows}
    wrong = []
    for path, kind, code in rows:
        parent = code_by_path.get(path[: -services.STEPLEN]) if len(path) > services.STEPLEN else None
        try:
            validate_code(kind, code, parent)
        except CodeError as exc:
            wrong.append((code, kind, parent, str(exc)))
    kinds = {kind for _, kind, _ in rows}
    assert {"district", "subdistrict", "community", "grid", "residents_group", "building", "entrance"} <= kinds
    assert wrong == []
