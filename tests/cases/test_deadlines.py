"""Deadlines on the working-time calendar: weekends, public holidays, adjusted working days 调休,
lunch breaks and urgent clock hours, with the 2026 holidays the demo districts are seeded with."""
import datetime as dt
from zoneinfo import ZoneInfo

from gridgov.cases import services

CST = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=CST)


def test_working_days_skip_the_mid_autumn_holiday_and_the_weekend(xd):
    # Thu 24 Sep + 3 working days: Fri 25 is 中秋, Sat 26 and Sun 27 are off → Mon 28, Tue 29, Wed 30.
    assert services.deadline_for(xd, at(2026, 9, 24, 10), 3, "working_days") == at(2026, 9, 30, 17, 30)


def test_an_adjusted_sunday_is_a_working_day(xd):
    # Fri 18 Sep + 1 working day: Sat 19 is off, Sun 20 is worked (国庆调休).
    assert services.deadline_for(xd, at(2026, 9, 18, 16), 1, "working_days") == at(2026, 9, 20, 17, 30)
    # A report on Saturday morning is due two working hours into the adjusted Sunday.
    assert services.deadline_for(xd, at(2026, 9, 19, 10), 2, "working_hours") == at(2026, 9, 20, 10, 30)


def test_working_hours_stop_over_lunch_and_the_national_day_week(xd):
    assert services.deadline_for(xd, at(2026, 11, 30, 11), 2, "working_hours") == at(2026, 11, 30, 14, 30)
    # Wed 30 Sep 16:30: one hour that day, then 1–7 October are holidays → Thu 8 Oct 09:30.
    assert services.deadline_for(xd, at(2026, 9, 30, 16, 30), 2, "working_hours") == at(2026, 10, 8, 9, 30)


def test_urgent_hours_run_on_the_clock_through_holidays(xd):
    assert services.deadline_for(xd, at(2026, 10, 1, 22), 4, "urgent_hours") == at(2026, 10, 2, 2)


def test_a_new_holiday_moves_deadlines_after_the_calendar_changes(xd):
    before = services.deadline_for(xd, at(2026, 12, 1, 9), 1, "working_days")
    services.set_calendar_days(xd, [(dt.date(2026, 12, 2), "holiday", "测试假日")])
    after = services.deadline_for(xd, at(2026, 12, 1, 9), 1, "working_days")
    assert before == at(2026, 12, 2, 17, 30) and after == at(2026, 12, 3, 17, 30)
    services.forget_calendar()


def test_district_admin_edits_categories_of_their_district_only(client_as, xd):
    from gridgov.cases.models import Category

    client = client_as("district_admin", "140105")
    page = client.get("/admin/cases/category/", {"q": "暴露垃圾"}).content.decode()
    mine = Category.objects.get(district=xd, code="E0102")
    other = Category.objects.get(district__code="150105", code="E0102")
    assert f"/admin/cases/category/{mine.pk}/change/" in page
    assert f"/admin/cases/category/{other.pk}/change/" not in page
    assert client.get(f"/admin/cases/category/{other.pk}/change/").status_code in (302, 404)
