"""The sponsor's impact report, released by closed month (README.md beside this file:
"Reports over time"). Everything is read once as rows with the server's time, then
figured in Python for any boundary: the current release, and the previous one, which
is already public and so goes into the sheet as fixed cells."""
import copy
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from server.catalogue import taxonomy
from server.onboarding import validation
from server.onboarding.exceptions import InvalidField
from server.reports import periods, repository
from server.reports.periods import Period, rounded, utc
from server.reports.suppression import Cell, Sheet
from server.thanks import api as thanks_api

NO_EVENT_LABEL = "Senza evento"  # redeemed at the door without choosing an event
OTHER_CATEGORY = "altro"
OTHER_CATEGORY_LABEL = "Altro"
OTHER_VENUES = "Altre sedi"
MUNICIPALITY, PROVINCE, REGION = "municipality", "province", "region"
STARS = (1, 2, 3, 4, 5)
# Provinces of Lombardy by ISTAT code, for municipalities the shipped list does not
# place (their code's first three digits are the province's).
_LOMBARDY = frozenset({"012", "013", "014", "015", "016", "017", "018", "019", "020", "097", "098", "108"})


@dataclass(frozen=True)
class Use:
    """One payment: a booking counts from its creation until its cancellation, a
    redemption from its sync."""
    wallet: int
    amount: int
    category: int | None
    venue: int
    municipality: str | None
    at: datetime
    until: datetime | None

    def counts_at(self, boundary: datetime) -> bool:
        return self.at < boundary and (self.until is None or self.until >= boundary)


@dataclass
class Activity:
    """What the students did with some campaigns' vouchers, with the server's times."""
    campaign_ids: list
    claims: list
    uses: list
    bookings: list  # (wallet, created, cancelled, event starts, first check-in synced)
    ratings: list  # (wallet, stars, recorded)

    @classmethod
    def read(cls, campaign_ids: list) -> "Activity":
        def aware(row):
            return tuple(utc(v) if isinstance(v, datetime) else v for v in row)
        return cls(campaign_ids, [aware(r) for r in repository.campaign_claims(campaign_ids)],
                   [Use(*aware(r)) for r in repository.campaign_use_rows(campaign_ids)],
                   [aware(r) for r in repository.campaign_booking_rows(campaign_ids)],
                   [aware(r) for r in repository.campaign_rating_rows(campaign_ids)])

    def changes(self) -> list[tuple[int, datetime]]:
        """Every (wallet, time) at which some figure moved: what releases are decided on."""
        moved = list(self.claims) + [(u.wallet, u.at) for u in self.uses]
        moved += [(u.wallet, u.until) for u in self.uses if u.until]
        moved += [(b[0], b[4]) for b in self.bookings if b[4]] + [(r[0], r[2]) for r in self.ratings]
        return moved


def _figures(uses, key=lambda use: None) -> dict:
    """key -> (amount, payments, wallets)."""
    found: dict = {}
    for use in uses:
        figures = found.setdefault(key(use), [0, 0, set()])
        figures[0] += use.amount
        figures[1] += 1
        figures[2].add(use.wallet)
    return found


# --- coarsening: groups small enough to name a student are merged -----------------------

@dataclass(frozen=True)
class Groups:
    category: dict  # category code -> itself or OTHER_CATEGORY
    venue: dict  # venue id -> itself or None (other venues)
    area: dict  # municipality code -> (level, code)
    area_names: dict  # (level, code) -> name

    def of(self, use: Use) -> tuple:
        return self.category[use.category], self.venue[use.venue], self.area[use.municipality]


def _merged_when_small(uses, attribute: str, other, minimum: int) -> dict:
    wallets = defaultdict(set)
    for use in uses:
        wallets[getattr(use, attribute)].add(use.wallet)
    return {key: key if len(found) >= minimum else other for key, found in wallets.items()}


def _place(code: str | None) -> dict:
    """Name, province and region of a municipality (ISTAT code)."""
    if code is None:
        return {"name": "Non indicato", "province": ("", "Non indicato"), "region": ("", "Non indicato")}
    try:
        found = validation.municipality(code)
    except InvalidField:  # outside the list shipped with this release
        found = None
    province = getattr(found, "province_code", None) or code[:3]
    region = (getattr(found, "region_code", None), getattr(found, "region_name", None))
    if not region[0]:
        region = ("03", "Lombardia") if province in _LOMBARDY else ("", "Altre regioni")
    return {"name": found.name if found else code,
            "province": (province, getattr(found, "province_name", None) or f"Provincia {province}"),
            "region": region}


def _area_groups(uses, minimum: int) -> dict:
    """Municipality -> the area it is shown in: itself, else its province, else its
    region, going up only while the group is about fewer than ``minimum`` students."""
    wallets = defaultdict(set)
    for use in uses:
        wallets[use.municipality].add(use.wallet)
    group = {code: (MUNICIPALITY, code) for code in wallets}
    for level in (PROVINCE, REGION):
        members = defaultdict(set)
        for code, key in group.items():
            members[key] |= wallets[code]
        small = {key for key, found in members.items() if len(found) < minimum}
        for code, key in group.items():
            if key in small:
                group[code] = (level, _place(code)[level][0] if code else "")
    return group


def _area_names(group: dict) -> dict:
    """A province or region row holds only the municipalities not shown on their own:
    its name says so when some of its municipalities have a row of their own."""
    names, apart = {}, set()
    for code, (level, key) in group.items():
        place = _place(code)
        names[(level, key)] = place["name"] if level == MUNICIPALITY else place[level][1]
        if level != REGION:
            apart.update({(REGION, place[REGION][0])} | ({(PROVINCE, place[PROVINCE][0])} if level == MUNICIPALITY
                                                         else set()))
    return {key: f"{name} (altri comuni)" if key in apart and key[0] != MUNICIPALITY else name
            for key, name in names.items()}


def _area_view(key: tuple, names: dict) -> dict:
    """Codes as a campaign's territory stores them (onboarding/territory.py): the ISTAT
    code of a municipality, P + a province's, R + a region's."""
    level, code = key
    shown = code if level == MUNICIPALITY else ("P" if level == PROVINCE else "R") + code if code else ""
    return {"code": shown or "", "name": names.get(key, "Non indicato"), "level": level}


def category_view(key) -> dict:
    if key == OTHER_CATEGORY:
        return {"slug": OTHER_CATEGORY, "label": OTHER_CATEGORY_LABEL}
    if key is None:
        return {"slug": None, "label": NO_EVENT_LABEL}
    # A category dropped from the configuration must not break the report of old spending.
    found = {category.code: category for category in taxonomy.categories().values()}.get(key)
    return {"slug": found.slug, "label": found.it} if found else {"slug": None, "label": f"Categoria {key}"}


# --- the sheet of one release -----------------------------------------------------------

@dataclass
class Release:
    """The cells of the report at ``period.end``; ``sheet`` decides which are hidden."""
    sheet: Sheet
    reached: Cell
    total: Cell
    rows: dict  # "category" / "venue" / "area" -> {group: Cell}
    trend: list  # (Period, Cell)
    attendance: dict
    ratings: Cell
    distribution: dict
    thanks: dict
    venues: int
    groups: Groups


def _spend_cell(sheet: Sheet, figures, **flags) -> Cell:
    amount, payments, wallets = figures
    return sheet.cell(len(wallets), spend_cents=amount, redemptions=payments, **flags)


def _release(activity: Activity, released: list[Period], groups: Groups, minimum: int,
             previous: "Release | None" = None) -> Release:
    boundary = released[-1].end
    sheet = Sheet()
    counted = [use for use in activity.uses if use.counts_at(boundary)]
    claimers = {wallet for wallet, at in activity.claims if at < boundary}
    reached = sheet.cell(len(claimers), count=len(claimers))
    total = _spend_cell(sheet, _figures(counted).get(None, (0, 0, set())))
    rows: dict = {}
    for position, dimension in enumerate(("category", "venue", "area")):
        grouped = _figures(counted, lambda use, i=position: groups.of(use)[i])
        rows[dimension] = {key: _spend_cell(sheet, figures) for key, figures in grouped.items()}
        sheet.adds_up(total, list(rows[dimension].values()))
    # One category at one venue in one area: never shown, but each row is a sum of these,
    # which is how the three breakdowns constrain each other.
    interior = {key: _spend_cell(sheet, figures, published=False) for key, figures in _figures(counted, groups.of).items()}
    _link(sheet, rows, interior)

    trend = []
    for period in released:
        before, after = period.start, period.end
        changed = [use for use in activity.uses if use.counts_at(after) != use.counts_at(before)]
        net = sum(use.amount if use.counts_at(after) else -use.amount for use in changed)
        payers = {use.wallet for use in changed}
        trend.append((period, sheet.cell(len(payers), students=len(payers), spend_cents=net)))
    sheet.adds_up(total, [cell for _, cell in trend])
    if previous is not None:
        _after(sheet, previous, total, rows, trend, activity, groups, minimum)

    booked = [b for b in activity.bookings if b[1] < boundary and not (b[2] and b[2] < boundary)
              and utc(b[3]) < boundary]
    came = [b for b in booked if b[4] and b[4] < boundary]
    stayed = [b for b in booked if not (b[4] and b[4] < boundary)]
    attendance = {name: sheet.cell(len({b[0] for b in found}), count=len(found))
                  for name, found in (("booked", booked), ("checked_in", came), ("not_checked_in", stayed))}
    sheet.adds_up(attendance["booked"], [attendance["checked_in"], attendance["not_checked_in"]])

    rated = [r for r in activity.ratings if r[2] < boundary]
    ratings = sheet.cell(len({r[0] for r in rated}), count=len(rated),
                         average_stars=round(sum(r[1] for r in rated) / len(rated), 2) if rated else None)
    distribution = {stars: sheet.cell(len({r[0] for r in rated if r[1] == stars}),
                                      count=sum(1 for r in rated if r[1] == stars)) for stars in STARS}
    sheet.adds_up(ratings, list(distribution.values()))

    thanked: dict = defaultdict(lambda: [0, 0])
    for campaign_id in activity.campaign_ids:
        for choice, (count, wallets) in thanks_api.counts_for_campaign(campaign_id, boundary).items():
            thanked[choice][0] += count
            thanked[choice][1] += wallets  # across campaigns an over-count: stricter, not laxer
    thanks = {choice: sheet.cell(thanked[choice][1], count=thanked[choice][0]) for choice, _ in thanks_api.CHOICES}
    sheet.protect(minimum)
    return Release(sheet, reached, total, rows, trend, attendance, ratings, distribution, thanks,
                   len({use.venue for use in counted}), groups)


def _link(sheet: Sheet, rows: dict, interior: dict) -> None:
    for position, dimension in enumerate(("category", "venue", "area")):
        within: dict = defaultdict(list)
        for key, cell in interior.items():
            within[key[position]].append(cell)
        for key, row in rows[dimension].items():
            sheet.adds_up(row, within[key])


def _after(sheet: Sheet, previous: Release, total: Cell, rows: dict, trend: list, activity: Activity,
           groups: Groups, minimum: int) -> None:
    """The previous release is public: its shown cells go in as fixed, and each row now
    is that row then plus what changed since (never shown). A change about 1 to
    min_cell - 1 students then cannot be had by subtraction: the sheet hides a cell."""
    def fixed(cell: Cell) -> Cell:
        return sheet.cell(cell.students, fixed=True, suppressed=cell.suppressed, **cell.values)

    then = previous.trend[-1][0].end
    now = trend[-1][0].end
    changed = [use for use in activity.uses if use.counts_at(now) != use.counts_at(then)]
    last_trend = trend[-1][1]  # the change of the total is the last trend row itself
    sheet.adds_up(fixed(previous.total), [cell for _, cell in trend[:-1]])
    sheet.adds_up(total, [fixed(previous.total), last_trend])
    increments: dict = {}
    for position, dimension in enumerate(("category", "venue", "area")):
        moved = _figures(changed, lambda use, i=position: groups.of(use)[i])
        increments[dimension] = {key: _spend_cell(sheet, moved.get(key, (0, 0, set())), published=False)
                                 for key in set(rows[dimension]) | set(moved)}
        for key, row in rows[dimension].items():
            then_cell = previous.rows[dimension].get(key)
            sheet.adds_up(row, [fixed(then_cell), increments[dimension][key]] if then_cell is not None
                          else [increments[dimension][key]])
            # The obvious complement, chosen here rather than searched for by protect
            # (each try there is a full elimination): a row shown then whose change is
            # about too few students is hidden now.
            if then_cell is not None and not then_cell.suppressed and 0 < increments[dimension][key].students < minimum:
                row.suppressed = True
        sheet.adds_up(last_trend, list(increments[dimension].values()))
    # The changes by category × venue × area, never shown: they tie the three
    # breakdowns of the changes as the interior ties the current ones.
    interior = {key: _spend_cell(sheet, figures, published=False) for key, figures in _figures(changed, groups.of).items()}
    _link(sheet, increments, interior)


# --- the reports ------------------------------------------------------------------------

def _hidden(**figures) -> dict:
    return {**{name: None for name in figures}, "suppressed": True}


def _view(cell: Cell) -> dict:
    return rounded(cell.view())


def _protected(activity: Activity, now: datetime, minimum: int) -> tuple[list[Period], Release | None]:
    released = periods.releases(activity.changes(), now=now, minimum=minimum)
    if not released:
        return released, None
    boundary = released[-1].end
    counted = [use for use in activity.uses if use.counts_at(boundary)]
    area = _area_groups(counted, minimum)
    # Payments counted before but not now (cancelled) still need a group to be read in.
    every = activity.uses
    area.update({u.municipality: (REGION, _place(u.municipality)["region"][0]) for u in every
                 if u.municipality not in area})
    groups = Groups(_merged_when_small(counted, "category", OTHER_CATEGORY, minimum),
                    _merged_when_small(counted, "venue", None, minimum), area, _area_names(area))
    groups.category.update({u.category: OTHER_CATEGORY for u in every if u.category not in groups.category})
    groups.venue.update({u.venue: None for u in every if u.venue not in groups.venue})
    # Only the release just before is put in as public: each release is protected
    # against its predecessor, which keeps the sheet small (README: what is not covered).
    previous = _release(activity, released[:-1], groups, minimum) if len(released) > 1 else None
    return released, _release(activity, released, groups, minimum, previous)


def _headline(release: Release | None) -> dict:
    if release is None:
        return _hidden(students_reached=None, spend_cents=None, visits=None, venues=None)
    reached, total = _view(release.reached), _view(release.total)
    shown = {"students_reached": reached["count"], "spend_cents": total["spend_cents"],
             "visits": total["redemptions"], "venues": None if total["suppressed"] else release.venues}
    return {**shown, "suppressed": reached["suppressed"] or total["suppressed"]}


def _trend(release: Release | None) -> list:
    return [{**_period_text(period.view()), **_view(cell)} for period, cell in release.trend] if release else []


def _by_category(release: Release) -> list:
    order = sorted(release.rows["category"], key=lambda k: (k == OTHER_CATEGORY, k is None, k or 0))
    return [{"category": key, **_view(release.rows["category"][key])} for key in order]


# --- the released part: what a snapshot stores (snapshots.py) ----------------------------
#
# Plain JSON (dates as ISO text), only figures as published (rounded, suppressed ones
# null): what a snapshot holds is no more than what the report shows. Names that live
# elsewhere and may change (a venue's, a category's label, a thanks' label) are kept as
# keys and read when the report is shown, so a stored release and one computed now give
# the same answer.

def _period_text(view: dict) -> dict:
    return {**view, "from": view["from"].isoformat(), "to": view["to"].isoformat()}


def _period_days(row: dict) -> dict:
    return {**row, "from": date.fromisoformat(row["from"]), "to": date.fromisoformat(row["to"])}


def released_campaign(campaign_id: int, *, now: datetime, minimum: int) -> dict:
    """The released, protected figures of one campaign as of ``now``'s last closed month."""
    released, release = _protected(Activity.read([campaign_id]), now, minimum)
    if release is None:
        return {"as_of": None, "headline": _headline(None), "trend": [], "students_reached": _hidden(count=None),
                "spend": {"total": _hidden(spend_cents=None, redemptions=None), "by_category": [], "by_venue": [],
                          "by_area": []},
                "attendance": {name: _hidden(count=None) for name in ("booked", "checked_in", "not_checked_in")},
                "ratings": {**_hidden(count=None, average_stars=None),
                            "distribution": [{"stars": stars, **_hidden(count=None)} for stars in STARS]},
                "thanks": [{"choice": choice, **_hidden(count=None)} for choice in thanks_api.SLUGS]}
    area_names = release.groups.area_names
    areas = sorted(release.rows["area"], key=lambda k: ((MUNICIPALITY, PROVINCE, REGION).index(k[0]),
                                                        area_names.get(k, ""), k[1] or ""))
    return {
        "as_of": released[-1].last_day.isoformat(), "headline": _headline(release), "trend": _trend(release),
        "students_reached": _view(release.reached),
        "spend": {
            "total": _view(release.total), "by_category": _by_category(release),
            "by_venue": [{"venue_id": key, **_view(cell)} for key, cell in release.rows["venue"].items()],
            "by_area": [{**_area_view(key, area_names), **_view(release.rows["area"][key])} for key in areas],
        },
        "attendance": {name: _view(cell) for name, cell in release.attendance.items()},
        "ratings": {**_view(release.ratings), "average_stars": release.ratings.view()["average_stars"],
                    "distribution": [{"stars": stars, **_view(cell)} for stars, cell in release.distribution.items()]},
        "thanks": [{"choice": choice, **_view(release.thanks[choice])} for choice in thanks_api.SLUGS],
    }


def released_sponsor(sponsor_id: int, *, now: datetime, minimum: int) -> dict:
    """The released, protected figures of a sponsor's public page: across all its campaigns."""
    released, release = _protected(Activity.read(repository.sponsor_campaign_ids(sponsor_id)), now, minimum)
    return {"as_of": released[-1].last_day.isoformat() if released else None, "headline": _headline(release),
            "trend": _trend(release), "by_category": _by_category(release) if release else []}


# --- the reports: a released part (stored or computed now) and what is live -------------

def _categories(rows: list) -> list:
    return [{**category_view(row["category"]), **{k: v for k, v in row.items() if k != "category"}}
            for row in rows]


def _release_view(released: dict) -> dict:
    return {"as_of": date.fromisoformat(released["as_of"]) if released["as_of"] else None,
            "headline": released["headline"], "trend": [_period_days(row) for row in released["trend"]]}


def campaign_impact(*, campaign, released: dict, minimum: int, funds: dict) -> dict:
    """The impact report: ``released`` (released_campaign's, now or from a snapshot), the
    names read now, and the funds, the sponsors' own money, live."""
    released = copy.deepcopy(released)  # a snapshot's stored JSON is not ours to change
    spend = released["spend"]
    names = repository.names([row["venue_id"] for row in spend["by_venue"]])
    venues = sorted(spend["by_venue"], key=lambda row: (row["venue_id"] is None, names.get(row["venue_id"], ""),
                                                        row["venue_id"] or 0))
    labels = dict(thanks_api.CHOICES)
    return {
        "campaign_id": campaign.id, "campaign_name": campaign.name, "min_cell": minimum,
        "method": periods.METHOD, "funds": funds, **_release_view(released),
        "students_reached": released["students_reached"],
        "spend": {
            "total": spend["total"], "by_category": _categories(spend["by_category"]),
            "by_venue": [{"venue_id": row["venue_id"],
                          "name": names.get(row["venue_id"], OTHER_VENUES) if row["venue_id"] else OTHER_VENUES,
                          **row} for row in venues],
            "by_area": spend["by_area"],
        },
        "attendance": released["attendance"], "ratings": released["ratings"],
        "thanks": [{"choice": row["choice"], "label": labels.get(row["choice"], row["choice"]), **row}
                   for row in released["thanks"]],
    }


def sponsor_public_impact(*, sponsor, released: dict, minimum: int) -> dict:
    """The sponsor's figures across all its campaigns (released_sponsor's), with its name."""
    released = copy.deepcopy(released)
    return {"sponsor_name": sponsor.name, "min_cell": minimum, **_release_view(released),
            "by_category": _categories(released["by_category"])}
