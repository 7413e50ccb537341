"""Personal data: GB 11643-1999 ID-number and phone validation, masking, and ID-number generation.
Masked values are what every list, page, API answer and export shows unless a reveal is logged."""
import datetime
import re

from django.utils.translation import gettext as _

# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landline: area code 0 + 2–3 digits, optional hyphen, 7–8 digit number.
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class PersonalDataError(ValueError):
    """A malformed ID number or phone; the message is for the user."""


def check_char(first17):
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def normalise_id(value):
    return (value or "").strip().upper()


def validate_id_number(value):
    """Return the normalised ID number or raise PersonalDataError with a Chinese message."""
    value = normalise_id(value)
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise PersonalDataError(_("An ID number has 18 characters: 17 digits and a digit or X."))
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise PersonalDataError(_("The date of birth in the ID number is not a real date."))
    if birth.year < 1900 or birth > datetime.date.today():
        raise PersonalDataError(_("The date of birth in the ID number is out of range."))
    if check_char(value[:17]) != value[17]:
        raise PersonalDataError(_("The check digit of the ID number is wrong (GB 11643)."))
    return value


def is_valid_id_number(value):
    try:
        validate_id_number(value)
    except PersonalDataError:
        return False
    return True


def birth_and_gender(id_number):
    """(date of birth, "M"/"F") read from a valid ID number: the 17th digit is odd for men."""
    birth = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return birth, ("M" if int(id_number[16]) % 2 else "F")


def validate_phone(value):
    value = re.sub(r"[\s]", "", value or "")
    if _MOBILE.match(value) or _LANDLINE.match(value):
        return value
    raise PersonalDataError(_("A phone number is an 11-digit mobile number or a landline with area code."))


def make_id_number(region, birth, serial):
    """A valid ID number for `region` (6 digits), `birth` and a 3-digit `serial` (odd = male)."""
    first17 = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_char(first17)


def mask_id(value):
    """1501**********123X: the region's first 4 and the last 4 stay, the birth date is hidden."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value):
    """138****1234 for a mobile; landlines keep the area code and last 4 digits."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


MASKERS = {"id_number": mask_id, "phone": mask_phone}
