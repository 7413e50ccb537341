"""The demo builder: an ordered list of steps run per district, each in one transaction and
recorded in District.settings["demo_steps"], so that re-running adds only what is missing."""
import time

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker
from tqdm import tqdm

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import District, GridLayer, Node
from gridgov.people.models import Person, Post
from gridgov.people.roles import DEMO_ROLES, ROLES

from . import geometry
from .districts import SPECS, cell_name, community_names

DEFAULT_PASSWORD = "gridgov-demo"
STEPS = []


def step(name):
    def register(fn):
        STEPS.append((name, fn))
        return fn
    return register


def rng_for(seed, spec, name):
    return np.random.default_rng([seed, int(spec.code), sum(map(ord, name))])


class Context:
    """What a step gets: the spec, the district (None before the hierarchy step), a seeded RNG."""

    def __init__(self, spec, district, rng, progress, seed, volume=1.0):
        self.spec, self.district, self.rng, self.progress, self.seed = spec, district, rng, progress, seed
        # Share of the published activity volumes (cases, patrols…) to generate; tests use a little.
        self.volume = volume
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(int(rng.integers(1 << 31)))


@step("hierarchy")
def build_hierarchy(ctx):
    spec, rng = ctx.spec, ctx.rng
    outline = geometry.outline(spec.lon, spec.lat, spec.radius, rng)
    district = hierarchy.create_district(spec.code, spec.name, spec.levels, polygon=outline, settings={"city": spec.city})
    root = district.root
    cell_kind = district.cell_kind
    builder = hierarchy.TreeBuilder(district)
    per_sub = geometry.spread(spec.communities, len(spec.subdistricts), rng)
    per_comm = geometry.spread(spec.cells, spec.communities, rng)
    names = community_names(spec.communities, rng, spec.known_communities)
    sub_geoms = geometry.partition(outline, len(spec.subdistricts), rng)
    c = 0
    for s, (sub_name, sub_geom) in enumerate(zip(spec.subdistricts, sub_geoms), start=1):
        sub = builder.add(root, "subdistrict", f"{spec.code}{s:03d}", sub_name, sub_geom)
        for k, comm_geom in enumerate(geometry.partition(sub_geom, per_sub[s - 1], rng), start=1):
            comm = builder.add(sub, "community", f"{sub.code}{k:03d}", names[c], comm_geom)
            for g, cell_geom in enumerate(geometry.partition(comm_geom, per_comm[c], rng), start=1):
                cell = builder.add(comm, cell_kind, f"{comm.code}{g:03d}", cell_name(cell_kind, g), cell_geom)
                if c < spec.detailed_communities:
                    _add_buildings(builder, district, cell, rng)
            c += 1
        ctx.progress.update(per_sub[s - 1])
    builder.flush()
    return district


def _add_buildings(builder, district, cell, rng):
    entrances = district.child_kind("building") == "entrance"
    for b, rect in enumerate(geometry.buildings(cell.geom, int(rng.integers(6, 11)), rng), start=1):
        building = builder.add(cell, "building", f"{cell.code}{b:03d}", f"{b}号楼", rect)
        if entrances:
            for u, part in enumerate(geometry.split_rect(rect, int(rng.integers(2, 5))), start=1):
                builder.add(building, "entrance", f"{building.code}{u:02d}", f"{u}单元", part)


@step("thematic_layers")
def build_thematic_layers(ctx):
    district = ctx.district
    GridLayer.objects.get_or_create(district=district, kind="comprehensive", defaults={"name": "综合网格"})
    if not ctx.spec.thematic_layers:
        return district
    # Legacy layers merged into the comprehensive layer (多网合一): party building matched the
    # comprehensive grids one to one, 综治 grids covered about two, 城管 grids about five.
    for kind, name, prefix, size in [
        ("party_building", "党建网格", "DJ", 1),
        ("comprehensive_governance", "综治网格", "ZZ", 2),
        ("urban_management", "城管网格", "CG", 5),
    ]:
        layer = GridLayer.objects.create(district=district, kind=kind, name=name)
        groups = []
        for community in Node.objects.filter(district=district, kind="community").order_by("code"):
            cells = list(Node.objects.filter(hierarchy.subtree_q(community.path), kind=district.cell_kind).order_by("code"))
            for i in range(0, len(cells), size):
                groups.append((community, i // size + 1, cells[i:i + size]))
        hierarchy.create_thematic_grids(layer, [
            (f"{prefix}{community.code}{serial:03d}", f"{community.name}{name}{serial}", [c.polygon for c in cells])
            for community, serial, cells in groups
        ])
    return district


@step("logins")
def build_logins(ctx):
    """One login per role, at predictable nodes, so that a trainer can hand them out."""
    district = ctx.district
    nodes = demo_login_nodes(district)
    User = get_user_model()
    for role in DEMO_ROLES:
        username = f"{role}.{district.code}"
        user, _ = User.objects.get_or_create(username=username)
        user.is_staff = role == "district_admin"
        user.save()
        person, _ = Person.objects.get_or_create(user=user, defaults={"district": district, "name": ctx.faker.name(), "home": nodes[role]})
        Post.objects.get_or_create(person=person, role=role, node=nodes[role], defaults={"district": district, "title": str(ROLES[role].label)})
    return district


def demo_login_nodes(district):
    root = district.root
    sub = Node.objects.filter(district=district, kind="subdistrict").order_by("code").first()
    community = Node.objects.filter(district=district, kind="community").order_by("code").first()
    cell = Node.objects.filter(hierarchy.subtree_q(community.path), kind=district.cell_kind).order_by("code").first()
    building = Node.objects.filter(hierarchy.subtree_q(cell.path), kind="building").order_by("code").first()
    return {
        "district_admin": root,
        "subdistrict_secretary": sub,
        "community_secretary": community,
        "grid_chief": cell,
        "grid_worker": cell,
        "department_handler": root,
        "partner_unit_contact": community,
        "resident": building or cell,
    }


def set_demo_passwords(password):
    """Every demo login gets the same password (hashed once: the demo has dozens of logins)."""
    hashed = make_password(password)
    usernames = [f"{role}.{spec.code}" for spec in SPECS for role in DEMO_ROLES]
    get_user_model().objects.filter(username__in=usernames).update(password=hashed, is_active=True)
    return usernames


def _discover_steps():
    """Import each installed gridgov app's `demo_steps` module: importing registers its @step
    functions after the hierarchy's, in INSTALLED_APPS order."""
    from gridgov.extensions import app_modules

    app_modules("demo_steps", exclude=("gridgov.demo",))


def build(seed=2026, password=DEFAULT_PASSWORD, out=print, progress=True, codes=None, volume=1.0):
    """Build every missing step for every seed district; returns the seconds taken."""
    started = time.monotonic()
    _discover_steps()
    specs = [s for s in SPECS if codes is None or s.code in codes]
    total = sum(s.communities for s in specs)
    with tqdm(total=total, desc="demo", unit="社区", disable=not progress) as bar:
        for spec in specs:
            district = District.objects.filter(code=spec.code).first()
            for name, fn in STEPS:
                done = (district.settings.get("demo_steps", []) if district else [])
                if name in done:
                    if name == "hierarchy":
                        bar.update(spec.communities)
                    continue
                with transaction.atomic():
                    ctx = Context(spec, district, rng_for(seed, spec, name), bar, seed, volume)
                    district = fn(ctx)
                    district.refresh_from_db()
                    district.settings["demo_steps"] = done + [name]
                    district.save(update_fields=["settings"])
    set_demo_passwords(password)
    return time.monotonic() - started
