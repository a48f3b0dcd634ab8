"""Closed periods, releases and rounding: what keeps two reports from being
differenced (README.md beside this file, "Reports over time").

Figures about students are released only for closed calendar months (Europe/Rome),
and activity is bucketed by the time the SERVER recorded it, so a closed month never
changes afterwards. A month is released only when the students whose activity
changed the figures since the previous release are at least ``min_cell``; otherwise
it is merged into the next month. Published figures are rounded down.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

ITALY = ZoneInfo("Europe/Rome")
STUDENTS_ROUNDED_TO = 5
CENTS_ROUNDED_TO = 1000  # 10 EUR
METHOD = {"period": "month", "students_rounded_to": STUDENTS_ROUNDED_TO, "cents_rounded_to": CENTS_ROUNDED_TO}
MONTHS_IT = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
             "ottobre", "novembre", "dicembre")
# Figures rounded like students: counts of people, payments and ratings all move
# by one when one student acts, so each is rounded to the same step.
_COUNTED = frozenset({"count", "students", "redemptions", "visits", "students_reached"})


def month_start(day: date) -> datetime:
    """Midnight in Italy on the first of ``day``'s month, as an aware instant."""
    return datetime(day.year, day.month, 1, tzinfo=ITALY)


def _next_month(start: datetime) -> datetime:
    return month_start((start.replace(tzinfo=None) + timedelta(days=32)).date())


@dataclass(frozen=True)
class Period:
    """From ``start`` (inclusive) to ``end`` (exclusive): whole Italian months."""
    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        return self.start.astimezone(ITALY).date()

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(ITALY) - timedelta(days=1)).date()

    @property
    def label(self) -> str:
        first, last = self.first_day, self.last_day
        if (first.year, first.month) == (last.year, last.month):
            return f"{MONTHS_IT[first.month - 1]} {first.year}"
        if first.year == last.year:
            return f"{MONTHS_IT[first.month - 1]} – {MONTHS_IT[last.month - 1]} {last.year}"
        return f"{MONTHS_IT[first.month - 1]} {first.year} – {MONTHS_IT[last.month - 1]} {last.year}"

    def view(self) -> dict:
        return {"from": self.first_day, "to": self.last_day, "label": self.label}


def closed_months(first: datetime | None, now: datetime) -> list[Period]:
    """Every whole month from the one holding ``first`` to the one before ``now``'s."""
    if first is None:
        return []
    open_month = month_start(now.astimezone(ITALY).date())
    start, months = month_start(first.astimezone(ITALY).date()), []
    while start < open_month:
        end = _next_month(start)
        months.append(Period(start, end))
        start = end
    return months


def releases(changes: list[tuple[int, datetime]], *, now: datetime, minimum: int) -> list[Period]:
    """The released periods, oldest first. ``changes`` are (wallet id, server time) of
    everything that moves a figure. A closed month whose changes since the last
    release come from fewer than ``minimum`` students is merged into the next one:
    each released period holds the changes of at least ``minimum`` students."""
    if not changes:
        return []
    ordered = sorted(changes, key=lambda change: change[1])
    released, pending_start, wallets, i = [], None, set(), 0
    for month in closed_months(ordered[0][1], now):
        pending_start = pending_start or month.start
        while i < len(ordered) and ordered[i][1] < month.end:
            wallets.add(ordered[i][0])
            i += 1
        if len(wallets) >= max(minimum, 1):
            released.append(Period(pending_start, month.end))
            pending_start, wallets = None, set()
    return released


def round_down(name: str, value):
    """A published figure, rounded toward zero: cents to 10 EUR, counts to 5."""
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    step = CENTS_ROUNDED_TO if name.endswith("_cents") else STUDENTS_ROUNDED_TO if name in _COUNTED else 1
    return (abs(value) - abs(value) % step) * (1 if value >= 0 else -1)


def rounded(view: dict) -> dict:
    return {name: round_down(name, value) for name, value in view.items()}


def utc(value: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back in some paths: make every time aware."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
