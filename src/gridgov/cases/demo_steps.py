"""Demo steps of the cases app: departments, the standard categories and the holiday calendar for
each district, and the demo department handler's post in the city-management bureau."""
from django.contrib.auth import get_user_model

from gridgov.demo.build import step

from . import services
from .models import Department, DepartmentHandler


@step("case_setup")
def case_setup(ctx):
    district = ctx.district
    services.seed_categories(district)
    services.seed_holidays(district)
    user = get_user_model().objects.filter(username=f"department_handler.{district.code}").select_related("person").first()
    if user is not None and getattr(user, "person", None):
        DepartmentHandler.objects.get_or_create(department=Department.objects.get(district=district, code="cgj"), person=user.person)
    return district


@step("cases_year")
def cases_year(ctx):
    from .demo_year import build_year

    build_year(ctx)
    return ctx.district
