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
MIN_CELL = "the fewest distinct students a shown figure may describe (config REPORT_MIN_CELL)"


def _count(description: str):
    return Count(allow_none=True, metadata={"description": f"{description}; null when suppressed"})


class ProtectedCell(ma.Schema):
    suppressed = ma.fields.Boolean(metadata={"description": SUPPRESSED})


class ProtectedCount(ProtectedCell):
    count = _count("how many")


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


class VenueReportEvent(WithStudents):
    event_id = Id(allow_none=True, metadata={"description": "null: redeemed without an event"})
    title = ma.fields.String()
    starts_at = Instant(allow_none=True)
    category = ma.fields.String(allow_none=True, metadata={"description": "category slug"})
    redemptions = ma.fields.Nested(VenueRedemptions)
    check_ins = ma.fields.Nested(VenueCheckIns)
    bookings = ma.fields.Nested(VenueBookings)


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
    spend_cents = _count("paid with the campaign's vouchers")
    redemptions = _count("payments: bookings still confirmed plus redemptions at the door")


class CategorySpend(SpendCell):
    slug = ma.fields.String(allow_none=True, metadata={"description": "null: redeemed without an event"})
    label = ma.fields.String(metadata={"description": "Italian label"})


class VenueSpend(SpendCell):
    venue_id = Id()
    name = ma.fields.String()


class MunicipalitySpend(SpendCell):
    municipality_code = ma.fields.String(metadata={"description": "ISTAT code"})
    name = ma.fields.String()


class SpendBreakdown(ma.Schema):
    total = ma.fields.Nested(SpendCell)
    by_category = ma.fields.List(ma.fields.Nested(CategorySpend), metadata={"description": "by category code"})
    by_venue = ma.fields.List(ma.fields.Nested(VenueSpend), metadata={"description": "by name"})
    by_municipality = ma.fields.List(ma.fields.Nested(MunicipalitySpend), metadata={"description": "by name"})


class CampaignAttendance(ma.Schema):
    booked = ma.fields.Nested(ProtectedCount, metadata={"description": "confirmed bookings of events begun"})
    checked_in = ma.fields.Nested(ProtectedCount)
    not_checked_in = ma.fields.Nested(ProtectedCount)


class CampaignRatings(ProtectedCell):
    count = _count("ratings")
    average_stars = ma.fields.Float(allow_none=True, metadata={"description": "1-5, two decimals"})


class CampaignImpact(ma.Schema):
    campaign_id = Id()
    campaign_name = ma.fields.String()
    min_cell = Count(metadata={"description": MIN_CELL})
    funds = ma.fields.Nested(CampaignFunds, metadata={"description": "the sponsors' own money: never suppressed"})
    students_reached = ma.fields.Nested(ProtectedCount, metadata={"description": "vouchers claimed"})
    spend = ma.fields.Nested(SpendBreakdown)
    attendance = ma.fields.Nested(CampaignAttendance)
    ratings = ma.fields.Nested(CampaignRatings)


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
