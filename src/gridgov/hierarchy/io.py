"""Hierarchy import and export: the Excel tree import (all rows or none), the GeoJSON boundary
import, the import template, and subtree exports to Excel and GeoJSON. Views stay thin over these."""
import io
import json
import logging
import tempfile
import unicodedata
import zipfile
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from gridgov.people import roles, scoping

from . import geo, services
from .codes import CodeError, validate_code
from .models import LEVEL_LABELS, Node

logger = logging.getLogger(__name__)

# The file format is Chinese whatever the interface language: offices exchange these sheets,
# so the header and level labels are fixed keywords, not translated text.
HEADER = ["层级", "代码", "名称", "上级代码"]
EXPORT_HEADER = HEADER + ["中心经度", "中心纬度"]
# English headers are accepted too, for sheets produced by other tools.
HEADER_ALIASES = [
    {"层级", "level", "kind"},
    {"代码", "code"},
    {"名称", "name"},
    {"上级代码", "parent code", "parent_code", "parent"},
]
COLUMN_LETTERS = "ABCD"
FILE_LEVELS = {
    "district": "区",
    "subdistrict": "街道",
    "community": "社区",
    "residents_group": "居民小组",
    "grid": "网格",
    "building": "楼栋",
    "entrance": "单元",
}
_LEVEL_BY_WORD = {label: kind for kind, label in FILE_LEVELS.items()}
_LEVEL_BY_WORD.update({kind: kind for kind in FILE_LEVELS})
_LEVEL_BY_WORD.update({kind.replace("_", " "): kind for kind in FILE_LEVELS})
_LEVEL_BY_WORD.update({"residents group": "residents_group", "entrance unit": "entrance", "unit": "entrance"})

NAME_MAX = Node._meta.get_field("name").max_length
# Excel keeps 15 significant digits of a number; longer codes typed as numbers are already wrong.
EXCEL_DIGITS = 15
MAX_ROWS = 200_000
MAX_FEATURES = 50_000
# Guard against zip bombs: the unpacked workbook may not exceed this many bytes.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# SQLite's bound-parameter limit is the tightest; chunks of this size fit every backend.
CHUNK = 900


class RowError(NamedTuple):
    """One problem: Excel row (header is 1) or GeoJSON feature index (1-based), column, message.

    `row` is None for problems with the whole file; `column` is an Excel letter, a GeoJSON key
    or "" when the problem concerns the whole row."""

    row: int | None
    column: str
    message: str

    @property
    def column_label(self):
        if len(self.column) == 1 and self.column in COLUMN_LETTERS:
            return f"{self.column}（{HEADER[COLUMN_LETTERS.index(self.column)]}）"
        return self.column


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def error(self, row, column, message):
        self.errors.append(RowError(row, column, str(message)))

    def in_row_order(self):
        # Checks run in passes (cells, duplicates, parents); the reader wants them row by row.
        self.errors.sort(key=lambda e: e.row or 0)
        return self


# ---------------------------------------------------------------- reading uploads

class _FileRefused(Exception):
    pass


def _read_upload(upload):
    """The bytes of an uploaded file (a Django UploadedFile, file object or bytes), size-checked."""
    limit = settings.GRIDGOV_IMPORT_MAX_BYTES
    if upload is None:
        raise _FileRefused(_("Choose a file to upload."))
    if isinstance(upload, (bytes, bytearray)):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            raise _FileRefused(_too_large(size, limit))
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise _FileRefused(_too_large(len(data), limit))
    if not data:
        raise _FileRefused(_("The file is empty."))
    return data


FileRefused = _FileRefused  # public name: the registry imports (people, orgs) reuse the checks below


def open_upload(upload):
    """The read-only workbook of an uploaded .xlsx (an UploadedFile, file object or bytes): size, type
    and unpacked size checked. Raises FileRefused with a message for the user; the caller closes it."""
    return _open_workbook(_read_upload(upload))


def header_problems(found, expected):
    """Messages (column index, text) for a header row `found` (cell values) that does not start with the
    `expected` column titles, each a tuple of accepted spellings, the first one shown. [] when it matches."""
    def norm(value):
        return unicodedata.normalize("NFKC", _cell_text(value)).replace(" ", "").lower()

    found = list(found or []) + [None] * len(expected)
    columns = "、".join(spellings[0] for spellings in expected)
    problems = []
    for i, spellings in enumerate(expected):
        if norm(found[i]) not in {norm(s) for s in spellings}:
            problems.append((i, _("Column %(letter)s must be “%(expected)s”, not “%(found)s”. The header row must be: %(columns)s.") % {
                "letter": _letter(i), "expected": spellings[0], "found": _cell_text(found[i]), "columns": columns}))
    return problems


def _letter(i):
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _too_large(size, limit):
    return _("The file is too large (%(size)s MB); at most %(limit)s MB can be imported at once. Split it into several files.") % {
        "size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"}


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _code_text(value):
    # Full-width digits and stray spaces are common when codes are copied from Word or web pages.
    return unicodedata.normalize("NFKC", _cell_text(value)).replace(" ", "")


def _numeric_code_lost_digits(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and len(str(int(value))) > EXCEL_DIGITS


def _open_workbook(data):
    import openpyxl

    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise _FileRefused(_("This is an old Excel 97–2003 (.xls) file. Open it in Excel or WPS and save it as .xlsx, then upload it again."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise _FileRefused(_("The file is not an Excel workbook (.xlsx). Use the template and save it as .xlsx."))
    if "xl/workbook.xml" not in names:
        raise _FileRefused(_("The file is not an Excel workbook (.xlsx). Use the template and save it as .xlsx."))
    if unpacked > MAX_UNPACKED_BYTES:
        raise _FileRefused(_too_large(unpacked, MAX_UNPACKED_BYTES))
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        # openpyxl raises many kinds of errors on damaged files; the user needs only one message.
        logger.info("unreadable workbook", exc_info=True)
        raise _FileRefused(_("The Excel file is damaged and cannot be read. Open it in Excel or WPS, save it again as .xlsx and retry."))


# ---------------------------------------------------------------- Excel hierarchy import

@dataclass(eq=False)
class _Row:
    number: int
    kind: str | None
    code: str
    name: str
    parent_code: str
    ok: bool = True
    handle: object = None      # TreeBuilder handle (or an existing Node for a district row)
    district: object = None

    @property
    def label(self):
        return LEVEL_LABELS.get(self.kind, self.kind)


def parse_level(text):
    """The level code name for a Chinese label (街道…) or a code name (subdistrict…), or None."""
    return _LEVEL_BY_WORD.get(text.strip().lower()) if text else None


def import_xlsx(user, upload):
    """Import the hierarchy rows of an uploaded workbook: every row or none.

    Parents are existing nodes where the user may import, or rows of the same file in any order.
    Returns an ImportResult with the number created or every problem found, by row and column."""
    return _import_xlsx(user, upload, ImportResult()).in_row_order()


def _import_xlsx(user, upload, result):
    try:
        data = _read_upload(upload)
        workbook = _open_workbook(data)
    except _FileRefused as exc:
        result.error(None, "", exc)
        return result
    try:
        rows = _read_rows(workbook, result)
    except _FileRefused as exc:
        result.error(None, "", exc)
        return result
    except Exception:
        logger.warning("workbook failed while reading rows", exc_info=True)
        result.error(None, "", _("The Excel file is damaged and cannot be read. Open it in Excel or WPS, save it again as .xlsx and retry."))
        return result
    finally:
        workbook.close()
    if rows is None:
        return result
    if not rows and result.ok:
        result.error(None, "", _("The sheet has no rows below the header."))
        return result
    try:
        with transaction.atomic():
            _build(user, rows, result)
            if not result.ok:
                return result
    except IntegrityError:
        result.errors = [RowError(None, "", _("The hierarchy was changed by someone else during the import. Nothing was imported; please try again."))]
        result.created = 0
    except services.HierarchyError as exc:
        result.errors = [RowError(None, "", str(exc))]
        result.created = 0
    return result


def _read_rows(workbook, result):
    """The data rows of the first sheet, with per-cell problems recorded; None if the header is wrong."""
    sheet = workbook.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None)
    expected = "、".join(HEADER)
    if header is None or not any(_cell_text(v) for v in header):
        result.error(1, "", _("The first row must be the header: %(columns)s. Use the template.") % {"columns": expected})
        return None
    header = list(header) + [None] * (len(HEADER) - len(header))
    for i, aliases in enumerate(HEADER_ALIASES):
        found = _cell_text(header[i])
        if found.lower() not in aliases:
            letter = COLUMN_LETTERS[i]
            result.error(1, letter, _("Column %(letter)s must be “%(expected)s”, not “%(found)s”. The header row must be: %(columns)s.")
                         % {"letter": letter, "expected": HEADER[i], "found": found, "columns": expected})
    if not result.ok:
        return None
    rows = []
    for number, values in enumerate(lines, start=2):
        values = list(values[:4]) + [None] * (4 - len(values[:4]))
        if not any(_cell_text(v) for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise _FileRefused(_("The sheet has more than %(n)d rows; split it into several files.") % {"n": MAX_ROWS})
        level, code, name, parent = values
        row = _Row(number, None, _code_text(code), _cell_text(name), _code_text(parent))
        _check_cells(row, level, code, parent, result)
        rows.append(row)
    return rows


def _fail(result, row, column, message):
    row.ok = False
    result.error(row.number, column, message)


def _check_cells(row, level, code, parent, result):
    text = _cell_text(level)
    row.kind = parse_level(text)
    if not text:
        _fail(result, row, "A", _("The level is missing."))
    elif row.kind is None:
        _fail(result, row, "A", _("Unknown level “%(level)s”; use one of %(levels)s.") % {
            "level": text, "levels": "、".join(v for k, v in FILE_LEVELS.items() if k != "district")})
    if _numeric_code_lost_digits(code):
        _fail(result, row, "B", _("The code was stored as a number and Excel kept only 15 digits. Format the column as text and type the code again."))
    elif not row.code:
        _fail(result, row, "B", _("The code is missing."))
    if not row.name:
        _fail(result, row, "C", _("The name is missing."))
    elif len(row.name) > NAME_MAX:
        _fail(result, row, "C", _("The name is longer than %(n)d characters.") % {"n": NAME_MAX})
    if _numeric_code_lost_digits(parent):
        _fail(result, row, "D", _("The parent code was stored as a number and Excel kept only 15 digits. Format the column as text and type the code again."))
    elif not row.parent_code and row.kind != "district":
        _fail(result, row, "D", _("The parent code is missing."))


def _existing_nodes(codes, lock=False):
    """{code: Node} for the codes that exist, with their districts."""
    found = {}
    codes = sorted(set(c for c in codes if c))
    for i in range(0, len(codes), CHUNK):
        qs = Node.objects.filter(code__in=codes[i:i + CHUNK])
        if lock:
            # Serialises concurrent imports under the same parents (treebeard paths are computed
            # from the parent's last child); SQLite gets the same from its IMMEDIATE transactions.
            list(qs.select_for_update().order_by("pk").values_list("pk", flat=True))
        for node in qs.select_related("district"):
            found[node.code] = node
    return found


def _build(user, rows, result):
    by_code = {}
    for row in rows:
        if not row.code:
            continue
        first = by_code.get(row.code)
        if first is not None:
            _fail(result, row, "B", _("Code %(code)s already appears in row %(row)d.") % {"code": row.code, "row": first.number})
        else:
            by_code[row.code] = row
    outside = {r.parent_code for r in rows if r.parent_code and r.parent_code not in by_code}
    existing = _existing_nodes(set(by_code) | outside, lock=True)

    for row in rows:
        node = existing.get(row.code)
        if row.kind == "district":
            # A district row (as in an export of a whole district) names the district the rows
            # go into; districts themselves are created by an administrator, not by import.
            if node is None or node.kind != "district":
                _fail(result, row, "A", _("District %(code)s does not exist. An administrator creates districts; the import adds the levels below.") % {"code": row.code})
            elif not scoping.can(user, roles.IMPORT, node):
                _fail(result, row, "B", _("You may not import into %(name)s (%(code)s): it is outside your area.") % {"name": node.name, "code": node.code})
            else:
                row.handle, row.district = node, node.district
        elif node is not None and row.ok:
            _fail(result, row, "B", _("Code %(code)s is already in use (%(name)s).") % {"code": row.code, "name": node.name})

    children = defaultdict(list)
    roots = []
    for row in rows:
        if row.kind == "district":
            continue
        parent_row = by_code.get(row.parent_code)
        if parent_row is not None and parent_row is not row:
            children[parent_row.code].append(row)
        else:
            roots.append(row)
    builders = {}
    reached = set()
    queue = deque(row for row in rows if row.kind == "district")
    reached.update(id(row) for row in queue)
    for row in roots:
        reached.add(id(row))
        queue.append(row)
        if not row.parent_code:
            continue
        if row.parent_code == row.code:
            _fail(result, row, "D", _("A node cannot be its own parent."))
            continue
        parent = existing.get(row.parent_code)
        if parent is None:
            _fail(result, row, "D", _("Parent code %(code)s is neither an existing node nor a row of this file.") % {"code": row.parent_code})
        elif not scoping.can(user, roles.IMPORT, parent):
            _fail(result, row, "D", _("You may not import under %(name)s (%(code)s): it is outside your area.") % {"name": parent.name, "code": parent.code})
        else:
            _place(row, parent.kind, parent.code, parent.district, parent, builders, result)
    # Breadth-first from the rows whose parents exist: every row is checked after its parent.
    while queue:
        parent_row = queue.popleft()
        for row in sorted(children.get(parent_row.code, ()), key=lambda r: (r.code, r.number)):
            reached.add(id(row))
            queue.append(row)
            _place(row, parent_row.kind, parent_row.code, parent_row.district, parent_row.handle, builders, result)
    for row in rows:
        if id(row) not in reached:
            _fail(result, row, "D", _("Parent code %(code)s cannot be resolved: the rows' parents form a cycle.") % {"code": row.parent_code})
    if result.ok:
        result.created = sum(builder.flush() for builder in builders.values())


def _place(row, parent_kind, parent_code, district, parent_handle, builders, result):
    """Check a row against its parent and queue it in its district's TreeBuilder.

    With a parent row that has problems of its own, the row is still checked as far as the
    parent's level and code allow, so that one upload reports as much as it can."""
    row.district = district
    if row.kind is None or parent_kind is None:
        return
    if district is not None:
        expected = district.child_kind(parent_kind)
        parent_label = LEVEL_LABELS.get(parent_kind, parent_kind)
        if expected is None:
            _fail(result, row, "A", _("A %(kind)s has no lower level in this district.") % {"kind": parent_label})
            return
        if row.kind != expected:
            _fail(result, row, "A", _("Below a %(parent)s comes a %(expected)s, not a %(kind)s.") % {
                "parent": parent_label, "expected": LEVEL_LABELS.get(expected, expected), "kind": row.label})
            return
    if row.code and parent_code:
        try:
            validate_code(row.kind, row.code, parent_code)
        except CodeError as exc:
            _fail(result, row, "B", exc)
    if not row.ok or parent_handle is None or district is None:
        return
    builder = builders.get(district.pk)
    if builder is None:
        builder = builders[district.pk] = services.TreeBuilder(district)
    try:
        row.handle = builder.add(parent_handle, row.kind, row.code, row.name)
    except services.HierarchyError as exc:
        _fail(result, row, "", exc)


# ---------------------------------------------------------------- GeoJSON boundary import

@dataclass(eq=False)
class _Feature:
    index: int
    code: str
    geom: object
    node: Node = None


def import_geojson(user, upload):
    """Set the boundaries of existing nodes from a GeoJSON FeatureCollection: all or none.

    Each feature names its node by properties.code; its (Multi)Polygon must lie inside its
    parent's boundary (the new one when the parent is in the same file) and contain the
    boundaries of its existing lower levels."""
    return _import_geojson(user, upload, ImportResult()).in_row_order()


def _import_geojson(user, upload, result):
    try:
        features = _read_features(_read_upload(upload))
    except _FileRefused as exc:
        result.error(None, "", exc)
        return result
    items = []
    seen = {}
    for index, feature in enumerate(features, start=1):
        item = _parse_feature(index, feature, seen, result)
        if item is not None:
            items.append(item)
    if not features:
        result.error(None, "", _("The FeatureCollection has no features."))
        return result
    with transaction.atomic():
        existing = _existing_nodes([i.code for i in items], lock=True)
        located = []
        for item in items:
            node = existing.get(item.code)
            if node is None:
                result.error(item.index, "properties.code", _("There is no node with code %(code)s.") % {"code": item.code})
            elif not scoping.can(user, roles.IMPORT, node):
                result.error(item.index, "properties.code", _("You may not change %(name)s (%(code)s): it is outside your area.") % {"name": node.name, "code": node.code})
            elif item.geom is not None:
                item.node = node
                located.append(item)
        _check_nesting(located, result)
        if not result.ok:
            return result
        _write_geometries([(item.node, item.geom) for item in located])
        for district_id in sorted({item.node.district_id for item in located}):
            services.bump_geometry(district_id)
        result.updated = len(located)
    return result


GEOMETRY_COLUMNS = ["polygon", "centroid_lon", "centroid_lat", "bbox"]


def _write_geometries(pairs):
    """Store (node, geometry) pairs with one prepared UPDATE run for all rows.

    bulk_update() builds a CASE expression per row and column, which costs seconds for a few
    thousand boundaries; executemany with the fields' own value preparation stays portable."""
    if not pairs:
        return
    connection = connections[Node.objects.db]
    quote = connection.ops.quote_name
    fields = [Node._meta.get_field(name) for name in GEOMETRY_COLUMNS]
    sql = "UPDATE %s SET %s WHERE %s = %%s" % (
        quote(Node._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(Node._meta.pk.column),
    )
    params = []
    for node, geom in pairs:
        values = {"polygon": geo.to_geojson(geom), **geo.geometry_fields(geom)}
        params.append([f.get_db_prep_save(values[f.name], connection) for f in fields] + [node.pk])
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _read_features(data):
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _FileRefused(_("The file is not valid GeoJSON (it cannot be read as JSON text in UTF-8)."))
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise _FileRefused(_("The file must be a GeoJSON FeatureCollection with a list of features."))
    features = document["features"]
    if len(features) > MAX_FEATURES:
        raise _FileRefused(_("The file has more than %(n)d features; split it into several files.") % {"n": MAX_FEATURES})
    return features


def _parse_feature(index, feature, seen, result):
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        result.error(index, "", _("This is not a GeoJSON Feature."))
        return None
    properties = feature.get("properties") or {}
    code = _code_text(properties.get("code")) if isinstance(properties, dict) else ""
    if not code:
        result.error(index, "properties.code", _("The feature has no properties.code naming its node."))
        code = None
    elif code in seen:
        result.error(index, "properties.code", _("Code %(code)s already appears in feature %(n)d.") % {"code": code, "n": seen[code]})
        code = None
    else:
        seen[code] = index
    try:
        geom = geo.parse_polygon(feature.get("geometry"))
    except geo.GeometryError as exc:
        result.error(index, "geometry", exc)
        geom = None
    return _Feature(index, code, geom) if code else None


def _check_nesting(items, result):
    """Each new boundary inside its parent's and around its existing children's."""
    by_path = {item.node.path: item for item in items}
    parent_paths = {item.node.path[:-services.STEPLEN] for item in items if item.node.depth > 1}
    parents = {}
    missing = sorted(p for p in parent_paths if p not in by_path)
    for i in range(0, len(missing), CHUNK):
        for path, name, polygon in Node.objects.filter(path__in=missing[i:i + CHUNK]).values_list("path", "name", "polygon"):
            parents[path] = (name, geo.parse_polygon(polygon) if polygon else None)
    for item in items:
        if item.node.depth == 1:
            continue
        path = item.node.path[:-services.STEPLEN]
        if path in by_path:
            name, geom = by_path[path].node.name, by_path[path].geom
        else:
            name, geom = parents.get(path, (None, None))
        if geom is not None and not geo.inside(item.geom, geom):
            result.error(item.index, "geometry", _("The boundary is not inside the boundary of %(parent)s.") % {"parent": name})

    by_depth = defaultdict(list)
    for item in items:
        by_depth[item.node.depth].append(item.node.path)
    districts = sorted({item.node.district_id for item in items})
    for depth, paths in by_depth.items():
        prefix = depth * services.STEPLEN
        for i in range(0, len(paths), CHUNK):
            children = (
                Node.objects.filter(district_id__in=districts, depth=depth + 1, polygon__isnull=False)
                .annotate(parent_path=Substr("path", 1, prefix))
                .filter(parent_path__in=paths[i:i + CHUNK])
                .values_list("parent_path", "path", "code", "name", "polygon")
            )
            reported = set()
            for parent_path, path, code, name, polygon in children.iterator(chunk_size=500):
                item = by_path[parent_path]
                if path in by_path or item.index in reported:
                    continue
                if not geo.inside(geo.parse_polygon(polygon), item.geom):
                    reported.add(item.index)
                    result.error(item.index, "geometry", _("The new boundary does not contain the boundary of its lower level %(name)s (%(code)s).") % {"name": name, "code": code})


# ---------------------------------------------------------------- template and exports

def import_roots(user):
    """The nodes under which the user may import (None: everywhere, for a superuser)."""
    paths = scoping.visible_paths(user, roles.IMPORT)
    if paths is None:
        return None
    return list(Node.objects.filter(path__in=paths).order_by("path"))


def template_xlsx(district=None):
    """The import template: the data sheet with its header and an instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "层级"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip(COLUMN_LETTERS, (12, 24, 30, 24)):
        sheet.column_dimensions[letter].width = width
    # Codes as text: typed as numbers, Excel would drop the digits beyond the fifteenth.
    for letter in "BD":
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    levels = [k for k in (district.levels if district else FILE_LEVELS) if k != "district"]
    choice = DataValidation(type="list", formula1='"%s"' % ",".join(FILE_LEVELS[k] for k in levels), allow_blank=True)
    choice.showErrorMessage = False
    sheet.add_data_validation(choice)
    choice.add("A2:A%d" % (MAX_ROWS + 1))

    notes = workbook.create_sheet(_("Instructions"))
    notes.column_dimensions["A"].width = 110
    lines = [
        _("How to fill in the hierarchy import sheet"),
        "",
        _("One row per node, on the first sheet, below the header %(columns)s. Other sheets are ignored.") % {"columns": " | ".join(HEADER)},
        _("Level: 街道, 社区, 网格, 居民小组, 楼栋 or 单元 (or subdistrict, community, grid, residents_group, building, entrance)."),
        _("Parent code: an existing node where you may import, or another row of the same file, in any order."),
        _("Keep the code columns formatted as text: Excel keeps only 15 digits of a number."),
        _("If any row has a problem, nothing is imported and every problem is listed with its row and column."),
        "",
        _("Code rules (GB/T 2260 division codes, then grid codes):"),
        _("Subdistrict (街道): the district code (6 digits) followed by 3 digits, e.g. 140105001."),
        _("Community (社区): the subdistrict code followed by 3 digits, e.g. 140105001001."),
        _("Grid (网格) or residents group (居民小组): the community code followed by 3 digits, e.g. 140105001001001."),
        _("Building (楼栋): the grid or group code followed by 3 digits, e.g. 140105001001001001."),
        _("Entrance unit (单元): the building code followed by 2 digits, e.g. 14010500100100100101."),
        _("The added digits are a serial number and cannot be all zeros."),
    ]
    if district is not None:
        lines += ["", _("Levels in %(district)s: %(levels)s.") % {"district": district.name, "levels": " → ".join(FILE_LEVELS[k] for k in district.levels)}]
    for line in lines:
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=14)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _parent_code(node):
    if node.depth == 1:
        return ""
    return Node.objects.filter(path=node.path[:-services.STEPLEN]).values_list("code", flat=True).first() or ""


def _rows_with_parents(node, *fields):
    """(row values..., parent code) for the subtree in path order, streamed from the database."""
    stack = [(node.path[:-services.STEPLEN], _parent_code(node))] if node.depth > 1 else []
    qs = services.subtree(node).order_by("path").values_list("path", "code", *fields)
    for path, code, *values in qs.iterator(chunk_size=2000):
        parent = path[:-services.STEPLEN]
        while stack and stack[-1][0] != parent:
            stack.pop()
        yield code, stack[-1][1] if stack else "", values
        stack.append((path, code))


def export_xlsx(node):
    """The subtree of `node` as a workbook in the import format; an open temporary file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    # Write-only mode streams rows to disk, so a district of tens of thousands of nodes stays small in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("层级")
    for letter, width in zip("ABCDEF", (10, 24, 30, 24, 12, 12)):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = []
    for title in EXPORT_HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for code, parent_code, (kind, name, lon, lat) in _rows_with_parents(node, "kind", "name", "centroid_lon", "centroid_lat"):
        sheet.append([FILE_LEVELS.get(kind, kind), code, name, parent_code, lon, lat])
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out


def iter_geojson(node, batch=200):
    """The subtree of `node` as a GeoJSON FeatureCollection, yielded in text chunks."""
    yield '{"type": "FeatureCollection", "features": [\n'
    chunk = []
    first = True
    for code, parent_code, (kind, name, polygon) in _rows_with_parents(node, "kind", "name", "polygon"):
        feature = {
            "type": "Feature",
            "geometry": polygon,
            "properties": {"code": code, "name": name, "kind": kind, "parent_code": parent_code or None},
        }
        chunk.append(("" if first else ",\n") + json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        first = False
        if len(chunk) >= batch:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
    yield "\n]}\n"


def export_filename(node, extension):
    return f"{node.code}_{node.name}.{extension}"

