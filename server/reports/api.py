"""Reports for venues, schools, sponsors and the operator: read-only queries that
return plain dicts, with every figure about students protected as README.md
beside this file explains. Nothing here writes."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.catalogue import taxonomy
from server.errors import InvalidInput
from server.extensions import db
from server.ledger import api as ledger_api
from server.onboarding import validation
from server.onboarding.exceptions import InvalidField
from server.reports import repository
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

def venue_report(*, venue: Organisation, first_day: date | None = None, last_day: date | None = None) -> dict:
    """What happened at the venue between two Italian calendar days (inclusive; open
    ended when missing). Money and counts are the venue's own business and shown in
    full; every number of distinct students is protected."""
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
    sheet.protect(min_cell())

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
            "category": _category(event.category_code)["slug"] if event else None,
            "redemptions": {"count": red_count, "amount_cents": red_amount},
            "check_ins": {"count": chk_count},
            "bookings": {"count": bk_count, "amount_cents": bk_amount, "cancelled": bk_cancelled},
            "students": event_students[event_id].view(),
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

def _category(code: int | None) -> dict:
    if code is None:
        return {"slug": None, "label": NO_EVENT_LABEL}
    # A category dropped from the configuration must not break the report of old spending.
    found = {category.code: category for category in taxonomy.categories().values()}.get(code)
    return {"slug": found.slug, "label": found.it} if found else {"slug": None, "label": f"Categoria {code}"}


def _municipality(code: str) -> dict:
    try:
        name = validation.municipality(code).name
    except InvalidField:  # outside the list shipped with this release
        name = code
    return {"municipality_code": code, "name": name}


def campaign_impact(*, campaign: Campaign, now: datetime) -> dict:
    """What the campaign's money did. Funds are the sponsors' own and shown in full;
    everything else describes students and is protected."""
    vouchers_claimed, reached_students = repository.campaign_reach(campaign.id)
    spend = repository.campaign_spend(campaign.id)
    attendance, booked = repository.campaign_attendance(campaign.id, now)
    rating_count, stars, rating_students = repository.campaign_ratings(campaign.id)
    sheet = Sheet()

    def spend_cell(measures):
        amount, payments, students = measures
        return sheet.cell(students, spend_cents=amount, redemptions=payments)

    reached = sheet.cell(reached_students, count=vouchers_claimed)
    total = spend_cell(spend["category"][1])  # the same whichever way it is broken down
    # One category at one venue in one municipality: never shown, but each breakdown
    # row is a sum of these, which is how the three breakdowns constrain each other.
    interior = {key: sheet.cell(m[2], published=False, spend_cents=m[0], redemptions=m[1])
                for key, m in spend["cell"][0].items()}
    breakdowns = {}
    for position, dimension in enumerate(("category", "venue", "municipality")):
        breakdowns[dimension] = {key: spend_cell(measures) for key, measures in spend[dimension][0].items()}
        sheet.adds_up(total, list(breakdowns[dimension].values()))
        within: dict = {}
        for fine, cell in interior.items():
            within.setdefault(fine[position], []).append(cell)
        for key, row in breakdowns[dimension].items():
            sheet.adds_up(row, within[key])
    booked_cell = sheet.cell(booked[1], count=booked[0])
    attended = {flag: sheet.cell(m[1], count=m[0]) for flag, m in
                ((flag, attendance.get(flag, (0, 0))) for flag in (True, False))}
    sheet.adds_up(booked_cell, list(attended.values()))
    ratings = sheet.cell(rating_students, count=rating_count,
                         average_stars=round(stars / rating_count, 2) if rating_count else None)
    sheet.protect(min_cell())

    # Rows in a fixed order (category code, name), never by size: an order by amount
    # would tell where a hidden cell's amount lies between its visible neighbours.
    venue_names = repository.names(breakdowns["venue"])
    by_category = sorted(breakdowns["category"].items(), key=lambda item: (item[0] is None, item[0] or 0))
    by_venue = sorted(breakdowns["venue"].items(), key=lambda item: (venue_names.get(item[0], ""), item[0]))
    by_municipality = sorted(((_municipality(code), cell) for code, cell in breakdowns["municipality"].items()),
                             key=lambda item: (item[0]["name"], item[0]["municipality_code"]))
    return {
        "campaign_id": campaign.id, "campaign_name": campaign.name, "min_cell": min_cell(),
        "funds": repository.campaign_funds(campaign.id),
        "students_reached": reached.view(),
        "spend": {
            "total": total.view(),
            "by_category": [{**_category(code), **cell.view()} for code, cell in by_category],
            "by_venue": [{"venue_id": venue_id, "name": venue_names.get(venue_id), **cell.view()}
                         for venue_id, cell in by_venue],
            "by_municipality": [{**place, **cell.view()} for place, cell in by_municipality],
        },
        "attendance": {"booked": booked_cell.view(), "checked_in": attended[True].view(),
                       "not_checked_in": attended[False].view()},
        "ratings": ratings.view(),
    }


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
