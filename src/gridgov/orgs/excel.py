"""Excel templates, import and export of party organisations and partner units (openpyxl). An import
is atomic: every row is checked first, every error reported by row and column; nothing is written unless all pass."""
import datetime
import io
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from gridgov.hierarchy import io as hierarchy_io
from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.hierarchy.services import path_upper
from gridgov.people import excel as people_excel
from gridgov.people import roles, scoping

from . import services
from .models import Agreement, Alliance, ExpandedCommittee, ExpandedCommitteeMember, PartnerUnit, PartyOrg, ServiceCentre

ORG_COLUMNS = [
    ("name", gettext_lazy("Name"), True),
    ("kind", gettext_lazy("Kind"), True),
    ("node", gettext_lazy("Node code"), True),
    ("parent", gettext_lazy("Parent organisation"), False),
    ("is_grid_branch", gettext_lazy("Grid party branch (yes/no)"), False),
    ("meets_standard", gettext_lazy("Meets the standard (yes/no)"), False),
    ("weak_and_lax", gettext_lazy("Weak and lax (yes/no)"), False),
    ("rectification_plan", gettext_lazy("Rectification plan"), False),
    ("honours", gettext_lazy("Honours (separated by 、)"), False),
]
UNIT_COLUMNS = [
    ("name", gettext_lazy("Name"), True),
    ("kind", gettext_lazy("Kind"), True),
    ("node", gettext_lazy("Node code"), True),
    ("address", gettext_lazy("Address"), False),
    ("contact_name", gettext_lazy("Contact person"), False),
    ("contact_phone", gettext_lazy("Contact phone"), False),
    ("party_org", gettext_lazy("Party organisation"), False),
]
AGREEMENT_COLUMNS = [
    ("partner_unit", gettext_lazy("Partner unit"), True),
    ("node", gettext_lazy("Node code"), True),
    ("signed", gettext_lazy("Signed on (YYYY-MM-DD)"), True),
    ("end", gettext_lazy("Ends on (YYYY-MM-DD)"), False),
    ("commitments", gettext_lazy("Commitments"), False),
]
ALLIANCE_COLUMNS = [
    ("name", gettext_lazy("Name"), True),
    ("node", gettext_lazy("Subdistrict code"), True),
    ("partner_units", gettext_lazy("Member partner units (separated by 、)"), False),
    ("party_orgs", gettext_lazy("Member party organisations (separated by 、)"), False),
]
# One row per member: the rows of one node make up its expanded committee.
COMMITTEE_COLUMNS = [
    ("name", gettext_lazy("Committee name"), False),
    ("node", gettext_lazy("Node code"), True),
    ("member", gettext_lazy("Member name"), False),
    ("role", gettext_lazy("Role"), False),
    ("unit_name", gettext_lazy("Unit"), False),
    ("partner_unit", gettext_lazy("Partner unit"), False),
    ("external", gettext_lazy("External member (yes/no)"), False),
]
CENTRE_COLUMNS = [
    ("name", gettext_lazy("Name"), True),
    ("kind", gettext_lazy("Kind"), True),
    ("node", gettext_lazy("Node code"), True),
    ("lon", gettext_lazy("Longitude"), False),
    ("lat", gettext_lazy("Latitude"), False),
    ("opening_hours", gettext_lazy("Opening hours"), False),
    ("services", gettext_lazy("Services (separated by 、)"), False),
    ("serves_firms", gettext_lazy("Firms served"), False),
]
logger = logging.getLogger(__name__)
YES = {"是", "yes", "y", "true", "1"}
NO = {"否", "no", "n", "false", "0", ""}
# Parents are written before their children: by depth of the node, then from the top kind down.
KIND_ORDER = {code: i for i, (code, _label) in enumerate(PartyOrg.KINDS)}


@dataclass
class ImportResult:
    created: int = 0
    errors: list = field(default_factory=list)  # (row, "column letter（header）", message)

    @property
    def ok(self):
        return not self.errors


def _workbook(title, columns, rows=()):
    wb = Workbook(write_only=True)
    # A sheet title may not hold / \ ? * [ ] : and has at most 31 characters.
    ws = wb.create_sheet(title.translate({ord(c): "、" for c in "/\\?*[]:"})[:31])
    ws.append([str(h) for _k, h, _r in columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _yes(value):
    return "是" if value else "否"


def _in_scope(path, prefixes):
    if prefixes is None:
        return True
    for prefix in prefixes:
        upper = path_upper(prefix)
        if path >= prefix and (upper is None or path < upper):
            return True
    return False


def _kind_lookup(kinds):
    return {str(label): code for code, label in kinds} | {code: code for code, _label in kinds}


# ---------------------------------------------------------------- templates and exports

def party_org_template():
    example = ["中共示例社区第一网格党支部", str(dict(PartyOrg.KINDS)["branch"]), "150105001001001", "中共示例社区委员会",
               "是", "是", "否", "", "五星级党支部"]
    return _workbook(str(_("Party organisations")), ORG_COLUMNS, [example])


def partner_unit_template():
    example = ["示例派出所", str(dict(PartnerUnit.KINDS)["government"]), "150105001001", "示例路1号", "张三", "0471-1234567", ""]
    return _workbook(str(_("Partner units")), UNIT_COLUMNS, [example])


def export_party_orgs(queryset):
    kinds = dict(PartyOrg.KINDS)
    orgs = sorted(queryset.select_related("node", "parent"), key=lambda o: (o.node.depth, KIND_ORDER[o.kind], o.node.path, o.name))
    rows = ([o.name, str(kinds[o.kind]), o.node.code, o.parent.name if o.parent_id else "", _yes(o.is_grid_branch),
             _yes(o.meets_standard), _yes(o.weak_and_lax), o.rectification_plan, "、".join(o.honours)] for o in orgs)
    return _workbook(str(_("Party organisations")), ORG_COLUMNS, rows)


def export_partner_units(queryset):
    kinds = dict(PartnerUnit.KINDS)
    rows = ([u.name, str(kinds[u.kind]), u.node.code, u.address, u.contact_name, u.contact_phone,
             u.party_org.name if u.party_org_id else ""] for u in queryset.select_related("node", "party_org"))
    return _workbook(str(_("Partner units")), UNIT_COLUMNS, rows)


def agreement_template():
    example = ["示例派出所", "150105001001", "2024-01-15", "2026-12-31", "共建文明社区、联合开展志愿服务"]
    return _workbook(str(_("Co-building agreements")), AGREEMENT_COLUMNS, [example])


def alliance_template():
    example = ["示例街道党建联盟", "150105001", "示例派出所、示例学校", "中共示例社区委员会"]
    return _workbook(str(_("Party-building alliances")), ALLIANCE_COLUMNS, [example])


def committee_template():
    example = ["示例社区大党委", "150105001001", "张三", "兼职副书记", "示例派出所", "示例派出所", "是"]
    return _workbook(str(_("Expanded committees")), COMMITTEE_COLUMNS, [example])


def service_centre_template():
    example = ["示例社区党群服务中心", str(dict(ServiceCentre.KINDS)["community_centre"]), "150105001001", 111.7, 40.8,
               "周一至周五 9:00-17:00", "党员活动、便民服务", 0]
    return _workbook(str(_("Service centres")), CENTRE_COLUMNS, [example])


def export_agreements(queryset):
    rows = ([a.partner_unit.name, a.node.code, a.signed.isoformat(), a.end.isoformat() if a.end else "", a.commitments]
            for a in queryset.select_related("partner_unit", "node").order_by("node__path", "signed", "pk"))
    return _workbook(str(_("Co-building agreements")), AGREEMENT_COLUMNS, rows)


def export_alliances(queryset):
    rows = ([a.name, a.node.code, "、".join(u.name for u in a.partner_units.all()), "、".join(o.name for o in a.party_orgs.all())]
            for a in queryset.select_related("node").prefetch_related("partner_units", "party_orgs"))
    return _workbook(str(_("Party-building alliances")), ALLIANCE_COLUMNS, rows)


def export_committees(queryset):
    def rows():
        for c in queryset.select_related("node").prefetch_related("members__partner_unit"):
            members = list(c.members.all())
            if not members:
                yield [c.name, c.node.code, "", "", "", "", ""]
            for m in members:
                yield [c.name, c.node.code, m.name, m.role, m.unit_name, m.partner_unit.name if m.partner_unit_id else "",
                       _yes(m.external)]
    return _workbook(str(_("Expanded committees")), COMMITTEE_COLUMNS, rows())


def export_service_centres(queryset):
    kinds = dict(ServiceCentre.KINDS)
    rows = ([c.name, str(kinds[c.kind]), c.node.code, c.lon, c.lat, c.opening_hours, "、".join(c.services), c.serves_firms]
            for c in queryset.select_related("node"))
    return _workbook(str(_("Service centres")), CENTRE_COLUMNS, rows)


# ---------------------------------------------------------------- imports

# Rows per file, as for the people registries: a larger file is split and imported in parts.
MAX_ROWS = 50_000


class _Refused(Exception):
    """The whole file is refused (too many rows, damaged); the message is for the user."""


def _sheet_rows(ws):
    """The sheet's rows as value tuples; a workbook that opens but breaks while read is refused
    (openpyxl raises many kinds of error), while errors of our own checks pass through."""
    lines = ws.iter_rows(values_only=True)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except Exception as exc:
            logger.warning("workbook failed while reading rows", exc_info=True)
            raise _Refused(_("The Excel file is damaged and cannot be read. Open it in Excel or WPS, save it again as .xlsx and retry.")) from exc
        yield raw


class _Reader:
    """Reads the rows of an uploaded workbook as dicts, and collects errors by row and column."""

    def __init__(self, data, columns, result):
        self.columns, self.result = columns, result
        self.keys = [k for k, _h, _r in columns]
        self.errors = []
        self.wb = None
        try:
            # Size, type and unpacked-size checks shared with the hierarchy import.
            self.wb = hierarchy_io.open_upload(data)
        except hierarchy_io.FileRefused as exc:
            result.errors.append((0, "", str(exc)))

    def rows(self):
        if self.wb is None:
            return
        try:
            yield from self._rows()
        except _Refused as exc:
            # One message for the whole file replaces the row errors found before it.
            self.result.errors[:] = [(0, "", str(exc))]
        finally:
            self.wb.close()

    def _rows(self):
        ws = self.wb.worksheets[0]
        if (ws.max_row or 0) > MAX_ROWS + 1:  # the sheet's declared size (Excel writes it): refuse before reading
            raise _Refused(_("The sheet has more than %(n)d rows; split it into several files.") % {"n": MAX_ROWS})
        lines = _sheet_rows(ws)
        header = next(lines, None)
        headers = [str(h) for _k, h, _r in self.columns]
        problems = hierarchy_io.header_problems(header, people_excel.header_titles(self.columns))
        if problems:
            self.result.errors.extend((1, f"{get_column_letter(i + 1)}（{headers[i]}）", message) for i, message in problems)
            return
        count = 0
        for r, raw in enumerate(lines, start=2):
            values = [_cell(v) for v in (list(raw) + [None] * len(self.columns))[: len(self.columns)]]
            if any(values):
                count += 1
                if count > MAX_ROWS:
                    raise _Refused(_("The sheet has more than %(n)d rows; split it into several files.") % {"n": MAX_ROWS})
                self.errors = []
                row = dict(zip(self.keys, values))
                for key, header, required in self.columns:
                    if required and not row[key]:
                        self.err(r, key, _("“%(column)s” is required.") % {"column": header})
                yield r, row
        if not count and not self.result.errors:
            self.result.errors.append((2, "", _("The sheet has no rows below the header.")))

    def err(self, r, key, message):
        index = self.keys.index(key)
        error = (r, f"{get_column_letter(index + 1)}（{self.columns[index][1]}）", message)
        self.errors.append(error)
        self.result.errors.append(error)

    def flag(self, r, row, key):
        value = row[key].lower()
        if value not in YES | NO:
            self.err(r, key, _("Write yes or no."))
        return value in YES


def _node_of(reader, r, row, nodes, allowed, key="node"):
    node = nodes.get(row[key]) if row[key] else None
    if row[key] and node is None:
        reader.err(r, key, _("Unknown node code “%(code)s” in this district.") % {"code": row[key]})
    elif node is not None and not _in_scope(node.path, allowed):
        reader.err(r, key, _("Node %(code)s is outside the area you may import into.") % {"code": row[key]})
        return None
    return node


class _Import:
    """The shared import loop: read every row, let `build(r, row)` check it (errors go to the reader) and
    return what to write; write everything in one transaction only when no row has an error."""

    def __init__(self, user, district, data, columns):
        self.user, self.district = user, district
        self.result = ImportResult()
        self.reader = _Reader(data, columns, self.result)
        self.nodes = {n.code: n for n in Node.objects.filter(district=district)}
        self.allowed = scoping.visible_paths(user, roles.IMPORT)

    def err(self, r, key, message):
        self.reader.err(r, key, message)

    @property
    def row_ok(self):
        return not self.reader.errors

    def node(self, r, row, key="node", levels=None, message=None):
        node = _node_of(self.reader, r, row, self.nodes, self.allowed, key)
        if node is not None and levels is not None and node.kind not in levels:
            message = message or _("This must be registered with a community or subdistrict, not with “%(node)s”.")
            self.err(r, key, message % {"node": node.name})
        return node

    def kind(self, r, row, kinds, key="kind"):
        code = _kind_lookup(kinds).get(row[key]) if row[key] else None
        if row[key] and code is None:
            self.err(r, key, _("Unknown kind “%(value)s”.") % {"value": row[key]})
        return code

    def date(self, r, row, key):
        if not row[key]:
            return None
        try:
            return datetime.date.fromisoformat(row[key][:10])
        except ValueError:
            self.err(r, key, _("Write a date as YYYY-MM-DD."))
            return None

    def number(self, r, row, key, cast=float):
        if not row[key]:
            return None
        try:
            return cast(row[key])
        except ValueError:
            self.err(r, key, _("Write a number."))
            return None

    def run(self, build, save):
        new = []
        for r, row in self.reader.rows():
            item = build(r, row)
            if item is not None and self.row_ok:
                new.append(item)
        if self.result.errors or not new:
            return self.result
        with transaction.atomic():
            save(new)
        self.result.created = len(new)
        return self.result


def _names(district, model, **extra):
    """name -> [pk, …] of a district's rows (a name may be taken twice)."""
    found = {}
    for pk, name in model.objects.filter(district=district, **extra).values_list("pk", "name"):
        found.setdefault(name, []).append(pk)
    return found


def _one_named(imp, r, key, name, by_name, message):
    found = by_name.get(name, [])
    if len(found) != 1:
        imp.err(r, key, message % {"name": name})
        return None
    return found[0]


def _split(value):
    return [v.strip() for v in value.replace("；", "、").split("、") if v.strip()]


def import_party_orgs(user, district, data):
    """Import party organisations from the bytes of an .xlsx made from party_org_template(). A parent
    is named: an organisation of the district, or one in an earlier row of the file."""
    imp = _Import(user, district, data, ORG_COLUMNS)
    by_name = {}
    for org in PartyOrg.objects.filter(district=district).select_related("node"):
        by_name.setdefault(org.name, []).append(org)
    branch_nodes = set(PartyOrg.objects.filter(district=district, is_grid_branch=True).values_list("node_id", flat=True))

    def build(r, row):
        kind = imp.kind(r, row, PartyOrg.KINDS)
        node = imp.node(r, row)
        parent = None
        if row["parent"]:
            found = by_name.get(row["parent"], [])
            if not found:
                imp.err(r, "parent", _("Unknown party organisation “%(name)s” (it must exist or come in an earlier row).") % {"name": row["parent"]})
            elif len(found) > 1:
                imp.err(r, "parent", _("Several party organisations are called “%(name)s”.") % {"name": row["parent"]})
            else:
                parent = found[0]
        grid, meets, weak = (imp.reader.flag(r, row, k) for k in ("is_grid_branch", "meets_standard", "weak_and_lax"))
        if node is not None and row["name"] and any(o.node.pk == node.pk for o in by_name.get(row["name"], [])):
            imp.err(r, "name", _("“%(name)s” already exists at this node.") % {"name": row["name"]})
        if not imp.row_ok:
            return None
        org = PartyOrg(district=district, kind=kind, name=row["name"][:128], node=node, parent=parent, is_grid_branch=grid,
                       meets_standard=meets, weak_and_lax=weak, rectification_plan=row["rectification_plan"],
                       honours=_split(row["honours"]))
        if grid and node.kind in CELL_KINDS and node.pk in branch_nodes:
            imp.err(r, "is_grid_branch", _("“%(node)s” already has a grid party branch.") % {"node": node.name})
        elif grid and (kind != "branch" or node.kind not in CELL_KINDS):
            imp.err(r, "is_grid_branch", _("A grid party branch is a party branch attached to a grid or residents group."))
        elif parent is not None and (kind not in services.ALLOWED_CHILDREN[parent.kind] or not node.path.startswith(parent.node.path)):
            imp.err(r, "parent", _("“%(name)s” cannot be placed under “%(parent)s”.") % {"name": org.name, "parent": parent.name})
        elif weak and (meets or not org.rectification_plan):
            imp.err(r, "weak_and_lax", _("A weak and lax organisation needs a rectification plan and cannot meet the standard."))
        else:
            try:
                services.check_party_org(org, check_clash=False)
            except services.OrgError as exc:
                imp.err(r, "name", str(exc))
        if not imp.row_ok:
            return None
        if grid:
            branch_nodes.add(node.pk)
        by_name.setdefault(org.name, []).append(org)
        return org

    def save(new):
        for org in new:  # in file order: a parent from an earlier row is saved before its children
            org.save()

    return imp.run(build, save)


def import_partner_units(user, district, data):
    """Import partner units from the bytes of an .xlsx made from partner_unit_template()."""
    imp = _Import(user, district, data, UNIT_COLUMNS)
    orgs = _names(district, PartyOrg)
    taken = set(PartnerUnit.objects.filter(district=district).values_list("name", "node_id"))

    def build(r, row):
        kind = imp.kind(r, row, PartnerUnit.KINDS)
        node = imp.node(r, row, levels=services.UNIT_LEVELS)
        phone = row["contact_phone"]
        if phone and not phone.replace("-", "").isdigit():
            imp.err(r, "contact_phone", _("The contact phone may contain only digits and hyphens."))
        org_id = None
        if row["party_org"]:
            org_id = _one_named(imp, r, "party_org", row["party_org"], orgs, _("Unknown party organisation “%(name)s”."))
        if node is not None and (row["name"], node.pk) in taken:
            imp.err(r, "name", _("“%(name)s” already exists at this node.") % {"name": row["name"]})
        if not imp.row_ok:
            return None
        taken.add((row["name"], node.pk))
        return PartnerUnit(district=district, name=row["name"][:128], kind=kind, node=node, address=row["address"][:255],
                           contact_name=row["contact_name"][:64], contact_phone=phone[:20], party_org_id=org_id)

    return imp.run(build, lambda new: PartnerUnit.objects.bulk_create(new, batch_size=1000))


def import_agreements(user, district, data):
    """Import co-building agreements: a partner unit of the district signs with a community or subdistrict."""
    imp = _Import(user, district, data, AGREEMENT_COLUMNS)
    units = _names(district, PartnerUnit)
    taken = set(Agreement.objects.filter(district=district).values_list("partner_unit_id", "node_id", "signed"))

    def build(r, row):
        unit_id = None
        if row["partner_unit"]:
            unit_id = _one_named(imp, r, "partner_unit", row["partner_unit"], units,
                                 _("Unknown partner unit “%(name)s” (or several carry this name)."))
        node = imp.node(r, row, levels=services.UNIT_LEVELS)
        signed, end = imp.date(r, row, "signed"), imp.date(r, row, "end")
        if signed and end and end < signed:
            imp.err(r, "end", _("An agreement cannot end before it is signed."))
        if node is not None and (unit_id, node.pk, signed) in taken:
            imp.err(r, "partner_unit", _("This agreement already exists."))
        if not imp.row_ok:
            return None
        taken.add((unit_id, node.pk, signed))
        return Agreement(district=district, partner_unit_id=unit_id, node=node, signed=signed, end=end,
                         commitments=row["commitments"], status=services.agreement_status(end))

    return imp.run(build, lambda new: Agreement.objects.bulk_create(new, batch_size=1000))


def import_alliances(user, district, data):
    """Import party-building alliances of subdistricts with their member partner units and organisations."""
    imp = _Import(user, district, data, ALLIANCE_COLUMNS)
    units = {u.pk: u for u in PartnerUnit.objects.filter(district=district).select_related("node")}
    orgs = {o.pk: o for o in PartyOrg.objects.filter(district=district).select_related("node")}
    unit_names, org_names = {}, {}
    for u in units.values():
        unit_names.setdefault(u.name, []).append(u.pk)
    for o in orgs.values():
        org_names.setdefault(o.name, []).append(o.pk)
    taken = set(Alliance.objects.filter(district=district).values_list("name", "node_id"))

    def members(r, row, node, key, names, objects, message):
        found = []
        for name in _split(row[key]):
            pk = _one_named(imp, r, key, name, names, message)
            if pk is None:
                continue
            if node is not None and not objects[pk].node.path.startswith(node.path):
                imp.err(r, key, _("“%(name)s” is outside the alliance's subdistrict.") % {"name": name})
            found.append(pk)
        return found

    def build(r, row):
        node = imp.node(r, row, levels=("subdistrict",), message=_("A party-building alliance is formed in a subdistrict."))
        unit_ids = members(r, row, node, "partner_units", unit_names, units, _("Unknown partner unit “%(name)s” (or several carry this name)."))
        org_ids = members(r, row, node, "party_orgs", org_names, orgs, _("Unknown party organisation “%(name)s”."))
        if node is not None and (row["name"], node.pk) in taken:
            imp.err(r, "name", _("“%(name)s” already exists at this node.") % {"name": row["name"]})
        if not imp.row_ok:
            return None
        taken.add((row["name"], node.pk))
        return Alliance(district=district, node=node, name=row["name"][:128]), unit_ids, org_ids

    def save(new):
        for alliance, unit_ids, org_ids in new:
            alliance.save()
            alliance.partner_units.set(unit_ids)
            alliance.party_orgs.set(org_ids)

    return imp.run(build, save)


def import_committees(user, district, data):
    """Import expanded committees (大党委/大工委), one row per member. The rows of a node make up its committee:
    a committee the node does not have yet is created, the members are added to it."""
    imp = _Import(user, district, data, COMMITTEE_COLUMNS)
    committees = {c.node_id: c for c in ExpandedCommittee.objects.filter(district=district)}
    seats = set(ExpandedCommitteeMember.objects.filter(committee__district=district)
                .values_list("committee__node_id", "name", "role"))
    units = _names(district, PartnerUnit)
    unit_by_pk = dict(PartnerUnit.objects.filter(district=district).values_list("pk", "name"))
    named = {}  # node id -> the committee's name in the file (or the existing one's)

    def build(r, row):
        node = imp.node(r, row, levels=services.UNIT_LEVELS)
        if node is not None and row["name"]:
            existing = committees[node.pk].name if node.pk in committees else named.get(node.pk)
            if existing and existing != row["name"]:
                imp.err(r, "name", _("“%(node)s” already has an expanded committee: “%(name)s”.") % {"node": node.name, "name": existing})
        if bool(row["member"]) != bool(row["role"]):
            imp.err(r, "role" if row["member"] else "member", _("A committee member needs a name and a role."))
        unit_id = None
        if row["partner_unit"]:
            unit_id = _one_named(imp, r, "partner_unit", row["partner_unit"], units,
                                 _("Unknown partner unit “%(name)s” (or several carry this name)."))
        external = imp.reader.flag(r, row, "external") if row["external"] else unit_id is not None
        if node is not None and row["member"] and (node.pk, row["member"], row["role"]) in seats:
            imp.err(r, "member", _("%(name)s is already a member in this role.") % {"name": row["member"]})
        if not imp.row_ok:
            return None
        if node.pk not in named:
            named[node.pk] = committees[node.pk].name if node.pk in committees else (row["name"] or "")
        member = None
        if row["member"]:
            seats.add((node.pk, row["member"], row["role"]))
            member = ExpandedCommitteeMember(name=row["member"][:64], role=row["role"][:32], partner_unit_id=unit_id,
                                             unit_name=(row["unit_name"] or unit_by_pk.get(unit_id, ""))[:128], external=external)
        return node, member

    def save(new):
        for node, member in new:
            committee = committees.get(node.pk)
            if committee is None:
                committee = services.create_expanded_committee(district, node, named[node.pk][:128])
                committees[node.pk] = committee
            if member is not None:
                member.committee = committee
                member.save()

    result = imp.run(build, save)
    return result


def import_service_centres(user, district, data):
    """Import party-mass service centres and red positions with their location, hours and services."""
    imp = _Import(user, district, data, CENTRE_COLUMNS)
    taken = set(ServiceCentre.objects.filter(district=district).values_list("name", "node_id"))

    def build(r, row):
        kind = imp.kind(r, row, ServiceCentre.KINDS)
        node = imp.node(r, row)
        if node is not None and kind in services.CENTRE_LEVELS and node.kind not in services.CENTRE_LEVELS[kind]:
            imp.err(r, "node", _("This kind of centre belongs to a node of another level than “%(node)s”.") % {"node": node.name})
        lon, lat = imp.number(r, row, "lon"), imp.number(r, row, "lat")
        if lon is not None and not -180 <= lon <= 180:
            imp.err(r, "lon", _("The location needs a valid longitude and latitude."))
        if lat is not None and not -90 <= lat <= 90:
            imp.err(r, "lat", _("The location needs a valid longitude and latitude."))
        if (row["lon"] == "") != (row["lat"] == ""):
            imp.err(r, "lat" if row["lon"] else "lon", _("The location needs a valid longitude and latitude."))
        firms = imp.number(r, row, "serves_firms", int) or 0
        if firms < 0:
            imp.err(r, "serves_firms", _("The number of firms served cannot be negative."))
        if node is not None and (row["name"], node.pk) in taken:
            imp.err(r, "name", _("“%(name)s” already exists at this node.") % {"name": row["name"]})
        if not imp.row_ok:
            return None
        taken.add((row["name"], node.pk))
        return ServiceCentre(district=district, node=node, name=row["name"][:128], kind=kind, lon=lon, lat=lat,
                             opening_hours=row["opening_hours"][:128], services=_split(row["services"]), serves_firms=firms)

    return imp.run(build, lambda new: ServiceCentre.objects.bulk_create(new, batch_size=1000))
