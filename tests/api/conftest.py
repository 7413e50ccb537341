"""Fixtures of the API tests: nodes of 小店区 (140105) picked the way the demo logins are placed,
and a check that a message is Chinese."""
import re

import pytest

from gridgov.hierarchy import services
from gridgov.hierarchy.models import Node

CJK = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(text):
    return bool(CJK.search(text or ""))


def nth(kind, code="140105", n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


@pytest.fixture
def own_community(db):
    """The community of the demo's community_secretary.140105 (the first one by code)."""
    return nth("community")


@pytest.fixture
def other_community(db):
    """A community of the same district outside that secretary's area."""
    return nth("community", n=1)


@pytest.fixture
def grid_in(db):
    """grid_in(node) -> the first grid below `node`."""

    def get(node):
        return services.subtree(node, include_self=False).filter(kind="grid").order_by("code").first()

    return get
