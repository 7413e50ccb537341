"""The permission matrix: every page and API operation × every demo login of 小店区 and an anonymous
visitor × an object in the login's area, in another subdistrict, in another district → the expected
answer (matrix.py). Zero leaks: no out-of-area object, no unmasked ID number or phone."""
import io
import os
import re
import time
import zipfile
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gridgov.api.api import api
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people.admin import ScopedAdmin
from gridgov.people.roles import DEMO_ROLES, REVEAL, ROLES

from . import matrix as M

CODE, OTHER_CODE = "140105", "150105"
STEP = Node.steplen
ANON = "anonymous"
ROLES_UNDER_TEST = [ANON, *DEMO_ROLES]
VARIANTS = ("near", "far", "other")
MISSING = "tests/security/matrix.py"
LOG = os.environ.get("MATRIX_LOG")  # a file: one line per request with its time and verdict


# ------------------------------------------------------------------------------ what there is to test

@dataclass(frozen=True)
class Target:
    key: str        # the expectation's key: URL name, route of an unnamed pattern, or operationId
    url_name: str   # what reverse() takes ("" for unnamed patterns: route used instead)
    route: str
    rule: M.Rule
    api_path: str = ""  # the OpenAPI path for operations


def _walk(resolver, prefix="", namespace=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield prefix + str(p.pattern), name, p


def _openapi_route(route):
    """ninja's Django route "api/nodes/<node_id>" as the spec's "/api/nodes/{node_id}"."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def collect():
    """(targets, admin_targets, problems): every URL pattern and API operation with its rule;
    problems lists what has no expectation."""
    spec = api.get_openapi_schema()
    operations = {}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            operations[op["operationId"]] = (path, method.upper())
    api_paths = {path for path, _m in operations.values()}
    admin_models = {f"admin:{m._meta.app_label}_{m._meta.model_name}_" for m in admin.site._registry}
    targets, problems, seen = [], [], set()
    for route, name, _pattern in _walk(get_resolver()):
        if route.startswith("admin/"):
            if (name or route) in M.ADMIN_SITE:
                targets.append(Target(name or route, name, route, M.ADMIN_SITE[name or route]))
            elif not any(name.startswith(prefix) for prefix in admin_models) and not re.search(r"<path:object_id>/$", route):
                problems.append(f"admin URL {name or route!r}: add it to ADMIN_SITE in {MISSING}")
            continue
        if route.startswith("api/") and _openapi_route(route) in api_paths:
            continue  # an operation: its expectation is per operationId below
        key = name or route
        if key in seen:
            continue
        seen.add(key)
        rule = M.PAGES.get(key)
        if rule is None:
            problems.append(f"page {key!r} ({route}): add a Rule for it to PAGES in {MISSING}")
            continue
        targets.append(Target(key, name, route, rule))
    for op_id, (path, method) in sorted(operations.items()):
        rule = M.API.get(op_id)
        if rule is None:
            problems.append(f"API operation {op_id!r} ({method} {path}): add a Rule for it to API in {MISSING}")
            continue
        if rule.method != method:
            problems.append(f"API operation {op_id!r} is {method}, its Rule says {rule.method}: fix API in {MISSING}")
        targets.append(Target(op_id, "", "", rule, api_path=path))
    for key in sorted(set(M.PAGES) - seen):
        problems.append(f"PAGES has {key!r}, which is no longer a URL: remove it from {MISSING}")
    for key in sorted(set(M.API) - set(operations)):
        problems.append(f"API has {key!r}, which is no longer an operation: remove it from {MISSING}")
    return targets, admin_targets(problems), problems


def admin_targets(problems):
    """Per registered ModelAdmin: changelist, add, change, history, delete and the object-id redirect."""
    out = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        base = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        if isinstance(model_admin, ScopedAdmin):
            perm, scope_path = M.ADMIN, model_admin.scope_path
        elif label in M.ADMIN_OTHERS:
            perm, scope_path = M.ADMIN_OTHERS[label], ("district__nodes__path" if _has_field(model, "district") else None)
        else:
            problems.append(f"admin model {label}: not a ScopedAdmin; list who may open it in ADMIN_OTHERS in {MISSING}")
            continue
        add_custom = type(model_admin).has_add_permission is not ScopedAdmin.has_add_permission
        delete_custom = type(model_admin).has_delete_permission is not ScopedAdmin.has_delete_permission
        kind = f"admin:{label}"
        pages = {
            "changelist": M.Rule(perm),
            "add": M.Rule(perm if add_custom or perm == M.NOBODY else M.NOBODY, near=M.ANY if add_custom else M.ALLOW),
            "change": M.Rule(perm, kind, args=_admin_obj, scope="admin"),
            "history": M.Rule(perm, kind, args=_admin_obj, scope="admin"),
            "delete": M.Rule(perm if delete_custom or perm == M.NOBODY else M.NOBODY, kind, args=_admin_obj,
                             scope="admin", near=M.ANY if delete_custom else M.ALLOW),
        }
        for suffix, rule in pages.items():
            if suffix == "changelist" and label in M.ADMIN_SKIP:
                SKIPPED[f"{base}_{suffix}"] = M.ADMIN_SKIP[label]
            out.append(Target(f"{base}_{suffix}", f"{base}_{suffix}", "", rule))
        redirect = f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/"
        out.append(Target(f"{base}:redirect", "", redirect, M.Rule(perm, kind, args=_admin_obj, scope="admin", near=M.NO_DATA)))
        ADMIN_KINDS[kind] = (model, scope_path)
    return out


def _admin_obj(s):
    return {"object_id": s.pk}


def _has_field(model, name):
    try:
        model._meta.get_field(name)
        return True
    except Exception:
        return False


ADMIN_KINDS = {}
SKIPPED = {}
TARGETS, ADMIN_TARGETS, PROBLEMS = collect()
ALL_TARGETS = TARGETS + ADMIN_TARGETS


def _has_perm(role, perm):
    if perm in (M.PUBLIC, M.SIGNED_IN):
        return True
    if perm == M.NOBODY:
        return False
    perms = ROLES[role].perms
    return any(p in perms for p in perm) if isinstance(perm, tuple) else perm in perms


# Where each demo login's post is (gridgov.demo.build.demo_login_nodes).
LOGIN_LEVEL = {
    "district_admin": "district", "department_handler": "district", "subdistrict_secretary": "subdistrict",
    "community_secretary": "community", "partner_unit_contact": "community", "grid_chief": "grid",
    "grid_worker": "grid", "resident": "building",
}
# The logins asked about far and other-district objects in the short matrix, asked first so that
# they represent their class: the whole district, a community with every area permission, a grid.
WIDE = ("district_admin", "community_secretary", "grid_worker")
ORDER = [ANON, *WIDE, *[r for r in DEMO_ROLES if r not in WIDE]]
# MATRIX_FULL=1: every login with every variant (about 3x the requests; not in make test).
FULL = os.environ.get("MATRIX_FULL") == "1"


def _heavy(target):
    """Exports (whole registries as Excel or PDF): asked of the narrowest allowed login only in
    the short matrix; MATRIX_FULL asks everyone."""
    return target.route.endswith((".xlsx", ".pdf")) or "export" in target.key or target.key.endswith(("_xlsx", "_pdf"))


def _allowed(rule, role):
    if rule.perm == M.PUBLIC:
        return True
    return role != ANON and role not in rule.deny_roles and (_has_perm(role, rule.perm) or role in rule.allow_roles)


def cases_of(target):
    """(role, variant) pairs to ask. The short matrix (make test) asks each class of logins once:
    logins refused by the permission are one class (the refusal cannot depend on the object), and
    logins allowed at the same level with the same scope are one class (e.g. grid chief and grid
    worker on a VIEW page); far and other-district objects are asked of the WIDE logins. Admin
    object pages: the admin with both variants, one refused login with the near object."""
    rule = target.rule
    out, seen = [], set()
    if not FULL and target.key.startswith("admin:") and not target.key.endswith(("_changelist", "_change")):
        # The admin's gate and its scoped queryset are the changelist's and the change page's;
        # add, history, delete and the id redirect are asked of the admin once.
        return [("district_admin", "other" if target.key.endswith("_history") else "near")]
    heavy = not FULL and _heavy(target)
    narrow = [r for r in DEMO_ROLES if _allowed(rule, r) and LOGIN_LEVEL[r] not in ("district", "subdistrict")]
    for role in ORDER:
        allowed = _allowed(rule, role)
        if heavy and allowed and role != ANON and narrow and role not in narrow:
            continue  # a district-wide export is the same code as a community's, only longer
        if not FULL:
            if role == ANON:
                key = ANON
            elif not allowed:
                key = "refused"
            else:
                scope_perm = rule.perm if rule.scope_perm == "same" else rule.scope_perm
                scoped = scope_perm in (None, M.PUBLIC, M.SIGNED_IN) or _has_perm(role, scope_perm)
                key = (LOGIN_LEVEL[role], scoped, role in rule.allow_roles)
            if key in seen:
                continue
            seen.add(key)
        if rule.kind is None:
            out.append((role, "near"))
            continue
        variants = VARIANTS if allowed and role != ANON else ("near",)
        if rule.perm == M.PUBLIC and role == ANON:
            variants = VARIANTS
        if not FULL and role not in WIDE:
            variants = ("near",)
        if rule.scope == "admin":
            variants = tuple(v for v in variants if v != "far")
        out.extend((role, v) for v in variants)
    return out


CASES = [(t, role, variant) for t in ALL_TARGETS for role, variant in cases_of(t)]


def _marks(target):
    if target.key in SKIPPED:
        return [pytest.mark.skip(reason=SKIPPED[target.key])]
    return [pytest.mark.xfail(strict=True, reason=target.rule.xfail)] if target.rule.xfail else []


# ------------------------------------------------------------------------------ the demo's samples

@dataclass(frozen=True)
class Sample:
    pk: object
    path: str
    extra: dict


class Context:
    """What every case reads: the logins' posts and the sample objects, read once per session."""

    def __init__(self):
        User = get_user_model()
        root = Node.objects.get(district__code=CODE, depth=1)
        other_root = Node.objects.get(district__code=OTHER_CODE, depth=1)
        self.users, self.posts, self.homes = {}, {}, {}
        for role in DEMO_ROLES:
            user = User.objects.get(username=f"{role}.{CODE}")
            self.users[role] = user.pk
            self.posts[role] = [(p.role, p.node.path) for p in user.person.posts.select_related("node")]
            self.homes[role] = user.person.home.path if user.person.home_id else ""
        grid = dict(self.posts["grid_chief"])["grid_chief"]
        community = dict(self.posts["community_secretary"])["community_secretary"]
        subdistrict = dict(self.posts["subdistrict_secretary"])["subdistrict_secretary"]
        self.near_prefixes = [grid, community, subdistrict]
        self.far_prefixes = list(Node.objects.filter(district__code=CODE, depth=2).exclude(path=subdistrict)
                                 .order_by("path").values_list("path", flat=True))
        self.other_prefixes = list(Node.objects.filter(district__code=OTHER_CODE, depth=2).order_by("path")
                                   .values_list("path", flat=True)) + [other_root.path]
        self.root, self.other_root = root.path, other_root.path
        self.samples = {}
        for name, kind in M.KINDS.items():
            model = apps.get_model(kind.model)
            qs = model.objects.filter(**kind.filter)
            self.samples[name] = {
                "near": self._pick(qs, kind.path, self.near_prefixes, kind),
                "far": self._pick(qs, kind.path, self.far_prefixes, kind),
                "other": self._pick(qs, kind.path, self.other_prefixes, kind),
            }
        for name, (model, scope_path) in ADMIN_KINDS.items():
            qs = model.objects.all()
            if scope_path is None:
                first = qs.order_by("pk").first()
                sample = Sample(first.pk, "", {}) if first else None
                self.samples[name] = {"near": sample, "other": sample}
                continue
            self.samples[name] = {v: self._admin_pick(model, scope_path, code, r)
                                  for v, code, r in (("near", CODE, self.root), ("other", OTHER_CODE, self.other_root))}
        from gridgov.people.models import Person
        ids, phones = set(), set()
        for id_number, phone in Person.objects.values_list("id_number", "phone"):
            if id_number:
                ids.add(id_number)
            if phone:
                phones.add(phone)
        self.id_numbers, self.phones = ids, phones

    @staticmethod
    def _admin_pick(model, scope_path, code, root):
        """An object of the district: by its district field, else by the admin's scope path."""
        if _has_field(model, "district"):
            qs = model.objects.filter(district__code=code)
        else:
            qs = model.objects.filter(subtree_q(root, scope_path))
        first = qs.order_by("pk").values_list("pk", flat=True).first()
        return Sample(first, root, {}) if first is not None else None

    @staticmethod
    def _pick(qs, path, prefixes, kind, path_of=None):
        for prefix in prefixes:
            row = (qs.filter(subtree_q(prefix, path)).order_by(kind.order if kind.model else "pk", "pk")
                   .values("pk", path, *kind.extra).first())
            if row:
                extra = {k: row[k] for k in kind.extra}
                return Sample(row["pk"], path_of or row[path], extra)
        return None


@pytest.fixture(scope="session")
def ctx(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return Context()


# ------------------------------------------------------------------------------ expectations

def expected(rule, role, variant, sample, ctx):
    if rule.perm == M.PUBLIC:
        pass
    elif role == ANON:
        return M.DENY
    elif role in rule.deny_roles:
        return M.DENY
    elif role not in rule.allow_roles and not _has_perm(role, rule.perm):
        return M.DENY
    if rule.kind is None:
        return rule.near
    if variant == "other":
        return M.DENY
    if rule.scope in ("any",) or rule.perm == M.PUBLIC:
        return M.ANY
    if rule.scope == "admin":
        return rule.near  # the admin's district: all of it
    scope_perm = rule.perm if rule.scope_perm == "same" else rule.scope_perm
    if scope_perm in (M.PUBLIC, M.SIGNED_IN):
        scope_perm = None
    for post_role, node_path in ctx.posts[role]:
        if (scope_perm is None or _has_perm(post_role, scope_perm) or post_role in rule.allow_roles) \
                and sample.path.startswith(node_path):
            return rule.near
    if rule.scope in ("community", "subdistrict"):
        # Published for the community (events, topics, meetings) or subdistrict (resources) of
        # the login's posts and home: readable there, not asserted (state rules apply); never beyond.
        steps = 3 if rule.scope == "community" else 2
        places = [p for _r, p in ctx.posts[role]] + [ctx.homes[role]]
        for place in filter(None, places):
            area = place[: steps * STEP]
            if sample.path.startswith(area) or place.startswith(sample.path):
                return M.ANY
    return M.DENY


# ------------------------------------------------------------------------------ asking

LOGIN_PATHS = ("/login/", "/admin/login/")
_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")
_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def url_of(target, sample):
    rule = target.rule
    kwargs = {}
    if rule.args is not None:
        kwargs = rule.args(sample)
    elif rule.kind is not None:
        kwargs = M.pk(sample)
    if target.api_path:
        return target.api_path.format(**{k: str(v) for k, v in kwargs.items()})
    if target.url_name:
        return reverse(target.url_name, kwargs=kwargs or None)
    if target.key == "api:unknown":
        return "/api/no-such-endpoint"
    if target.key == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    # An unnamed pattern: fill its route.
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), target.route)


def ask(client, target, url, sample):
    rule = target.rule
    params = rule.query(sample) if callable(rule.query) else rule.query
    if rule.method == "GET":
        return client.get(url, params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    if target.api_path:
        return client.post(url, rule.data, content_type="application/json")
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return client.post(url + query, rule.data)


def outcome(response):
    status = response.status_code
    if status >= 500:
        return "error"
    if 200 <= status < 300:
        return "ok"
    if 300 <= status < 400:
        location = response.get("Location", "")
        if any(p in location for p in LOGIN_PATHS) or location.rstrip("/").endswith("/admin"):
            return "denied"
        return "redirect"
    if status in (401, 403, 404, 405):
        return "denied"
    return "refused"  # 400/409/422: the request itself was refused


def verdict(want, got, method):
    if got == "error":
        return False
    if want == M.ANY:
        return True
    if want == M.ALLOW:
        return got in ("ok", "redirect") or (method == "POST" and got == "refused")
    if want == M.NO_DATA:
        return got != "ok"
    # DENY: never an answer with data, never a redirect that is not to a login page.
    return got in ("denied", "refused")


def _state(rule, sample):
    if not rule.unchanged or sample is None:
        return None
    model, field_name = rule.unchanged.split(":")
    return apps.get_model(model).objects.filter(pk=sample.pk).values_list(field_name, flat=True).first()


def _empty_list(target, response):
    if not target.api_path or target.rule.kind is not None or target.rule.method != "GET":
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return body == [] or (isinstance(body, dict) and body.get("items") == [] and not body.get("count"))


def body_text(response):
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind or content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            return ""
    return content.decode("utf-8", "replace")


def leaks(text, ctx):
    found = [m for m in _ID.findall(text) if m in ctx.id_numbers]
    found += [m for m in _PHONE.findall(text) if m in ctx.phones]
    return found


# ------------------------------------------------------------------------------ the tests

def test_every_url_and_operation_has_an_expectation():
    """A page or API operation with no Rule in matrix.py fails here, with where to add it."""
    assert not PROBLEMS, "\n".join(PROBLEMS)


def test_matrix_size():
    """Recorded in the issue note: the number of (role, URL, object) cases the matrix asks."""
    assert len(CASES) > 1000, len(CASES)
    print(f"\npermission matrix: {len(ALL_TARGETS)} URLs/operations, {len(CASES)} cases")


def params(targets):
    return [pytest.param(t, id=t.key, marks=_marks(t)) for t in targets]


@pytest.mark.parametrize("target", params(TARGETS))
def test_matrix(target, ctx, db, django_user_model):
    """One page or API operation: every role and variant gets the expected answer and no leak.
    (The admin pages are asked in test_matrix_admin.py, so that the two halves run on two workers.)"""
    check_target(target, ctx, django_user_model)


def check_target(target, ctx, django_user_model):
    failures = []
    users, clients = {}, {}
    for role, variant in cases_of(target):
        rule = target.rule
        sample = None
        if rule.kind is not None:
            sample = ctx.samples[rule.kind].get(variant)
            if sample is None:
                continue  # the demo has no such object there (e.g. no photo in a 1 % demo)
        # One logged-in client per role for the target's variants (a login is a session write).
        client = clients.get(role)
        if client is None:
            client = clients[role] = Client()
            if role != ANON:
                user = users.get(role) or django_user_model.objects.get(pk=ctx.users[role])
                users[role] = user
                client.force_login(user)
        url = url_of(target, sample)
        before = _state(rule, sample)
        began = time.perf_counter()
        response = ask(client, target, url, sample)
        took = time.perf_counter() - began
        want = expected(rule, role, variant, sample, ctx)
        if want == M.DENY and rule.near == M.NO_DATA:
            want = M.NO_DATA  # a redirect that carries nothing is not a leak either
        got = outcome(response)
        if want == M.DENY and got == "redirect" and rule.unchanged and _state(rule, sample) == before:
            got = "denied"  # refused with a message and a redirect: nothing was written
        if want == M.DENY and got == "ok" and _empty_list(target, response):
            got = "denied"  # an API list answers a login without the permission with nothing
        where = f"{role:<22} {variant:<5} {rule.method} {url}"
        if LOG:
            with open(LOG, "a") as log:
                ok = verdict(want, got, rule.method)
                log.write(f"{took * 1000:8.1f} ms {'ok  ' if ok else 'FAIL'} {target.key} {where} want={want} "
                          f"got={response.status_code} {response.get('Location', '')}\n")
        if not verdict(want, got, rule.method):
            failures.append(f"{where}: expected {want}, got {response.status_code} {response.get('Location', '')}")
            continue
        if got == "ok" and not (rule.reveals and role != ANON and REVEAL in ROLES[role].perms):
            found = leaks(body_text(response), ctx)
            if found:
                failures.append(f"{where}: unmasked personal data in the answer: {sorted(set(found))[:3]}")
    assert not failures, f"{target.key}:\n" + "\n".join(failures)
