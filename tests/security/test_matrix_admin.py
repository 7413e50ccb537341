"""The permission matrix of the admin site's pages (every registered model's changelist, change, add,
history and delete page): the other half of test_matrix.py, in a file of its own so that the two
halves run on two workers."""
import pytest

from tests.security.test_matrix import ADMIN_TARGETS, check_target, ctx, params  # noqa: F401  (ctx: the fixture)


@pytest.mark.parametrize("target", params(ADMIN_TARGETS))
def test_admin_matrix(target, ctx, db, django_user_model):  # noqa: F811
    check_target(target, ctx, django_user_model)
