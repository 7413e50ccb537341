"""Excel templates, import and export of party organisations and partner units (openpyxl). An import
is atomic: every row is checked first, every error reported by row and column; nothing is written unless all pass."""
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.hierarchy.services import path_upper
from gridgov.people import roles, scoping

from . import services
from .models import PartnerUnit, PartyOrg

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
    ws = wb.create_sheet(title)
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


# ---------------------------------------------------------------- imports

class _Reader:
    """Reads the rows of an uploaded workbook as dicts, and collects errors by row and column."""

    def __init__(self, data, columns, result):
        self.columns, self.result = columns, result
        self.keys = [k for k, _h, _r in columns]
        self.wb = None
        try:
            self.wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds of error on a file that is not .xlsx
            result.errors.append((0, "", _("The file is not an Excel workbook (.xlsx).")))

    def rows(self):
        if self.wb is None:
            return
        ws = self.wb.worksheets[0]
        for r, raw in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            values = [_cell(v) for v in (list(raw) + [None] * len(self.columns))[: len(self.columns)]]
            if any(values):
                self.errors = []
                row = dict(zip(self.keys, values))
                for key, header, required in self.columns:
                    if required and not row[key]:
                        self.err(r, key, _("“%(column)s” is required.") % {"column": header})
                yield r, row
        self.wb.close()

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


def _node_of(reader, r, row, nodes, allowed):
    node = nodes.get(row["node"]) if row["node"] else None
    if row["node"] and node is None:
        reader.err(r, "node", _("Unknown node code “%(code)s” in this district.") % {"code": row["node"]})
    elif node is not None and not _in_scope(node.path, allowed):
        reader.err(r, "node", _("Node %(code)s is outside the area you may import into.") % {"code": row["node"]})
        return None
    return node


def import_party_orgs(user, district, data):
    """Import party organisations from the bytes of an .xlsx made from party_org_template(). A parent
    is named: an organisation of the district, or one in an earlier row of the file."""
    result = ImportResult()
    reader = _Reader(data, ORG_COLUMNS, result)
    nodes = {n.code: n for n in Node.objects.filter(district=district)}
    allowed = scoping.visible_paths(user, roles.IMPORT)
    kinds = _kind_lookup(PartyOrg.KINDS)
    by_name = {}
    for org in PartyOrg.objects.filter(district=district).select_related("node"):
        by_name.setdefault(org.name, []).append(org)
    branch_nodes = set(PartyOrg.objects.filter(district=district, is_grid_branch=True).values_list("node_id", flat=True))
    new = []
    for r, row in reader.rows():
        kind = kinds.get(row["kind"]) if row["kind"] else None
        if row["kind"] and kind is None:
            reader.err(r, "kind", _("Unknown kind “%(value)s”.") % {"value": row["kind"]})
        node = _node_of(reader, r, row, nodes, allowed)
        parent = None
        if row["parent"]:
            found = by_name.get(row["parent"], [])
            if not found:
                reader.err(r, "parent", _("Unknown party organisation “%(name)s” (it must exist or come in an earlier row).") % {"name": row["parent"]})
            elif len(found) > 1:
                reader.err(r, "parent", _("Several party organisations are called “%(name)s”.") % {"name": row["parent"]})
            else:
                parent = found[0]
        grid, meets, weak = (reader.flag(r, row, k) for k in ("is_grid_branch", "meets_standard", "weak_and_lax"))
        if node is not None and row["name"] and any(o.node.pk == node.pk for o in by_name.get(row["name"], [])):
            reader.err(r, "name", _("“%(name)s” already exists at this node.") % {"name": row["name"]})
        if reader.errors:
            continue
        org = PartyOrg(district=district, kind=kind, name=row["name"][:128], node=node, parent=parent, is_grid_branch=grid,
                       meets_standard=meets, weak_and_lax=weak, rectification_plan=row["rectification_plan"],
                       honours=[h for h in row["honours"].replace("；", "、").split("、") if h.strip()])
        if grid and node.kind in CELL_KINDS and node.pk in branch_nodes:
            reader.err(r, "is_grid_branch", _("“%(node)s” already has a grid party branch.") % {"node": node.name})
            continue
        if grid and (kind != "branch" or node.kind not in CELL_KINDS):
            reader.err(r, "is_grid_branch", _("A grid party branch is a party branch attached to a grid or residents group."))
            continue
        if parent is not None and (kind not in services.ALLOWED_CHILDREN[parent.kind] or not node.path.startswith(parent.node.path)):
            reader.err(r, "parent", _("“%(name)s” cannot be placed under “%(parent)s”.") % {"name": org.name, "parent": parent.name})
            continue
        if weak and (meets or not org.rectification_plan):
            reader.err(r, "weak_and_lax", _("A weak and lax organisation needs a rectification plan and cannot meet the standard."))
            continue
        try:
            services.check_party_org(org, check_clash=False)
        except services.OrgError as exc:
            reader.err(r, "name", str(exc))
            continue
        if grid:
            branch_nodes.add(node.pk)
        by_name.setdefault(org.name, []).append(org)
        new.append(org)
    if result.errors or not new:
        return result
    with transaction.atomic():
        for org in new:  # in file order: a parent from an earlier row is saved before its children
            org.save()
    result.created = len(new)
    return result


def import_partner_units(user, district, data):
    """Import partner units from the bytes of an .xlsx made from partner_unit_template()."""
    result = ImportResult()
    reader = _Reader(data, UNIT_COLUMNS, result)
    nodes = {n.code: n for n in Node.objects.filter(district=district)}
    allowed = scoping.visible_paths(user, roles.IMPORT)
    kinds = _kind_lookup(PartnerUnit.KINDS)
    orgs = {}
    for pk, name in PartyOrg.objects.filter(district=district).values_list("pk", "name"):
        orgs.setdefault(name, []).append(pk)
    taken = set(PartnerUnit.objects.filter(district=district).values_list("name", "node_id"))
    new = []
    for r, row in reader.rows():
        kind = kinds.get(row["kind"]) if row["kind"] else None
        if row["kind"] and kind is None:
            reader.err(r, "kind", _("Unknown kind “%(value)s”.") % {"value": row["kind"]})
        node = _node_of(reader, r, row, nodes, allowed)
        if node is not None and node.kind not in services.UNIT_LEVELS:
            reader.err(r, "node", _("This must be registered with a community or subdistrict, not with “%(node)s”.") % {"node": node.name})
        phone = row["contact_phone"]
        if phone and not phone.replace("-", "").isdigit():
            reader.err(r, "contact_phone", _("The contact phone may contain only digits and hyphens."))
        org_id = None
        if row["party_org"]:
            found = orgs.get(row["party_org"], [])
            if len(found) != 1:
                reader.err(r, "party_org", _("Unknown party organisation “%(name)s”.") % {"name": row["party_org"]})
            else:
                org_id = found[0]
        if node is not None and (row["name"], node.pk) in taken:
            reader.err(r, "name", _("“%(name)s” already exists at this node.") % {"name": row["name"]})
        if reader.errors:
            continue
        taken.add((row["name"], node.pk))
        new.append(PartnerUnit(district=district, name=row["name"][:128], kind=kind, node=node, address=row["address"][:255],
                               contact_name=row["contact_name"][:64], contact_phone=phone[:20], party_org_id=org_id))
    if result.errors or not new:
        return result
    with transaction.atomic():
        PartnerUnit.objects.bulk_create(new, batch_size=1000)
    result.created = len(new)
    return result
