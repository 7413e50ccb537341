"""Public holidays and adjusted working days 调休 of mainland China, as published by the State
Council each year; seeded into a district's calendar, which the district can then edit."""
import datetime as dt


def _span(y, m, d, days, name):
    start = dt.date(y, m, d)
    return [(start + dt.timedelta(days=i), "holiday", name) for i in range(days)]


def _work(y, m, d, name):
    return [(dt.date(y, m, d), "workday", name)]


HOLIDAYS = {
    2026: (
        _span(2026, 1, 1, 3, "元旦") + _work(2026, 1, 4, "元旦调休")
        + _span(2026, 2, 15, 9, "春节") + _work(2026, 2, 14, "春节调休") + _work(2026, 2, 28, "春节调休")
        + _span(2026, 4, 4, 3, "清明节")
        + _span(2026, 5, 1, 5, "劳动节") + _work(2026, 5, 9, "劳动节调休")
        + _span(2026, 6, 19, 3, "端午节")
        + _span(2026, 9, 25, 3, "中秋节")
        + _span(2026, 10, 1, 7, "国庆节") + _work(2026, 9, 20, "国庆节调休") + _work(2026, 10, 10, "国庆节调休")
    ),
}
