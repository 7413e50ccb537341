"""Excel templates, import and export of the people registries (openpyxl). An import is atomic:
every row is checked first and every error reported by row and column; nothing is written unless all pass."""
import datetime
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import path_upper

from . import pii, roles, scoping
from .models import PartyMember, Person

MEMBER_COLUMNS = [
    ("name", pgettext_lazy("person", "Name"), True),
    ("gender", gettext_lazy("Gender (M/F)"), False),
    ("id_number", gettext_lazy("ID number"), True),
    ("phone", gettext_lazy("Phone"), False),
    ("home", gettext_lazy("Home node code"), True),
    ("party_org", gettext_lazy("Party organisation"), False),
    ("joined", gettext_lazy("Joined (YYYY-MM-DD)"), False),
    ("status", gettext_lazy("Status"), False),
    ("in_service", gettext_lazy("In service (yes/no)"), False),
    ("employer", gettext_lazy("Employer"), False),
]
YES = {"是", "yes", "y", "true", "1", "在职"}
NO = {"否", "no", "n", "false", "0", "", "不在职"}


@dataclass
class ImportResult:
    created: int = 0
    errors: list = field(default_factory=list)  # (row, column header, message)

    @property
    def ok(self):
        return not self.errors


def _workbook(title, headers, rows=()):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append([str(h) for h in headers])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def member_template():
    example = ["张三", "M", pii.make_id_number("150105", datetime.date(1980, 5, 1), 13), "13800001234",
               "150105001001001", "", "2005-07-01", _("Full member"), "是", "区委组织部"]
    return _workbook(str(_("Party members")), [h for _k, h, _r in MEMBER_COLUMNS], [example])


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value.replace("/", "-"))


def _in_scope(path, prefixes):
    if prefixes is None:
        return True
    for prefix in prefixes:
        upper = path_upper(prefix)
        if path >= prefix and (upper is None or path < upper):
            return True
    return False


def import_members(user, district, data):
    """Import party members from the bytes of an .xlsx made from member_template()."""
    result = ImportResult()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a file that is not .xlsx
        result.errors.append((0, "", _("The file is not an Excel workbook (.xlsx).")))
        return result
    ws = wb.worksheets[0]
    headers = [str(h) for _k, h, _r in MEMBER_COLUMNS]
    # Lookups made once: thousands of rows must not cost thousands of queries.
    nodes = dict(Node.objects.filter(district=district).values_list("code", "path"))
    node_ids = dict(Node.objects.filter(district=district).values_list("code", "pk"))
    orgs = {}
    try:
        from gridgov.orgs.models import PartyOrg

        for pk, name in PartyOrg.objects.filter(district=district).values_list("pk", "name"):
            orgs.setdefault(name, pk)
    except ImportError:
        pass
    taken = set(Person.objects.filter(district=district).exclude(id_number="").values_list("id_number", flat=True))
    statuses = {str(label): code for code, label in PartyMember.STATUSES} | {code: code for code, _l in PartyMember.STATUSES}
    allowed = scoping.visible_paths(user, roles.IMPORT)
    seen = {}
    persons, members = [], []
    rows = ws.iter_rows(min_row=2, values_only=True)
    for r, raw in enumerate(rows, start=2):
        values = [_cell(v) for v in (list(raw) + [None] * len(MEMBER_COLUMNS))[: len(MEMBER_COLUMNS)]]
        if not any(values):
            continue
        row = dict(zip([k for k, _h, _r in MEMBER_COLUMNS], values))
        errors = []

        def err(key, message):
            index = [k for k, _h, _r in MEMBER_COLUMNS].index(key)
            errors.append((r, f"{get_column_letter(index + 1)}（{headers[index]}）", message))

        for key, header, required in MEMBER_COLUMNS:
            if required and not row[key]:
                err(key, _("“%(column)s” is required.") % {"column": header})
        id_number = pii.normalise_id(str(row["id_number"]))
        if id_number:
            try:
                pii.validate_id_number(id_number)
            except pii.PersonalDataError as exc:
                err("id_number", str(exc))
            else:
                if id_number in taken:
                    err("id_number", _("This ID number is already registered in the district."))
                elif id_number in seen:
                    err("id_number", _("This ID number already appears in row %(row)d.") % {"row": seen[id_number]})
                else:
                    seen[id_number] = r
        phone = str(row["phone"])
        if phone:
            try:
                phone = pii.validate_phone(phone)
            except pii.PersonalDataError as exc:
                err("phone", str(exc))
        path = nodes.get(str(row["home"])) if row["home"] else None
        if row["home"] and path is None:
            err("home", _("Unknown node code “%(code)s” in this district.") % {"code": row["home"]})
        elif path is not None and not _in_scope(path, allowed):
            err("home", _("Node %(code)s is outside the area you may import into.") % {"code": row["home"]})
        org_id = None
        if row["party_org"]:
            org_id = orgs.get(str(row["party_org"]))
            if org_id is None:
                err("party_org", _("Unknown party organisation “%(name)s”.") % {"name": row["party_org"]})
        joined = None
        if row["joined"]:
            try:
                joined = _date(row["joined"])
            except ValueError:
                err("joined", _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": row["joined"]})
        status = statuses.get(str(row["status"]) or "full")
        if status is None:
            err("status", _("Unknown status “%(value)s”.") % {"value": row["status"]})
        service = str(row["in_service"]).lower()
        if service not in YES | NO:
            err("in_service", _("Write yes or no."))
        gender = {"M": "M", "F": "F", "男": "M", "女": "F", "": ""}.get(str(row["gender"]).upper())
        if gender is None:
            err("gender", _("Gender is M or F."))
        if errors:
            result.errors.extend(errors)
            continue
        birth, sex = pii.birth_and_gender(id_number)
        persons.append(Person(district=district, name=str(row["name"])[:64], gender=gender or sex, birth_date=birth,
                              id_number=id_number, phone=phone, home_id=node_ids[str(row["home"])]))
        members.append(PartyMember(district=district, party_org_id=org_id, joined=joined, status=status,
                                   in_service=service in YES, employer=str(row["employer"])[:128], node_path=path))
    wb.close()
    if result.errors or not persons:
        return result
    with transaction.atomic():
        Person.objects.bulk_create(persons, batch_size=2000)
        for person, member in zip(persons, members):
            member.person = person
        PartyMember.objects.bulk_create(members, batch_size=2000)
    result.created = len(members)
    return result


def export_members(queryset):
    """Members as .xlsx with ID numbers and phones masked (an export never carries them in clear)."""
    status = dict(PartyMember.STATUSES)

    def rows():
        for m in queryset.select_related("person", "person__home", "party_org").iterator(chunk_size=2000):
            p = m.person
            yield [p.name, p.gender, pii.mask_id(p.id_number), pii.mask_phone(p.phone), p.home.code if p.home else "",
                   m.party_org.name if m.party_org else "", m.joined.isoformat() if m.joined else "", str(status[m.status]),
                   "是" if m.in_service else "否", m.employer]

    return _workbook(str(_("Party members")), [h for _k, h, _r in MEMBER_COLUMNS], rows())


def export_volunteers(queryset):
    headers = [pgettext("person", "Name"), _("ID number"), _("Phone"), _("Team"), _("Skills"), _("Hours")]
    rows = ([v.person.name, pii.mask_id(v.person.id_number), pii.mask_phone(v.person.phone), v.team.name if v.team else "",
             "、".join(v.skills), float(v.hours)] for v in queryset)
    return _workbook(str(_("Volunteers")), headers, rows)


def export_residents(queryset):
    headers = [pgettext("person", "Name"), _("ID number"), _("Phone"), _("Household"), _("Relation to head"), _("Tags")]
    rows = ([r.person.name, pii.mask_id(r.person.id_number), pii.mask_phone(r.person.phone), str(r.household),
             str(r.get_relation_display()), "、".join(r.tags)] for r in queryset)
    return _workbook(str(_("Residents")), headers, rows)

