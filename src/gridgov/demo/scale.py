"""`gridgov demo --scale N`: N synthetic districts the size of Xiaodian (1,240 grids, 6,500 party
members, 150,000 cases a year each) for load tests and benchmarks, built by the demo's own steps."""
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from tqdm import tqdm

from gridgov.hierarchy.models import District
from gridgov.people.roles import DEMO_ROLES

from .build import STEPS, Context, _discover_steps, rng_for
from .districts import SAIHAN_LEVELS, SPEC_BY_CODE, DistrictSpec, chinese_number

# What a city needs to be loaded like a real one: the tree, the logins, the party organisations and
# the grid staffing, the members (with workers, volunteers and their ledgers), and a year of cases
# with their transitions, evaluations and patrols. The activity modules (meetings, points, stars,
# resources, deliberation…) are left out unless asked for: they add tables, not load on the big ones.
CORE_STEPS = ("hierarchy", "logins", "orgs", "staffing", "coordination", "people", "case_setup", "cases_year", "dashboard_tallies")

# Per synthetic district, as Xiaodian (MISSION.md): 123 communities, 1,240 grids, ≥150,000 cases a
# year, 6,488 members reported to communities, 1,200+ community workers.
COMMUNITIES, CELLS, CASES_PER_YEAR = 123, 1240, 150_000
MEMBERS, DUAL_REGISTERED, VOLUNTEERS, WORKERS = 6_500, 2_000, 1_500, 1_236
SUBDISTRICTS = ["东关街道", "西关街道", "南关街道", "北关街道", "城东街道", "城西街道", "新城街道"]

# GB/T 2260-looking codes in Shanxi (14) under an unused city number counting down from 99: 149901…149999,
# then 149801… — never one of the seed districts (140105, 150105, 530111) nor a real Taiyuan district.
MAX_DISTRICTS = 99 * 20


def synthetic_code(i):
    """The code of the i-th synthetic district (0-based)."""
    if not 0 <= i < MAX_DISTRICTS:
        raise ValueError(f"at most {MAX_DISTRICTS} synthetic districts")
    return f"14{99 - i // 99:02d}{i % 99 + 1:02d}"


def synthetic_spec(i):
    """District i: Xiaodian's shape, on a lattice of 10 a row south-west of Taiyuan (no overlaps)."""
    code = synthetic_code(i)
    assert code not in SPEC_BY_CODE
    n = i % 99 + 1
    return DistrictSpec(
        code=code, name=f"示范{chinese_number(n)}区" if i < 99 else f"示范{i + 1}区", city="示范市", levels=SAIHAN_LEVELS,
        lon=110.0 + 0.40 * (i % 10), lat=36.8 - 0.30 * (i // 10), radius=0.13,
        subdistricts=SUBDISTRICTS, communities=COMMUNITIES, cells=CELLS,
    )


def _register_figures(specs):
    """The people and cases steps look their volumes up by district code; synthetic codes get Xiaodian's."""
    from gridgov.cases import demo_year
    from gridgov.orgs import demo_steps as org_steps
    from gridgov.people import demo_steps as people_steps

    # Xiaodian's organisations (504 joint grid branches, 187 partner units), without its business-district
    # centre of 30,000 firms; with their co-building agreements.
    orgs = org_steps.OrgFigures(grid_orgs=504, partner_units=187, agreements=True)
    figures = people_steps.PeopleFigures(members=MEMBERS, dual_registered=DUAL_REGISTERED, volunteers=VOLUNTEERS, workers=WORKERS)
    for spec in specs:
        org_steps.FIGURES.setdefault(spec.code, orgs)
        people_steps.FIGURES.setdefault(spec.code, figures)
        demo_year.CASES_PER_YEAR.setdefault(spec.code, CASES_PER_YEAR)


class _Silent:
    """The hierarchy step reports communities to the demo's bar; here the bar counts steps."""

    def update(self, n=1):
        pass


def build_scale(n, seed=2026, password="gridgov-demo", progress=True, volume=1.0, steps=CORE_STEPS, out=print):
    """Build every missing step of synthetic districts 0…n-1 (idempotent, like the demo); returns
    {"districts", "seconds", "per_step": {name: seconds}}."""
    started = time.monotonic()
    _discover_steps()
    specs = [synthetic_spec(i) for i in range(n)]
    _register_figures(specs)
    chosen = [(name, fn) for name, fn in STEPS if steps is None or name in steps]
    per_step = {}
    with tqdm(total=len(specs) * len(chosen), desc="scale", unit="step", disable=not progress) as bar:
        for spec in specs:
            district = District.objects.filter(code=spec.code).first()
            for name, fn in chosen:
                bar.set_postfix_str(f"{spec.code} {name}")
                done = district.settings.get("demo_steps", []) if district else []
                if name not in done:
                    t = time.monotonic()
                    with transaction.atomic():
                        ctx = Context(spec, district, rng_for(seed, spec, name), _Silent(), seed, volume)
                        district = fn(ctx)
                        district.refresh_from_db()
                        district.settings["demo_steps"] = done + [name]
                        district.save(update_fields=["settings"])
                    per_step[name] = per_step.get(name, 0.0) + time.monotonic() - t
                bar.update(1)
    usernames = [f"{role}.{spec.code}" for spec in specs for role in DEMO_ROLES]
    get_user_model().objects.filter(username__in=usernames).update(password=make_password(password), is_active=True)
    return {"districts": [s.code for s in specs], "seconds": time.monotonic() - started, "per_step": per_step}
