"""Import of hotline tickets (12345 热线工单) from CSV: all rows are checked first and any error
writes nothing; each ticket number is an idempotency key, so importing a file again adds nothing."""
import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy import geo
from gridgov.hierarchy.models import Node

from . import permissions as perms
from . import services
from .models import Category

TICKET, ACCEPTED, CATEGORY, CONTENT, ADDRESS, LON, LAT, CALLER, PHONE = COLUMNS = (
    "工单号", "受理时间", "诉求类别编码", "诉求内容", "地址", "经度", "纬度", "来电人", "联系电话",
)
REQUIRED = (TICKET, ACCEPTED, CATEGORY, CONTENT, LON, LAT)
IDEM_PREFIX = "hotline:"
MAX_TICKET = 64 - len(IDEM_PREFIX)
MAX_ROWS = 20_000
# The hotline's clock and ours may differ a little; a ticket accepted later than this is refused.
FUTURE_SLACK = dt.timedelta(minutes=10)
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y%m%d%H%M%S")
# Limits of the case fields the columns go to.
LIMITS = {ADDRESS: 200, CALLER: 64, PHONE: 20}


@dataclass
class HotlineImport:
    """The outcome: counts, the cases, and every error as (row, column, message); row 1 is the header."""

    created: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    encoding: str = ""

    @property
    def ok(self):
        return not self.errors


class _Refused(Exception):
    """Raised inside the transaction to undo every row when one fails at the last moment."""


def decode(raw):
    """(text, encoding name) of a hotline export: UTF-8 with or without BOM, else GBK; or (None, None).
    NUL bytes mean UTF-16 ("Unicode text") or a binary file, and no database column may hold them."""
    if b"\x00" in raw:
        return None, None
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            return None, None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 decodes every GBK file the same way and covers the rare characters GBK lacks.
        return raw.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        return None, None


def _read(fileobj):
    data = fileobj.read(settings.GRIDGOV_IMPORT_MAX_BYTES + 1)
    if isinstance(data, str):
        return data, "utf-8", len(data.encode()) > settings.GRIDGOV_IMPORT_MAX_BYTES
    return (*decode(data), len(data) > settings.GRIDGOV_IMPORT_MAX_BYTES)


def _parse_time(value, tz):
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def _number(value):
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def import_hotline_csv(district, user, fileobj):
    """Import a hotline CSV (columns 工单号,受理时间,诉求类别编码,诉求内容,地址,经度,纬度,来电人,联系电话)
    into `district` as `user`. All or nothing: with any error the result lists them all and no case is written."""
    result = HotlineImport()
    text, encoding, too_big = _read(fileobj)
    if too_big:
        result.errors.append((0, "", _("The file is larger than %(mb)d MB.") % {"mb": settings.GRIDGOV_IMPORT_MAX_BYTES // (1024 * 1024)}))
        return result
    if text is None:
        result.errors.append((0, "", _("The file is neither UTF-8 nor GBK text. Save it from Excel as “CSV UTF-8”.")))
        return result
    result.encoding = encoding
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        result.errors.append((1, "", _("The file is empty.")))
        return result
    except csv.Error:
        result.errors.append((1, "", _("The file is not valid CSV.")))
        return result
    missing = [c for c in COLUMNS if c not in header]
    for column in missing:
        result.errors.append((1, column, _("The column is missing from the header row.")))
    if missing:
        return result
    index = {c: header.index(c) for c in COLUMNS}

    rows = []
    try:
        for line_no, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                result.errors.append((line_no, "", _("Too many rows: import at most %(n)d tickets per file.") % {"n": MAX_ROWS}))
                return result
            rows.append((line_no, {c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}))
    except csv.Error as exc:
        result.errors.append((reader.line_num, "", _("The file is not valid CSV: %(reason)s") % {"reason": exc}))
        return result
    if not rows:
        result.errors.append((2, "", _("The file has no tickets.")))
        return result

    tz = ZoneInfo(district.timezone)
    categories = {c.code: c for c in Category.objects.filter(district=district, parent__isnull=False, active=True).select_related("department")}
    now = timezone.now()
    seen = {}
    checked = []
    points = []
    for line_no, row in rows:
        errors = []  # (column, message) of this row
        err = errors.append
        for column in REQUIRED:
            if not row[column]:
                err((column, _("This column must not be empty.")))
        ticket = row[TICKET]
        if ticket:
            if len(ticket) > MAX_TICKET:
                err((TICKET, _("The ticket number is too long (at most %(n)d characters).") % {"n": MAX_TICKET}))
            elif ticket in seen:
                err((TICKET, _("The ticket number already appears in row %(row)d.") % {"row": seen[ticket]}))
            else:
                seen[ticket] = line_no
        accepted = None
        if row[ACCEPTED]:
            accepted = _parse_time(row[ACCEPTED], tz)
            if accepted is None:
                err((ACCEPTED, _("Not a date and time; write it like 2024-05-01 08:30:00.")))
            elif accepted > now + FUTURE_SLACK:
                err((ACCEPTED, _("The time lies in the future.")))
        category = categories.get(row[CATEGORY])
        if row[CATEGORY] and category is None:
            err((CATEGORY, _("No active subclass with code %(code)s in this district.") % {"code": row[CATEGORY]}))
        if len(row[CONTENT]) > services.MAX_DESCRIPTION:
            err((CONTENT, _("Too long: at most %(n)d characters.") % {"n": services.MAX_DESCRIPTION}))
        for column, limit in LIMITS.items():
            if len(row[column]) > limit:
                err((column, _("Too long: at most %(n)d characters.") % {"n": limit}))
        lon = _number(row[LON]) if row[LON] else None
        lat = _number(row[LAT]) if row[LAT] else None
        if row[LON] and (lon is None or not -180 <= lon <= 180):
            err((LON, _("Not a longitude in degrees.")))
            lon = None
        if row[LAT] and (lat is None or not -90 <= lat <= 90):
            err((LAT, _("Not a latitude in degrees.")))
            lat = None
        result.errors.extend((line_no, column, message) for column, message in errors)
        checked.append((line_no, row, accepted, category))
        points.append((lon, lat))

    # Locate every position at once; each must fall in a grid the importing user dispatches for.
    located = [None] * len(points)
    have = [i for i, (lon, lat) in enumerate(points) if lon is not None and lat is not None]
    if have:
        found = geo.locate_many(district, [points[i][0] for i in have], [points[i][1] for i in have])
        for i, where in zip(have, found):
            located[i] = where
    for i in have:
        line_no = checked[i][0]
        where = located[i]
        if where is None:
            result.errors.append((line_no, LON, _("The position is outside the grids of %(district)s.") % {"district": district.name}))
        elif not _may_dispatch(user, where):
            result.errors.append((line_no, LON, _("The position is in a grid you do not dispatch for.")))
    if result.errors:
        result.errors.sort(key=lambda e: (e[0], COLUMNS.index(e[1]) if e[1] in COLUMNS else -1))
        return result

    try:
        with transaction.atomic():
            for (line_no, row, accepted, category), (lon, lat) in zip(checked, points):
                try:
                    case, created = services.intake(
                        district, category=category, lon=lon, lat=lat, description=row[CONTENT], source="hotline", user=user,
                        reporter_name=row[CALLER], reporter_phone=row[PHONE], address=row[ADDRESS],
                        idem_key=IDEM_PREFIX + row[TICKET], at=accepted,
                    )
                except services.CaseError as exc:
                    result.errors.append((line_no, "", str(exc)))
                    raise _Refused() from exc
                result.cases.append(case)
                if created:
                    result.created += 1
                else:
                    result.duplicates += 1
    except _Refused:
        result.created = result.duplicates = 0
        result.cases = []
    return result


def _may_dispatch(user, where):
    """True when one of the user's posts may dispatch cases in the grid at `where`."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(perms.posts_with(user, perms.DISPATCH, Node(path=where.grid_path)))
