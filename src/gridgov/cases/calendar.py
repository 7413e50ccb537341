"""Working-time arithmetic: deadlines in urgent (clock) hours, working hours or working days,
on a district calendar of working periods, weekends, public holidays and adjusted working days 调休."""
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

URGENT_HOURS = "urgent_hours"
WORKING_HOURS = "working_hours"
WORKING_DAYS = "working_days"
UNITS = (URGENT_HOURS, WORKING_HOURS, WORKING_DAYS)

DEFAULT_PERIODS = (("08:30", "12:00"), ("13:30", "17:30"))


def _t(value):
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(value)


@dataclass
class WorkCalendar:
    tz: ZoneInfo
    periods: tuple = DEFAULT_PERIODS
    holidays: frozenset = field(default_factory=frozenset)  # dates off although Mon–Fri
    workdays: frozenset = field(default_factory=frozenset)  # dates worked although Sat/Sun (调休)

    def __post_init__(self):
        self.periods = tuple((_t(a), _t(b)) for a, b in self.periods)

    def is_working_day(self, day):
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() < 5

    def _periods_of(self, day):
        return [(dt.datetime.combine(day, a, self.tz), dt.datetime.combine(day, b, self.tz)) for a, b in self.periods]

    def add(self, start, value, unit):
        """The deadline `value` units after `start` (an aware datetime)."""
        if unit == URGENT_HOURS:
            return start + dt.timedelta(hours=value)
        local = start.astimezone(self.tz)
        if unit == WORKING_DAYS:
            # N working days: the end of the N-th working day after the day of start.
            day, left = local.date(), int(value)
            while left > 0:
                day += dt.timedelta(days=1)
                if self.is_working_day(day):
                    left -= 1
            return self._periods_of(day)[-1][1]
        if unit == WORKING_HOURS:
            remaining = dt.timedelta(hours=value)
            day = local.date()
            cursor = local
            for _ in range(3660):  # ten years of days: a guard, not a limit anyone reaches
                if self.is_working_day(day):
                    for begin, end in self._periods_of(day):
                        begin = max(begin, cursor)
                        if begin >= end:
                            continue
                        if end - begin >= remaining:
                            return begin + remaining
                        remaining -= end - begin
                day += dt.timedelta(days=1)
                cursor = dt.datetime.combine(day, dt.time(0), self.tz)
            raise ValueError("calendar has no working time")
        raise ValueError(f"unknown time unit {unit!r}")

    def working_seconds_between(self, start, end):
        """Working time between two instants (for reports of time used)."""
        if end <= start:
            return 0
        total = 0.0
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            if self.is_working_day(day):
                for begin, stop in self._periods_of(day):
                    lo, hi = max(begin, start), min(stop, end)
                    if hi > lo:
                        total += (hi - lo).total_seconds()
            day += dt.timedelta(days=1)
        return total
