"""Division and grid codes: GB/T 2260 for district (6), subdistrict (9) and community (12 digits);
grid cells in the GB/T 30428.1 style (community code + 3-digit serial); buildings +3, entrances +2."""
from django.utils.translation import gettext as _

# Province-level prefixes of GB/T 2260 (the first two digits of every division code).
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}

# kind -> number of digits the kind adds to its parent's code
SERIAL_DIGITS = {
    "subdistrict": 3,
    "community": 3,
    "grid": 3,
    "residents_group": 3,
    "building": 3,
    "entrance": 2,
}


class CodeError(ValueError):
    """A code that does not follow the rules for its kind; the message is for the user."""


def validate_code(kind, code, parent_code=None):
    """Raise CodeError with a Chinese message when `code` is not a valid code for `kind`."""
    code = (code or "").strip()
    if not code.isdigit() or not code.isascii():
        raise CodeError(_("Code “%(code)s” must consist of digits only.") % {"code": code})
    if kind == "district":
        if len(code) != 6:
            raise CodeError(_("A district code has 6 digits (GB/T 2260); “%(code)s” has %(n)d.") % {"code": code, "n": len(code)})
        if code[:2] not in PROVINCES:
            raise CodeError(_("“%(code)s” does not start with a province code of GB/T 2260.") % {"code": code})
        if code[2:] == "0000" or code[4:] == "00":
            raise CodeError(_("“%(code)s” is a province or city code, not a district code.") % {"code": code})
        return code
    if kind not in SERIAL_DIGITS:
        raise CodeError(_("Unknown level “%(kind)s”.") % {"kind": kind})
    if not parent_code:
        raise CodeError(_("A %(kind)s needs a parent.") % {"kind": kind})
    digits = SERIAL_DIGITS[kind]
    expected = len(parent_code) + digits
    if len(code) != expected or not code.startswith(parent_code):
        raise CodeError(
            _("Code “%(code)s” must be the parent code %(parent)s followed by %(digits)d digits.")
            % {"code": code, "parent": parent_code, "digits": digits}
        )
    if set(code[len(parent_code):]) == {"0"}:
        raise CodeError(_("The serial part of code “%(code)s” cannot be all zeros.") % {"code": code})
    return code


def child_code(parent_code, kind, serial):
    """The code of the `serial`-th child (1-based) of kind `kind` under `parent_code`."""
    return f"{parent_code}{serial:0{SERIAL_DIGITS[kind]}d}"
