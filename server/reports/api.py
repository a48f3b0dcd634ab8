"""Reports for venues, schools, sponsors and the operator: read-only queries that
return plain dicts, with every figure about students protected as README.md
beside this file explains. Nothing here writes."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.errors import InvalidInput
from server.extensions import db
from server.ledger import api as ledger_api
from server.reports import impact, periods, repository, snapshots
from server.reports.models import CAMPAIGN, SPONSOR
from server.reports.suppression import Sheet, min_cell

ITALY = ZoneInfo("Europe/Rome")
NO_EVENT_LABEL = "Senza evento"  # redeemed at the door without choosing an event
MAX_BOOKS_PROBLEMS = 20


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ITALY)


def _students(sheet: Sheet, students: int):
    """A cell whose only figure is the number of distinct students itself."""
    return sheet.cell(students, count=students)


# --- venue -----------------------------------------------------------------------------

def venue_report(*, venue: Organisation, now: datetime, first_day: date | None = None,
                 last_day: date | None = None) -> dict:
    """What happened at the venue between two Italian calendar days (inclusive; open
    ended when missing). Money and counts are the venue's own business and shown in
    full; every number of distinct students is protected. ``new_audience``: students
    who came for the first time, by closed month, months merged while too few."""
    if first_day and last_day and first_day > last_day:
        raise InvalidInput("La data iniziale è successiva a quella finale.", code="invalid_date_range", field="from")
    start = _day_start(first_day) if first_day else None
    end = _day_start(last_day + timedelta(days=1)) if last_day else None
    redemptions, all_redemptions = repository.venue_redemptions(venue.id, start, end)
    check_ins, all_check_ins = repository.venue_check_ins(venue.id, start, end)
    bookings, all_bookings = repository.venue_bookings(venue.id, start, end)
    students, (all_students,) = repository.venue_students(venue.id, start, end)

    sheet = Sheet()
    overall = _students(sheet, all_students)
    figure_students = [_students(sheet, all_redemptions[2]), _students(sheet, all_check_ins[1]),
                       _students(sheet, all_bookings[3])]
    event_ids = set(redemptions) | set(check_ins) | set(bookings)
    event_students = {event_id: _students(sheet, students.get(event_id, (0,))[0]) for event_id in event_ids}
    sheet.adds_up(overall, list(event_students.values()))
    firsts = [(wallet, periods.utc(at)) for wallet, at in repository.venue_first_visits(venue.id)]
    newcomers = [(period, _students(sheet, sum(1 for _, at in firsts if period.start <= at < period.end)))
                 for period in periods.releases(firsts, now=now, minimum=min_cell())]
    sheet.protect(min_cell())
    attendance = repository.event_attendance(event_ids)

    events = repository.events(event_ids)
    rows = []
    for event_id in sorted(event_ids, key=lambda i: (i is None, events[i].starts_at if i else None, i)):
        event = events.get(event_id)
        red_count, red_amount, _ = redemptions.get(event_id, (0, 0, 0))
        chk_count, _ = check_ins.get(event_id, (0, 0))
        bk_count, bk_amount, bk_cancelled, _ = bookings.get(event_id, (0, 0, 0, 0))
        rows.append({
            "event_id": event_id, "title": event.title if event else NO_EVENT_LABEL,
            "starts_at": event.starts_at if event else None,
            "category": impact.category_view(event.category_code)["slug"] if event else None,
            "redemptions": {"count": red_count, "amount_cents": red_amount},
            "check_ins": {"count": chk_count},
            "bookings": {"count": bk_count, "amount_cents": bk_amount, "cancelled": bk_cancelled},
            "students": event_students[event_id].view(),
            "attendance": dict(zip(("booked", "checked_in"), attendance.get(event_id, (0, 0)))),
        })
    red_students, chk_students, bk_students = figure_students
    return {
        "venue_id": venue.id, "venue_name": venue.name, "from": first_day, "to": last_day,
        "min_cell": min_cell(),
        "payable_now_cents": repository.balance("venue_payable", venue.id),
        "redemptions": {"count": all_redemptions[0], "amount_cents": all_redemptions[1],
                        "students": red_students.view()},
        "check_ins": {"count": all_check_ins[0], "students": chk_students.view()},
        "bookings": {"count": all_bookings[0], "amount_cents": all_bookings[1], "cancelled": all_bookings[2],
                     "students": bk_students.view()},
        "students": overall.view(),
        "events": rows,
        "new_audience": [{**period.view(), **periods.rounded({"students": cell.view()["count"]}),
                          "suppressed": cell.suppressed} for period, cell in newcomers],
    }


# --- school ----------------------------------------------------------------------------

def school_report(*, school: Organisation) -> dict:
    """Per allocation and in total: vouchers allocated and codes issued (the school's
    own doing, shown in full), then claimed, used and not used (about students)."""
    allocations = repository.school_allocations(school.id)
    vouchers = repository.school_vouchers(school.id)
    sheet = Sheet()

    def cells(claimed, used, not_used) -> dict:
        made = {"claimed": sheet.cell(claimed[1], count=claimed[0]),
                "used": sheet.cell(used[2], count=used[0], amount_spent_cents=used[1]),
                "not_used": sheet.cell(not_used[1], count=not_used[0])}
        # What was claimed is either used or not: hiding one of the two hides both.
        sheet.adds_up(made["claimed"], [made["used"], made["not_used"]])
        return made

    total = cells(vouchers["claimed"][1], vouchers["used"][1], vouchers["not_used"][1])
    rows = {a.id: cells(vouchers["claimed"][0].get(a.id, (0, 0)), vouchers["used"][0].get(a.id, (0, 0, 0)),
                        vouchers["not_used"][0].get(a.id, (0, 0))) for a in allocations}
    for figure, total_cell in total.items():
        sheet.adds_up(total_cell, [row[figure] for row in rows.values()])
    sheet.protect(min_cell())

    campaign_names = dict(db.session.execute(sa.select(Campaign.id, Campaign.name).where(
        Campaign.id.in_({a.campaign_id for a in allocations}))).all()) if allocations else {}
    return {
        "school_id": school.id, "school_name": school.name, "min_cell": min_cell(),
        "total": {"vouchers_allocated": sum(a.voucher_count for a in allocations),
                  "codes_issued": sum(a.codes_issued for a in allocations),
                  **{figure: cell.view() for figure, cell in total.items()}},
        "allocations": [{
            "allocation_id": a.id, "campaign_id": a.campaign_id, "campaign_name": campaign_names[a.campaign_id],
            "face_value_cents": a.face_value_cents, "vouchers_allocated": a.voucher_count,
            "codes_issued": a.codes_issued, **{figure: cell.view() for figure, cell in rows[a.id].items()},
        } for a in allocations],
    }


# --- sponsor ---------------------------------------------------------------------------

def campaign_impact(*, campaign: Campaign, now: datetime) -> dict:
    """What the campaign's money did. Funds are the sponsors' own and shown in full;
    everything about students is released by closed month, rounded and protected
    (impact.py, README.md). The released part is the month's snapshot when the job
    has stored it (snapshots.py), else computed now: the same answer either way."""
    minimum = min_cell()
    released = snapshots.released(CAMPAIGN, campaign.id, now=now, minimum=minimum)
    return impact.campaign_impact(campaign=campaign, released=released, minimum=minimum,
                                  funds=repository.campaign_funds(campaign.id))


def sponsor_public_impact(*, sponsor: Organisation, now: datetime) -> dict:
    """{"sponsor_name", "as_of", "min_cell", "headline", "trend", "by_category"} across
    all the sponsor's campaigns: for its public page and sticker."""
    minimum = min_cell()
    released = snapshots.released(SPONSOR, sponsor.id, now=now, minimum=minimum)
    return impact.sponsor_public_impact(sponsor=sponsor, released=released, minimum=minimum)


# --- operator --------------------------------------------------------------------------

def platform_overview() -> dict:
    """Platform totals straight from the ledger, the books check, and what waits for
    an operator's decision. The operator sees everything, so nothing is suppressed."""
    by_kind = repository.balances_by_kind()
    below_zero, shortfall = repository.negative_risk_accounts()
    problems = ledger_api.check_books()
    pending_organisations, pending_topups = repository.pending_counts()
    return {
        "ledger": {
            "bank_cents": repository.balance("bank", ledger_api.PLATFORM),
            "venue_payable_cents": by_kind.get("venue_payable", 0),
            "risk_reserve_cents": by_kind.get("campaign_risk", 0),
            "risk_accounts_below_zero": below_zero, "risk_shortfall_cents": shortfall,
            "balances_by_kind": by_kind,
            "books_balanced": not problems, "books_problems": problems[:MAX_BOOKS_PROBLEMS],
        },
        "pending": {"organisations": pending_organisations, "topups": pending_topups},
    }
