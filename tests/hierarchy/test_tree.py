"""The materialized-path tree: subtree_q / path_upper select exactly treebeard's descendants, and
TreeBuilder writes structurally sound trees, continues numbering and refuses bad levels and codes."""
import pytest
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gridgov.hierarchy import services
from gridgov.hierarchy.models import District, Node
from gridgov.hierarchy.services import ALPHABET, STEPLEN, HierarchyError, TreeBuilder, path_upper, subtree_q

DISTRICTS = ["150105", "140105", "530111"]
NO_PROBLEMS = ([], [], [], [], [])


def sample_by_depth(code):
    """First, middle and last node (by path) at every depth of a demo district."""
    picked = []
    depths = Node.objects.filter(district__code=code).values_list("depth", flat=True).distinct().order_by("depth")
    for depth in depths:
        paths = list(Node.objects.filter(district__code=code, depth=depth).order_by("path").values_list("path", flat=True))
        picked += {paths[0], paths[len(paths) // 2], paths[-1]}
    return Node.objects.filter(path__in=picked).order_by("path")


@pytest.mark.parametrize("code", DISTRICTS)
def test_subtree_q_selects_exactly_treebeards_descendants_and_self(db, code):
    nodes = list(sample_by_depth(code))
    assert {n.depth for n in nodes} >= {1, 2, 3, 4, 5}
    for node in nodes:
        ours = set(Node.objects.filter(subtree_q(node.path)).values_list("pk", flat=True))
        theirs = set(Node.objects.get_descendants(node, include_self=True).values_list("pk", flat=True))
        assert ours == theirs, node.code
        assert set(services.subtree(node, include_self=False).values_list("pk", flat=True)) == theirs - {node.pk}


def test_subtree_q_on_another_field_is_the_same_range_on_that_field():
    assert subtree_q("0001000Z", field="node_path") == Q(node_path__gte="0001000Z") & Q(node_path__lt="0001001")
    assert subtree_q("ZZZZ", field="node_path") == Q(node_path__gte="ZZZZ")


@pytest.mark.parametrize("path, upper", [
    ("0001", "0002"),
    ("0009", "000A"),
    ("000Z", "001"),
    ("00ZZ", "01"),
    ("0001000Z", "0001001"),
    ("Z", None),
    ("ZZZZ", None),
    ("ZZZZZZZZ", None),
])
def test_path_upper_edge_cases(path, upper):
    assert path_upper(path) == upper


STEPS = st.text(alphabet=ALPHABET, min_size=STEPLEN, max_size=STEPLEN)
PATHS = st.lists(STEPS, min_size=1, max_size=4).map("".join)


@settings(max_examples=300)
@given(prefix=PATHS, other=PATHS)
def test_path_range_matches_prefix_exactly(prefix, other):
    upper = path_upper(prefix)
    in_range = other >= prefix and (upper is None or other < upper)
    assert in_range == other.startswith(prefix)


@settings(max_examples=100)
@given(prefix=PATHS, tail=st.lists(STEPS, max_size=3).map("".join))
def test_every_descendant_path_lies_below_path_upper(prefix, tail):
    upper = path_upper(prefix)
    assert prefix <= prefix + tail
    assert upper is None or prefix + tail < upper


# ---------------------------------------------------------------- TreeBuilder

LEVELS = ["district", "subdistrict", "community", "grid"]
CODE = "150102"  # 新城区, a real code the demo does not use


def square(x, y, size):
    return box(x, y, x + size, y + size)


@pytest.fixture
def small_district(db):
    """A 2 x 2 x 3 district built with TreeBuilder: subdistricts, communities, grids as squares."""
    district = services.create_district(CODE, "新城区", LEVELS, polygon=square(111.6, 40.8, 0.04))
    builder = TreeBuilder(district)
    root = district.root
    for s in range(2):
        sub = builder.add(root, "subdistrict", f"{CODE}{s + 1:03d}", f"街道{s + 1}", square(111.6 + 0.02 * s, 40.8, 0.02))
        for c in range(2):
            comm = builder.add(sub, "community", f"{sub.code}{c + 1:03d}", f"社区{c + 1}", square(111.6 + 0.02 * s, 40.8 + 0.01 * c, 0.01))
            for g in range(3):
                builder.add(comm, "grid", f"{comm.code}{g + 1:03d}", f"网格{g + 1}", square(111.6 + 0.02 * s + 0.003 * g, 40.8 + 0.01 * c, 0.003))
    assert builder.flush() == 2 + 4 + 12
    return district


def test_tree_builder_writes_a_sound_treebeard_tree(small_district):
    root = small_district.root
    assert Node.objects.find_problems(parent=root) == NO_PROBLEMS
    assert root.numchild == 2
    subs = list(Node.objects.get_children(root))
    assert [s.code for s in subs] == [f"{CODE}001", f"{CODE}002"]
    for sub in subs:
        communities = list(Node.objects.get_children(sub))
        assert sub.numchild == len(communities) == 2
        for community in communities:
            grids = list(Node.objects.get_children(community))
            assert community.numchild == len(grids) == 3
            assert [g.code for g in grids] == [f"{community.code}{i:03d}" for i in (1, 2, 3)]
            assert all(g.numchild == 0 and g.depth == 4 and Node.objects.get_parent(g).pk == community.pk for g in grids)
    assert services.count_by_kind(root) == {"subdistrict": 2, "community": 4, "grid": 12}


def test_tree_builder_continues_numbering_under_a_node_that_has_children(small_district):
    community = Node.objects.get(code=f"{CODE}001001")
    last = Node.objects.get_children(community).last()
    builder = TreeBuilder(small_district)
    added = builder.add(community, "grid", f"{CODE}001001004", "网格4", square(111.6 + 0.009, 40.8, 0.001))
    assert builder.flush() == 1
    assert added.path == last.path[:-STEPLEN] + services._encode(services._decode(last.path[-STEPLEN:]) + 1)
    community.refresh_from_db()
    assert community.numchild == 4
    assert [g.code for g in Node.objects.get_children(community)][-1] == f"{CODE}001001004"
    # treebeard's own add_child must carry on from there as well.
    fifth = services.create_node(community, "grid", f"{CODE}001001005", "网格5")
    assert fifth.path > added.path and Node.objects.get(pk=community.pk).numchild == 5
    assert Node.objects.find_problems(parent=small_district.root) == NO_PROBLEMS


def test_tree_builder_continues_numbering_under_a_demo_community(db):
    community = Node.objects.filter(district__code="140105", kind="community").order_by("path").last()
    children = list(Node.objects.get_children(community))
    builder = TreeBuilder(community.district)
    code = f"{community.code}{int(children[-1].code[-3:]) + 1:03d}"
    added = builder.add(community, "grid", code, "新网格")
    builder.flush()
    assert added.path > children[-1].path and len(added.path) == len(children[-1].path)
    assert Node.objects.get(pk=community.pk).numchild == len(children) + 1
    assert Node.objects.find_problems(parent=community) == NO_PROBLEMS


@pytest.mark.parametrize("code", DISTRICTS)
def test_demo_districts_built_by_tree_builder_have_sound_paths_depths_and_numchild(db, code):
    # What treebeard's find_problems() checks, in one query instead of one per node (it takes
    # seconds on the demo); find_problems() itself runs on the small trees above.
    rows = list(Node.objects.filter(district__code=code).values_list("path", "depth", "numchild"))
    paths = {path for path, _, _ in rows}
    children = {}
    for path, _, _ in rows:
        children[path[:-STEPLEN]] = children.get(path[:-STEPLEN], 0) + 1
    assert all(set(path) <= set(ALPHABET) and len(path) % STEPLEN == 0 for path in paths)
    assert [p for p, depth, _ in rows if depth != len(p) // STEPLEN] == []
    assert [p for p, depth, _ in rows if depth > 1 and p[:-STEPLEN] not in paths] == []
    assert [p for p, _, numchild in rows if numchild != children.get(p, 0)] == []
    assert len(rows) > 400


def test_tree_builder_refuses_a_wrong_level(small_district):
    builder = TreeBuilder(small_district)
    with pytest.raises(HierarchyError):
        builder.add(small_district.root, "grid", f"{CODE}003", "网格")
    community = Node.objects.get(code=f"{CODE}001001")
    with pytest.raises(HierarchyError):
        builder.add(community, "community", f"{CODE}001001004", "社区")
    grid = Node.objects.get(code=f"{CODE}001001001")
    with pytest.raises(HierarchyError):  # grids are the bottom level of this scheme
        builder.add(grid, "building", f"{CODE}001001001001", "楼")
    assert builder.pending == []


def test_tree_builder_refuses_a_duplicate_code_and_leaves_no_hole(small_district):
    builder = TreeBuilder(small_district)
    sub = Node.objects.get(code=f"{CODE}001")
    first = builder.add(sub, "community", f"{CODE}001003", "社区3")
    with pytest.raises(HierarchyError):
        builder.add(sub, "community", f"{CODE}001003", "社区3again")
    second = builder.add(sub, "community", f"{CODE}001004", "社区4")
    assert services._decode(second.path[-STEPLEN:]) == services._decode(first.path[-STEPLEN:]) + 1
    assert builder.flush() == 2
    assert Node.objects.find_problems(parent=small_district.root) == NO_PROBLEMS


def test_tree_builder_refuses_a_code_that_does_not_fit_its_parent(small_district):
    builder = TreeBuilder(small_district)
    sub = Node.objects.get(code=f"{CODE}001")
    for code in [f"{CODE}002003", f"{CODE}0013", f"{CODE}001000", "15010200100A"]:
        with pytest.raises(HierarchyError):
            builder.add(sub, "community", code, "社区")


def test_tree_builder_refuses_a_boundary_outside_its_parent(small_district):
    builder = TreeBuilder(small_district)
    sub = Node.objects.get(code=f"{CODE}001")
    with pytest.raises(HierarchyError):
        builder.add(sub, "community", f"{CODE}001003", "社区", square(111.7, 40.8, 0.01))


def test_flush_refuses_codes_already_in_the_database_and_writes_nothing(small_district):
    sub = Node.objects.get(code=f"{CODE}002")
    builder = TreeBuilder(small_district)
    builder.add(sub, "community", f"{CODE}002003", "社区3")
    builder.add(sub, "community", f"{CODE}002004", "社区4")
    # Meanwhile someone else creates one of those codes.
    services.create_node(sub, "community", f"{CODE}002004", "社区4")
    before = (Node.objects.count(), Node.objects.get(pk=sub.pk).numchild, District.objects.get(pk=small_district.pk).geometry_version)
    with pytest.raises(HierarchyError) as raised:
        builder.flush()
    assert f"{CODE}002004" in str(raised.value)
    after = (Node.objects.count(), Node.objects.get(pk=sub.pk).numchild, District.objects.get(pk=small_district.pk).geometry_version)
    assert after == before
    assert not Node.objects.filter(code=f"{CODE}002003").exists()
    assert Node.objects.find_problems(parent=small_district.root) == NO_PROBLEMS
