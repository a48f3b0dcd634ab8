"""The JSON shapes of the reports (OpenAPI via flask-smorest).

A protected figure ("cell") is an object: its figures, and ``suppressed``. When
``suppressed`` is true every figure of the cell is ``null``: it describes fewer than
``min_cell`` students, or it had to be hidden so that another hidden cell cannot be
recomputed by subtraction. The two reasons are deliberately not told apart.
"""
import marshmallow as ma

from server.http.fields import Count, Day, Id, Instant, Int32, Int64

SUPPRESSED = ("true when the figures of this cell are null: they describe fewer than `min_cell` "
              "distinct students, or hiding them keeps another hidden cell from being recomputed "
              "by subtraction (README in server/reports)")
# The only endpoints that answer with figures about students; each serves them through
# suppression.Sheet (tests/server/reports/test_student_figures.py walks the OpenAPI
# document and fails on any other, or on a student figure that is not a cell).
STUDENT_FIGURE_ENDPOINTS = frozenset({
    "GET /api/v1/venues/{venue_id}/report",
    "GET /api/v1/schools/{school_id}/report",
    "GET /api/v1/campaigns/{campaign_id}/impact",
    "GET /api/v1/public/sponsors/{slug}",  # reports.api.sponsor_public_impact, the sponsor's public page
})
MIN_CELL = "the fewest distinct students a shown figure may describe (config REPORT_MIN_CELL)"


def _count(description: str):
    return Count(allow_none=True, metadata={"description": f"{description}; null when suppressed"})


class ProtectedCell(ma.Schema):
    suppressed = ma.fields.Boolean(metadata={"description": SUPPRESSED})


class ProtectedCount(ProtectedCell):
    count = _count("how many")


ROUNDED = "rounded down to a multiple of 5"
CENTS_ROUNDED = "rounded down to a multiple of 1000 (10 EUR)"


class ReleasedPeriod(ma.Schema):
    """Whole Italian calendar months, closed: what they report never changes."""
    first_day = ma.fields.Date(attribute="from", data_key="from", metadata={"description": "first day"})
    last_day = ma.fields.Date(attribute="to", data_key="to", metadata={"description": "last day, inclusive"})
    label = ma.fields.String(metadata={"description": "Italian, e.g. \"settembre 2026\" or a merged span"})


# --- venue -------------------------------------------------------------------------------

class VenueReportQuery(ma.Schema):
    first_day = Day(data_key="from",
                               metadata={"description": "YYYY-MM-DD, Italian calendar day; none: from the start"})
    last_day = Day(data_key="to", metadata={"description": "YYYY-MM-DD, inclusive; none: up to now"})


class WithStudents(ma.Schema):
    students = ma.fields.Nested(ProtectedCount, metadata={
        "description": "distinct students behind the figures: null and suppressed below `min_cell`"})


class VenueRedemptions(WithStudents):
    count = Count(metadata={"description": "vouchers redeemed at the door (scan date in the period)"})
    amount_cents = Int64()


class VenueCheckIns(WithStudents):
    count = Count(metadata={"description": "tickets checked in (a ticket scanned twice counts once)"})


class VenueBookings(WithStudents):
    count = Count(metadata={"description": "bookings made in the period and still confirmed"})
    amount_cents = Int64(metadata={"description": "paid for the confirmed ones"})
    cancelled = Count(metadata={"description": "bookings made in the period, since cancelled"})


class EventAttendance(ma.Schema):
    booked = Count(metadata={"description": "bookings still confirmed (the venue's own business: not suppressed)"})
    checked_in = Count(metadata={"description": "of those, checked in"})


class NewAudience(ReleasedPeriod, ProtectedCell):
    students = _count(f"students at the venue for the first time in the period, {ROUNDED}")


class VenueReportEvent(WithStudents):
    event_id = Id(allow_none=True, metadata={"description": "null: redeemed without an event"})
    title = ma.fields.String()
    starts_at = Instant(allow_none=True)
    category = ma.fields.String(allow_none=True, metadata={"description": "category slug"})
    redemptions = ma.fields.Nested(VenueRedemptions)
    check_ins = ma.fields.Nested(VenueCheckIns)
    bookings = ma.fields.Nested(VenueBookings)
    attendance = ma.fields.Nested(EventAttendance)


class VenueReport(WithStudents):
    venue_id = Id()
    venue_name = ma.fields.String()
    first_day = ma.fields.Date(attribute="from", data_key="from", allow_none=True)
    last_day = ma.fields.Date(attribute="to", data_key="to", allow_none=True)
    min_cell = Count(metadata={"description": MIN_CELL})
    payable_now_cents = Int64(metadata={"description": "owed to the venue now (ledger), any period"})
    redemptions = ma.fields.Nested(VenueRedemptions)
    check_ins = ma.fields.Nested(VenueCheckIns)
    bookings = ma.fields.Nested(VenueBookings)
    events = ma.fields.List(ma.fields.Nested(VenueReportEvent), metadata={
        "description": "events with activity in the period, by start; a row with event_id null last"})
    new_audience = ma.fields.List(ma.fields.Nested(NewAudience), metadata={
        "description": "closed months, merged until each holds at least `min_cell` new students; any period"})


# --- school ------------------------------------------------------------------------------

class UsedVouchers(ProtectedCount):
    count = _count("vouchers spent at least once")
    amount_spent_cents = _count("spent from them in all")


class SchoolFigures(ma.Schema):
    vouchers_allocated = Count()
    codes_issued = Count()
    claimed = ma.fields.Nested(ProtectedCount)
    used = ma.fields.Nested(UsedVouchers)
    not_used = ma.fields.Nested(ProtectedCount, metadata={"description": "claimed, not spent yet"})


class SchoolAllocation(SchoolFigures):
    allocation_id = Id()
    campaign_id = Id()
    campaign_name = ma.fields.String()
    face_value_cents = Int32(0)


class SchoolReport(ma.Schema):
    school_id = Id()
    school_name = ma.fields.String()
    min_cell = Count(metadata={"description": MIN_CELL})
    total = ma.fields.Nested(SchoolFigures)
    allocations = ma.fields.List(ma.fields.Nested(SchoolAllocation))


# --- sponsor -----------------------------------------------------------------------------

class CampaignFunds(ma.Schema):
    topped_up_cents = Int64(metadata={"description": "confirmed top-ups"})
    available_cents = Int64(metadata={"description": "not yet allocated to schools"})
    risk_reserve_cents = Int64(metadata={"description": "left for offline overspend (may be < 0)"})
    allocated_cents = Int64()
    vouchers_allocated = Count()


class SpendCell(ProtectedCell):
    spend_cents = _count(f"paid with the campaign's vouchers, {CENTS_ROUNDED}")
    redemptions = _count(f"payments: bookings still confirmed plus redemptions at the door, {ROUNDED}")


class CategorySpend(SpendCell):
    slug = ma.fields.String(allow_none=True, metadata={
        "description": "null: redeemed without an event; \"altro\": the categories too small to show alone"})
    label = ma.fields.String(metadata={"description": "Italian label"})


class VenueSpend(SpendCell):
    venue_id = Id(allow_none=True, metadata={"description": "null: \"Altre sedi\", the venues too small alone"})
    name = ma.fields.String()


class AreaSpend(SpendCell):
    code = ma.fields.String(metadata={"description": "ISTAT code of a municipality, P + a province's, R + a region's"})
    name = ma.fields.String()
    level = ma.fields.String(metadata={"description": "municipality | province | region: coarsened while small"})


class SpendBreakdown(ma.Schema):
    total = ma.fields.Nested(SpendCell)
    by_category = ma.fields.List(ma.fields.Nested(CategorySpend), metadata={
        "description": "by category code, \"altro\" last"})
    by_venue = ma.fields.List(ma.fields.Nested(VenueSpend), metadata={"description": "by name, Altre sedi last"})
    by_area = ma.fields.List(ma.fields.Nested(AreaSpend), metadata={"description": "by level, then name"})


class CampaignAttendance(ma.Schema):
    booked = ma.fields.Nested(ProtectedCount, metadata={"description": "confirmed bookings of events begun"})
    checked_in = ma.fields.Nested(ProtectedCount)
    not_checked_in = ma.fields.Nested(ProtectedCount)


class StarCount(ProtectedCount):
    stars = Int32(1, 5)


class CampaignRatings(ProtectedCell):
    count = _count(f"ratings, {ROUNDED}")
    average_stars = ma.fields.Float(allow_none=True, metadata={"description": "1-5, two decimals"})
    distribution = ma.fields.List(ma.fields.Nested(StarCount), metadata={"description": "ratings by stars, 1 to 5"})


class ThanksCount(ProtectedCount):
    choice = ma.fields.String(metadata={"description": "slug of a preset thanks (server/thanks)"})
    label = ma.fields.String(metadata={"description": "Italian label"})


class ReleaseMethod(ma.Schema):
    period = ma.fields.String(metadata={"description": "\"month\": closed Italian calendar months"})
    students_rounded_to = Count()
    cents_rounded_to = Count()


class Headline(ProtectedCell):
    students_reached = _count(f"students who claimed a voucher, {ROUNDED}")
    spend_cents = _count(f"spent with the vouchers, {CENTS_ROUNDED}")
    visits = _count(f"payments (bookings and redemptions), {ROUNDED}")
    venues = _count("venues where vouchers were spent")


class TrendPeriod(ReleasedPeriod, ProtectedCell):
    students = _count(f"students whose payments changed in the period, {ROUNDED}")
    spend_cents = Int64(allow_none=True, metadata={
        "description": f"spent in the period less cancellations, {CENTS_ROUNDED}; null when suppressed"})


AS_OF = "last day of the last released month; null: nothing released yet (README in server/reports)"


class CampaignImpact(ma.Schema):
    campaign_id = Id()
    campaign_name = ma.fields.String()
    min_cell = Count(metadata={"description": MIN_CELL})
    as_of = ma.fields.Date(allow_none=True, metadata={"description": AS_OF})
    method = ma.fields.Nested(ReleaseMethod)
    funds = ma.fields.Nested(CampaignFunds, metadata={"description": "the sponsors' own money: never suppressed"})
    headline = ma.fields.Nested(Headline)
    students_reached = ma.fields.Nested(ProtectedCount, metadata={"description": f"students who claimed, {ROUNDED}"})
    spend = ma.fields.Nested(SpendBreakdown)
    trend = ma.fields.List(ma.fields.Nested(TrendPeriod), metadata={"description": "released periods, oldest first"})
    attendance = ma.fields.Nested(CampaignAttendance)
    ratings = ma.fields.Nested(CampaignRatings)
    thanks = ma.fields.List(ma.fields.Nested(ThanksCount), metadata={"description": "in the wallet's order"})


class SponsorPublicImpact(ma.Schema):
    """What a sponsor's public page shows: across all its campaigns (reports.api.sponsor_public_impact)."""
    sponsor_name = ma.fields.String()
    as_of = ma.fields.Date(allow_none=True, metadata={"description": AS_OF})
    min_cell = Count(metadata={"description": MIN_CELL})
    headline = ma.fields.Nested(Headline)
    trend = ma.fields.List(ma.fields.Nested(TrendPeriod))
    by_category = ma.fields.List(ma.fields.Nested(CategorySpend))


# --- operator ----------------------------------------------------------------------------

class LedgerTotals(ma.Schema):
    bank_cents = Int64(metadata={"description": "money really held"})
    venue_payable_cents = Int64(metadata={"description": "owed to all venues"})
    risk_reserve_cents = Int64(metadata={"description": "all campaigns' risk accounts, net"})
    risk_accounts_below_zero = Count()
    risk_shortfall_cents = Int64(metadata={"description": "how far those are below zero, in all"})
    balances_by_kind = ma.fields.Dict(keys=ma.fields.String(), values=Int64())
    books_balanced = ma.fields.Boolean()
    books_problems = ma.fields.List(ma.fields.String(), metadata={"description": "the first 20, in words"})


class PendingWork(ma.Schema):
    organisations = Count(metadata={"description": "awaiting approval"})
    topups = Count(metadata={"description": "awaiting payment confirmation"})


class PlatformOverview(ma.Schema):
    ledger = ma.fields.Nested(LedgerTotals)
    pending = ma.fields.Nested(PendingWork)
