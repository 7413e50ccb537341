"""The one scoping function. What a user may read is the union of the subtrees of the nodes of
their current posts, inside their district; every page, API answer, export and map layer uses it."""
from django.db.models import Q
from django.utils import timezone

from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q

from .models import Post
from .roles import ROLES

_CACHE_ATTR = "_gridgov_posts"


def active_posts(user):
    """The user's current posts (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        today = timezone.localdate()
        cached = list(
            Post.objects.filter(person__user_id=user.pk)
            .filter(Q(start__isnull=True) | Q(start__lte=today))
            .filter(Q(end__isnull=True) | Q(end__gte=today))
            .select_related("node", "district")
            .order_by("node__depth", "node__path")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def visible_paths(user, perm=None):
    """Minimal set of path prefixes the user may read; None means everything (superuser).

    With `perm`, only posts whose role grants that permission count."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    paths = sorted(
        p.node.path for p in active_posts(user) if perm is None or perm in ROLES[p.role].perms
    )
    minimal = []
    for path in paths:
        if not any(path.startswith(m) for m in minimal):
            minimal.append(path)
    return minimal


def scope(queryset, user, path_field="path", perm=None):
    """Restrict `queryset` to rows whose `path_field` lies in the user's visible subtrees.

    `path_field` names a materialized path column on the model or across a relation
    (e.g. "node__path", or a denormalised "node_path")."""
    paths = visible_paths(user, perm)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    q = Q()
    for path in paths:
        q |= subtree_q(path, path_field)
    return queryset.filter(q)


def scoped_nodes(user, perm=None):
    return scope(Node.objects.all(), user, "path", perm)


def can(user, perm, node=None):
    """True when one of the user's posts grants `perm` at `node` (or anywhere, when node is None)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    for post in active_posts(user):
        if perm in ROLES[post.role].perms and (node is None or node.path.startswith(post.node.path)):
            return True
    return False


def user_district(user):
    """The district the user works in (their first post's), or None."""
    posts = active_posts(user)
    return posts[0].district if posts else None


def home_node(user):
    posts = active_posts(user)
    return posts[0].node if posts else None


def narrow(queryset, user, node_id, path_field="path"):
    """A scoped list narrowed to the subtree of node `node_id` (the dashboards' drill-down links,
    `?node=<pk>`): nothing when that node is unknown or outside what the user may read; the
    queryset unchanged when `node_id` is empty."""
    if node_id in (None, ""):
        return queryset
    try:
        node = scoped_nodes(user).filter(pk=int(node_id)).only("path").first()
    except (TypeError, ValueError):
        node = None
    if node is None:
        return queryset.none()
    return queryset.filter(subtree_q(node.path, path_field))
