"""Excel templates, import and export of the people registries (openpyxl). An import is atomic:
every row is checked first and every error reported by row and column; nothing is written unless all pass."""
import datetime
import io
import logging
import re
from decimal import Decimal, InvalidOperation
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.utils import translation
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from gridgov.hierarchy import io as hierarchy_io
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import path_upper

from . import pii, roles, scoping
from .models import (
    MAX_LEVEL, POST_CATEGORIES, RESIDENT_TAGS, CommunityWorker, DualRegistration, Household, PartyMember, Person, Resident,
    ServiceRecord, TalentEntry, TrainingRecord, Volunteer, VolunteerTeam,
)

MEMBER_COLUMNS = [
    ("name", pgettext_lazy("person", "Name"), True),
    ("gender", gettext_lazy("Gender (M/F)"), False),
    ("id_number", gettext_lazy("ID number"), True),
    ("phone", gettext_lazy("Phone"), False),
    ("home", gettext_lazy("Home node code"), True),
    ("party_org", gettext_lazy("Party organisation"), False),
    ("joined", gettext_lazy("Joined (YYYY-MM-DD)"), False),
    ("status", pgettext_lazy("member", "Status"), False),
    ("in_service", gettext_lazy("In service (yes/no)"), False),
    ("employer", gettext_lazy("Employer"), False),
]
YES = {"是", "yes", "y", "true", "1", "在职"}
NO = {"否", "no", "n", "false", "0", "", "不在职"}
# Rows per file: a larger registry is imported in several files (each all or nothing), so that one
# upload never holds a request (and its transaction) for minutes.
MAX_ROWS = 50_000
logger = logging.getLogger(__name__)


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


# ---------------------------------------------------------------- the shared import machinery

PERSON_COLUMNS = MEMBER_COLUMNS[:5]  # name, gender, ID number, phone, home: every registry's person columns


@dataclass
class _Lookups:
    """What row checks need, loaded once: thousands of rows must not cost thousands of queries."""

    district: object
    nodes: dict  # code -> (pk, path, kind)
    allowed: object  # path prefixes the user may import into; None = everywhere
    existing: dict  # ID number -> pk of the district's persons
    seen: dict = field(default_factory=dict)  # ID number -> first row of this file

    @classmethod
    def load(cls, user, district):
        return cls(
            district=district,
            nodes={code: (pk, path, kind) for code, pk, path, kind in
                   Node.objects.filter(district=district).values_list("code", "pk", "path", "kind")},
            allowed=scoping.visible_paths(user, roles.IMPORT),
            existing=dict(Person.objects.filter(district=district).exclude(id_number="").values_list("id_number", "pk")),
        )


def _node(row, err, lookups, key, kinds=None):
    """(pk, path) of the node whose code is in column `key`, in the district and the importer's area."""
    code = str(row[key])
    if not code:
        return None
    found = lookups.nodes.get(code)
    if found is None:
        err(key, _("Unknown node code “%(code)s” in this district.") % {"code": code})
        return None
    if kinds and found[2] not in kinds:
        err(key, _("Node %(code)s is not of the right level here.") % {"code": code})
        return None
    if not _in_scope(found[1], lookups.allowed):
        err(key, _("Node %(code)s is outside the area you may import into.") % {"code": code})
        return None
    return found[0], found[1]


def _person(row, err, lookups, r, home=None, registered=None):
    """The person of a row: a new unsaved Person from the person columns, or, with `registered`
    (the person ids already in the target registry), the pk of the district's person with this ID
    number. `home` is the (pk, path) of the home node. None when the row is wrong."""
    id_number = pii.normalise_id(str(row["id_number"]))
    ok = True
    if id_number:
        try:
            pii.validate_id_number(id_number)
        except pii.PersonalDataError as exc:
            err("id_number", str(exc))
            ok = False
        else:
            existing = lookups.existing.get(id_number)
            if id_number in lookups.seen:
                err("id_number", _("This ID number already appears in row %(row)d.") % {"row": lookups.seen[id_number]})
                ok = False
            elif existing is not None and (registered is None or existing in registered):
                message = (_("This ID number is already registered in the district.") if registered is None else
                           _("The person with this ID number is already registered here."))
                err("id_number", message)
                ok = False
            else:
                lookups.seen[id_number] = r
                if existing is not None:
                    return existing
    phone = str(row["phone"])
    if phone:
        try:
            phone = pii.validate_phone(phone)
        except pii.PersonalDataError as exc:
            err("phone", str(exc))
            ok = False
    gender = {"M": "M", "F": "F", "男": "M", "女": "F", "": ""}.get(str(row["gender"]).upper())
    if gender is None:
        err("gender", _("Gender is M or F."))
        ok = False
    if not (ok and id_number and row["name"]):
        return None
    birth, sex = pii.birth_and_gender(id_number)
    return Person(district=lookups.district, name=str(row["name"])[:64], gender=gender or sex, birth_date=birth,
                  id_number=id_number, phone=phone, home_id=home[0] if home else None)


def _choice(row, err, key, choices, default=""):
    """The code of a choice column, written as its code or its (translated) label."""
    value = str(row[key]) or default
    if not value:
        return None  # an empty required column is reported once, as required
    codes = {str(label): code for code, label in choices} | {code: code for code, _l in choices}
    if value not in codes:
        err(key, _("Unknown value “%(value)s”.") % {"value": value})
        return None
    return codes[value]


def header_titles(columns):
    """The accepted spellings of each column title: the active language's first (it is the one shown),
    then Chinese and English, so that a template downloaded in either language imports."""
    titles = []
    for _k, header, _r in columns:
        spellings = [str(header)]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                spellings.append(str(header))
        titles.append(tuple(dict.fromkeys(spellings)))
    return titles


def _run_import(user, district, data, columns, parse, write):
    """Read an .xlsx made from a template of `columns`, check every row with `parse(row, err,
    lookups, r)` (which returns what to write, reporting problems through err(key, message)), and,
    only when no row has an error, `write(items)` in one transaction."""
    result = ImportResult()
    try:
        # Size, type and unpacked-size checks shared with the hierarchy import.
        wb = hierarchy_io.open_upload(data)
    except hierarchy_io.FileRefused as exc:
        result.errors.append((0, "", str(exc)))
        return result
    try:
        items = _read_rows(wb, user, district, columns, parse, result)
    except _TooManyRows:
        result.errors[:] = [(0, "", _("The sheet has more than %(n)d rows; split it into several files.") % {"n": MAX_ROWS})]
    except _Damaged:
        logger.warning("workbook failed while reading rows", exc_info=True)
        result.errors[:] = [(0, "", _("The Excel file is damaged and cannot be read. Open it in Excel or WPS, save it again as .xlsx and retry."))]
    else:
        if result.errors or not items:
            return result
        with transaction.atomic():
            write(items)
        result.created = len(items)
        return result
    finally:
        wb.close()
    return result


class _TooManyRows(Exception):
    pass


class _Damaged(Exception):
    pass


def _sheet_rows(ws):
    """The sheet's rows as value tuples; a workbook that opens but breaks while read raises _Damaged
    (openpyxl raises many kinds of error), while errors of our own checks pass through."""
    lines = ws.iter_rows(values_only=True)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except Exception as exc:
            raise _Damaged from exc
        yield raw


def _read_rows(wb, user, district, columns, parse, result):
    """What to write for each row (errors go to `result`); [] when the header is wrong."""
    ws = wb.worksheets[0]
    if (ws.max_row or 0) > MAX_ROWS + 1:  # the sheet's declared size (Excel writes it): refuse before reading
        raise _TooManyRows
    keys = [k for k, _h, _r in columns]
    headers = [str(h) for _k, h, _r in columns]
    lines = _sheet_rows(ws)
    header = next(lines, None)
    problems = hierarchy_io.header_problems(header, header_titles(columns))
    if problems:
        result.errors.extend((1, f"{get_column_letter(i + 1)}（{headers[i]}）", message) for i, message in problems)
        return []
    lookups = _Lookups.load(user, district)
    items, count = [], 0
    for r, raw in enumerate(lines, start=2):
        values = [_cell(v) for v in (list(raw) + [None] * len(columns))[: len(columns)]]
        if not any(values):
            continue
        count += 1
        if count > MAX_ROWS:
            raise _TooManyRows
        row = dict(zip(keys, values))
        errors = []

        def err(key, message, r=r, errors=errors):
            index = keys.index(key)
            errors.append((r, f"{get_column_letter(index + 1)}（{headers[index]}）", message))

        for key, header, required in columns:
            if required and not row[key]:
                err(key, _("“%(column)s” is required.") % {"column": header})
        item = parse(row, err, lookups, r)
        if errors:
            result.errors.extend(errors)
        else:
            items.append(item)
    if not count and not result.errors:
        result.errors.append((2, "", _("The sheet has no rows below the header.")))
    return items


def _save_with_persons(model, pairs):
    """bulk-create the new persons of (person or person pk, registry row) pairs, then the rows."""
    Person.objects.bulk_create([p for p, _o in pairs if isinstance(p, Person)], batch_size=2000)
    for person, obj in pairs:
        obj.person_id = person.pk if isinstance(person, Person) else person
    model.objects.bulk_create([o for _p, o in pairs], batch_size=2000)


def _date_of(row, err, key):
    if not row[key]:
        return None
    try:
        return _date(row[key])
    except ValueError:
        err(key, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": row[key]})
        return None


# ---------------------------------------------------------------- party members

def import_members(user, district, data):
    """Import party members from the bytes of an .xlsx made from member_template()."""
    orgs = {}
    try:
        from gridgov.orgs.models import PartyOrg

        for pk, name in PartyOrg.objects.filter(district=district).values_list("pk", "name"):
            orgs.setdefault(name, pk)
    except ImportError:
        pass

    def parse(row, err, lookups, r):
        home = _node(row, err, lookups, "home")
        person = _person(row, err, lookups, r, home)
        org_id = None
        if row["party_org"]:
            org_id = orgs.get(str(row["party_org"]))
            if org_id is None:
                err("party_org", _("Unknown party organisation “%(name)s”.") % {"name": row["party_org"]})
        joined = _date_of(row, err, "joined")
        status = {str(label): code for code, label in PartyMember.STATUSES} | {c: c for c, _l in PartyMember.STATUSES}
        status = status.get(str(row["status"]) or "full")
        if status is None:
            err("status", _("Unknown status “%(value)s”.") % {"value": row["status"]})
        service = str(row["in_service"]).lower()
        if service not in YES | NO:
            err("in_service", _("Write yes or no."))
        return person, PartyMember(district=district, party_org_id=org_id, joined=joined, status=status,
                                   in_service=service in YES, employer=str(row["employer"])[:128],
                                   node_path=home[1] if home else "")

    return _run_import(user, district, data, MEMBER_COLUMNS, parse, lambda pairs: _save_with_persons(PartyMember, pairs))


# ---------------------------------------------------------------- volunteers, residents, community workers

VOLUNTEER_COLUMNS = PERSON_COLUMNS + [
    ("team", gettext_lazy("Team"), False),
    ("skills", gettext_lazy("Skills (separated by 、)"), False),
]
RESIDENT_COLUMNS = PERSON_COLUMNS[:4] + [
    ("building", gettext_lazy("Building or entrance code"), True),
    ("room", gettext_lazy("Room number"), True),
    ("relation", gettext_lazy("Relation to head"), False),
    ("tags", gettext_lazy("Tags (separated by 、)"), False),
]
WORKER_COLUMNS = PERSON_COLUMNS[:4] + [
    ("community", gettext_lazy("Community code"), True),
    ("category", gettext_lazy("Post category"), True),
    ("level", gettext_lazy("Level (1–40)"), True),
    ("since", gettext_lazy("In this level since (YYYY-MM-DD)"), False),
]
_SEPARATORS = re.compile(r"[、,，;；\s]+")


def _words(value):
    return [w for w in _SEPARATORS.split(str(value)) if w]


def _example_person(serial):
    return ["张三", "M", pii.make_id_number("150105", datetime.date(1980, 5, 1), serial), "13800001234"]


def volunteer_template():
    example = _example_person(15) + ["150105001001001", "", "医疗、法律"]
    return _workbook(str(_("Volunteers")), [h for _k, h, _r in VOLUNTEER_COLUMNS], [example])


def resident_template():
    example = _example_person(17) + ["150105001001001", "101", str(_("Head of household")), str(_("Elderly living alone"))]
    return _workbook(str(_("Residents")), [h for _k, h, _r in RESIDENT_COLUMNS], [example])


def worker_template():
    example = _example_person(19) + ["150105001001", str(_("Staff post (tier 3)")), 5, "2024-01-01"]
    return _workbook(str(_("Community workers")), [h for _k, h, _r in WORKER_COLUMNS], [example])


def import_volunteers(user, district, data):
    """Import volunteers; a row whose ID number is a person of the district already links to them."""
    teams = dict(VolunteerTeam.objects.filter(district=district).values_list("name", "pk"))
    registered = set(Volunteer.objects.filter(district=district).values_list("person_id", flat=True))

    def parse(row, err, lookups, r):
        home = _node(row, err, lookups, "home")
        person = _person(row, err, lookups, r, home, registered)
        team_id = None
        if row["team"]:
            team_id = teams.get(str(row["team"]))
            if team_id is None:
                err("team", _("Unknown volunteer team “%(name)s”.") % {"name": row["team"]})
        return person, Volunteer(district=district, team_id=team_id, skills=_words(row["skills"]),
                                 node_path=home[1] if home else "")

    return _run_import(user, district, data, VOLUNTEER_COLUMNS, parse, lambda pairs: _save_with_persons(Volunteer, pairs))


def import_residents(user, district, data):
    """Import residents into households (building or entrance and room; made when missing)."""
    registered = set(Resident.objects.filter(district=district).values_list("person_id", flat=True))
    tag_codes = {str(label): code for code, label in RESIDENT_TAGS} | {c: c for c, _l in RESIDENT_TAGS}

    def parse(row, err, lookups, r):
        building = _node(row, err, lookups, "building", kinds=("building", "entrance"))
        person = _person(row, err, lookups, r, building, registered)
        relation = _choice(row, err, "relation", Resident.RELATIONS, default="head")
        tags = []
        for word in _words(row["tags"]):
            if word not in tag_codes:
                err("tags", _("Unknown value “%(value)s”.") % {"value": word})
            else:
                tags.append(tag_codes[word])
        resident = Resident(district=district, relation=relation, tags=tags, node_path=building[1] if building else "")
        resident.room = (building[0] if building else None, str(row["room"])[:16])
        return person, resident

    def write(pairs):
        rooms = {r.room for _p, r in pairs}
        have = {(h.node_id, h.number): h.pk for h in Household.objects.filter(
            district=district, node_id__in={n for n, _r in rooms})}
        missing = [Household(district=district, node_id=n, number=num) for n, num in sorted(rooms) if (n, num) not in have]
        for household in Household.objects.bulk_create(missing, batch_size=2000):
            have[(household.node_id, household.number)] = household.pk
        for _p, resident in pairs:
            resident.household_id = have[resident.room]
        _save_with_persons(Resident, pairs)

    return _run_import(user, district, data, RESIDENT_COLUMNS, parse, write)


def import_workers(user, district, data):
    """Import community workers on the 三岗四十级 ladder; their home is their community unless known."""
    registered = set(CommunityWorker.objects.filter(district=district).values_list("person_id", flat=True))

    def parse(row, err, lookups, r):
        community = _node(row, err, lookups, "community", kinds=("community",))
        person = _person(row, err, lookups, r, community, registered)
        category = _choice(row, err, "category", POST_CATEGORIES)
        try:
            level = int(row["level"])
        except (TypeError, ValueError):
            level = 0
        if row["level"] and not 1 <= level <= MAX_LEVEL:
            err("level", _("Levels run from 1 to %(max)d.") % {"max": MAX_LEVEL})
        since = _date_of(row, err, "since")
        return person, CommunityWorker(district=district, node_id=community[0] if community else None,
                                       post_category=category, level=level, since=since,
                                       node_path=community[1] if community else "")

    return _run_import(user, district, data, WORKER_COLUMNS, parse, lambda pairs: _save_with_persons(CommunityWorker, pairs))


# ---------------------------------------------------------------- dual registration, talent pool

DUAL_COLUMNS = [
    ("id_number", gettext_lazy("Member's ID number"), True),
    ("community", gettext_lazy("Community code"), True),
    ("grid", gettext_lazy("Grid code"), False),
    ("since", gettext_lazy("Registered on (YYYY-MM-DD)"), False),
]
TALENT_COLUMNS = PERSON_COLUMNS + [
    ("kind", gettext_lazy("Kind (reserve cadre/expert)"), True),
    ("field", gettext_lazy("Field"), True),
    ("note", gettext_lazy("Note"), False),
]
TRAINING_COLUMNS = [
    ("id_number", gettext_lazy("ID number"), True),
    ("course", gettext_lazy("Course"), True),
    ("hours", gettext_lazy("Hours"), True),
    ("day", gettext_lazy("Day (YYYY-MM-DD)"), True),
]


def dual_template():
    example = [pii.make_id_number("150105", datetime.date(1980, 5, 1), 21), "150105001001", "150105001001001", "2024-03-01"]
    return _workbook(str(_("Dual registrations")), [h for _k, h, _r in DUAL_COLUMNS], [example])


def talent_template():
    example = _example_person(23) + ["150105001001001", str(_("Reserve cadre")), str(_("Grassroots governance")), ""]
    return _workbook(str(_("Talent pool")), [h for _k, h, _r in TALENT_COLUMNS], [example])


def training_template():
    example = [pii.make_id_number("150105", datetime.date(1980, 5, 1), 25), "基层治理专题培训", 8, "2024-05-10"]
    return _workbook(str(_("Training records")), [h for _k, h, _r in TRAINING_COLUMNS], [example])


def _known_person(row, err, lookups, r, people, unique=True):
    """The (pk, path) of the district's person with the row's ID number, from `people` (ID number
    -> (pk, path)); with `unique`, an ID number may appear once in the file."""
    id_number = pii.normalise_id(str(row["id_number"]))
    if not id_number:
        return None
    try:
        pii.validate_id_number(id_number)
    except pii.PersonalDataError as exc:
        err("id_number", str(exc))
        return None
    if unique and id_number in lookups.seen:
        err("id_number", _("This ID number already appears in row %(row)d.") % {"row": lookups.seen[id_number]})
        return None
    found = people.get(id_number)
    if found is None:
        err("id_number", _("No person with this ID number is registered here."))
        return None
    lookups.seen[id_number] = r
    return found


def import_dual_registrations(user, district, data):
    """Import 双报到: the in-service member (by ID number) registers with a community (and grid) by
    code; an earlier active registration of the member ends, as with services.dual_register."""
    members = {}
    for pk, id_number, in_service in PartyMember.objects.filter(district=district).exclude(
            person__id_number="").values_list("pk", "person__id_number", "in_service"):
        members[id_number] = (pk, in_service)

    def parse(row, err, lookups, r):
        member = _known_person(row, err, lookups, r, members)
        if member is not None and not member[1]:
            err("id_number", _("Only in-service members register with a community (双报到)."))
        community = _node(row, err, lookups, "community", kinds=("community",))
        grid = _node(row, err, lookups, "grid", kinds=("grid",))
        if community and grid and not grid[1].startswith(community[1]):
            err("grid", _("The grid must lie in the community."))
        since = _date_of(row, err, "since") or timezone.localdate()
        return DualRegistration(member_id=member[0] if member else None, district=district,
                                community_id=community[0] if community else None, grid_id=grid[0] if grid else None,
                                since=since, active=True, node_path=(grid or community or (None, ""))[1])

    def write(items):
        DualRegistration.objects.filter(member_id__in=[d.member_id for d in items], active=True).update(active=False)
        DualRegistration.objects.bulk_create(items, batch_size=2000)

    return _run_import(user, district, data, DUAL_COLUMNS, parse, write)


def import_talent(user, district, data):
    """Import reserve cadres and experts; a row whose ID number is a person of the district links to them."""

    def parse(row, err, lookups, r):
        home = _node(row, err, lookups, "home")
        person = _person(row, err, lookups, r, home, registered=set())
        kind = _choice(row, err, "kind", TalentEntry.KINDS)
        field_ = _choice(row, err, "field", TalentEntry.FIELDS)
        return person, TalentEntry(district=district, kind=kind, field=field_, note=str(row["note"])[:255],
                                   node_path=home[1] if home else "")

    return _run_import(user, district, data, TALENT_COLUMNS, parse, lambda pairs: _save_with_persons(TalentEntry, pairs))


def import_trainings(user, district, data):
    """Import training records of persons of the district (by ID number) the importer may reach."""
    people = {}
    root = Node.objects.filter(district=district, depth=1).values_list("path", flat=True).first() or ""
    for pk, id_number, path in Person.objects.filter(district=district).exclude(id_number="").values_list(
            "pk", "id_number", "home__path"):
        people[id_number] = (pk, path or root)

    def parse(row, err, lookups, r):
        person = _known_person(row, err, lookups, r, people, unique=False)
        if person is not None and not _in_scope(person[1], lookups.allowed):
            err("id_number", _("This person lives outside the area you may import into."))
        try:
            hours = Decimal(str(row["hours"]))
            if not 0 < hours <= 1000:
                raise InvalidOperation
        except InvalidOperation:
            hours = None
            if row["hours"]:
                err("hours", _("Hours are a number above 0."))
        day = _date_of(row, err, "day")
        return TrainingRecord(person_id=person[0] if person else None, district=district, course=str(row["course"])[:128],
                              hours=hours, day=day, node_path=person[1] if person else "")

    return _run_import(user, district, data, TRAINING_COLUMNS, parse,
                       lambda items: TrainingRecord.objects.bulk_create(items, batch_size=2000))


IMPORTS = {
    # registry -> (template, import, file name): the import pages are one view over this table.
    "members": (member_template, import_members, "party-members"),
    "volunteers": (volunteer_template, import_volunteers, "volunteers"),
    "residents": (resident_template, import_residents, "residents"),
    "workers": (worker_template, import_workers, "community-workers"),
    "dual": (dual_template, import_dual_registrations, "dual-registrations"),
    "talent": (talent_template, import_talent, "talent-pool"),
    "trainings": (training_template, import_trainings, "training-records"),
}


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



def export_dual_registrations(queryset):
    """Active dual registrations with the member's ID number and phone masked; codes as in the template."""
    headers = [pgettext("person", "Name"), _("ID number"), _("Phone"), _("Employer"), _("Community code"), _("Grid code"),
               _("Registered on")]

    def rows():
        for d in queryset.select_related("member__person", "community", "grid").iterator(chunk_size=2000):
            p = d.member.person
            yield [p.name, pii.mask_id(p.id_number), pii.mask_phone(p.phone), d.member.employer, d.community.code,
                   d.grid.code if d.grid_id else "", d.since.isoformat()]

    return _workbook(str(_("Dual registrations")), headers, rows())


def export_service_records(queryset):
    """The service ledger (no personal data beyond names)."""
    kinds = dict(ServiceRecord.KINDS)
    headers = [_("Day"), pgettext("person", "Name"), _("Kind"), _("Hours"), _("Service"), _("Node"), _("Verified by")]

    def rows():
        for s in queryset.select_related("person", "node", "verified_by").iterator(chunk_size=2000):
            yield [s.day.isoformat(), s.person.name, str(kinds[s.kind]), float(s.hours), s.what, s.node.name,
                   s.verified_by.name if s.verified_by_id else ""]

    return _workbook(str(_("Service ledger")), headers, rows())


def export_talent(queryset):
    kinds, fields = dict(TalentEntry.KINDS), dict(TalentEntry.FIELDS)
    headers = [pgettext("person", "Name"), _("ID number"), _("Phone"), _("Kind"), _("Field"), _("Note"), _("Hours of training")]
    rows = ([t.person.name, pii.mask_id(t.person.id_number), pii.mask_phone(t.person.phone), str(kinds[t.kind]),
             str(fields[t.field]), t.note, float(t.training_hours)] for t in queryset)
    return _workbook(str(_("Talent pool")), headers, rows)


def export_trainings(queryset):
    headers = [pgettext("person", "Name"), _("ID number"), _("Course"), _("Hours"), _("Day")]
    rows = ([t.person.name, pii.mask_id(t.person.id_number), t.course, float(t.hours), t.day.isoformat()]
            for t in queryset.select_related("person").order_by("-day", "pk").iterator(chunk_size=2000))
    return _workbook(str(_("Training records")), headers, rows)


# ---------------------------------------------------------------- reports

def export_multi_post(people, posts_of):
    """Persons with more than one post (交叉任职, 一肩挑); `posts_of` maps a person's pk to their posts."""
    headers = [pgettext("person", "Name"), _("Number of posts"), _("Posts")]
    rows = ([p.name, p.n_posts, "；".join(f"{post.node.name} {post.title or post.get_role_display()}" for post in posts_of.get(p.pk, []))]
            for p in people)
    return _workbook(str(_("Persons with more than one post")), headers, rows)


def export_committee_shares(rows):
    headers = [_("Node"), _("Members"), _("Party members"), _("Share (%)")]
    return _workbook(str(_("Party-member share of owners' committees")), headers,
                     ([r["node"], r["size"], r["party_members"], round(100 * r["share"], 1)] for r in rows))


def export_dual_report(rows):
    headers = [_("Employer"), _("Members registered"), _("Hours of service")]
    return _workbook(str(_("Dual-registration report")), headers,
                     ([r["employer"], r["members"], float(r["hours"])] for r in rows))
