"""The demo pilot: `mentoring seed-demo` (and so `make demo`) fills the database with a
fictional Milan pilot, built through the same use cases the API calls, so the ledger
holds what a real pilot would and balances to the cent.

Every organisation, person, address, partita IVA, IBAN and school code here is made
up. The identifiers still pass onboarding's checks: the VAT numbers carry a correct
Luhn digit (office 015, Milano), the IBANs correct mod-97 digits and CIN letter on a
bank code (ABI 09990) that no bank uses, and the school codes have the right shape.

Seeding is idempotent: the platform admin's email is the marker. If that account
exists the demo is there already and nothing is added; the logins are shown again.
Dates are relative to the day it runs: events start over the next weeks, and a few
closed months of history (server/demo_history.py) lie behind.
"""
import csv
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server import demo_history
from server.accounts import api as accounts_api
from server.accounts.models import SCHOOL, SPONSOR, STAFF, VENUE, Organisation, User
from server.campaigns import api as campaigns_api
from server.campaigns.models import Campaign
from server.catalogue import api as catalogue_api
from server.catalogue.models import COURSE, EVENT
from server.extensions import db
from server.payments import api as payments_api
from server.vouchers import api as vouchers_api
from server.vouchers import claim_codes

log = logging.getLogger(__name__)

# The one password of every demo login. Public by design: never seed a real database.
DEMO_PASSWORD = "mentoring-demo"
ADMIN_EMAIL = "operatore@mentoring.example"  # also the marker of an existing demo
STAFF_EMAIL = "ingresso.navigli@demo.example"
CODES_FILE = "demo-claim-codes.csv"
ITALY = ZoneInfo("Europe/Rome")
CAMPAIGN_LENGTH = timedelta(days=150)  # about what is left of a school year


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    kind: str
    name: str
    municipality: str
    email: str  # its owner's login
    try_this: str
    address: str | None = None
    vat_number: str | None = None
    iban: str | None = None
    school_code: str | None = None
    categories: tuple[str, ...] = ()  # venues: what they offer (and what a typed price at the door pays for)


ORGANISATIONS = (
    # Sponsors: a shop, a bookshop outside Milan, a brand.
    DemoOrganisation("forno", SPONSOR, "Forno della Darsena", "Milano", "forno.darsena@demo.example",
                     "a corner shop's own campaign; top up 50 EUR from the phone (SEPA + EPC QR)",
                     address="Via Vigevano 21, Milano", vat_number="48201570156"),
    DemoOrganisation("libreria", SPONSOR, "Libreria Il Segnalibro", "Sesto San Giovanni",
                     "libreria.segnalibro@demo.example",
                     "a campaign limited to three towns; its 500 EUR top-up awaits the operator",
                     address="Viale Casiraghi 40, Sesto San Giovanni", vat_number="51930460152"),
    DemoOrganisation("lumen", SPONSOR, "Lumen Energia S.p.A.", "Milano", "sponsorship@lumen.demo.example",
                     "a brand's campaign: funds, allocations to two schools, top-up history",
                     address="Corso di Porta Romana 88, Milano", vat_number="60273180152"),
    # Schools of the Città metropolitana (codici meccanografici of the right shape, province MI).
    DemoOrganisation("liceo", SCHOOL, "Liceo Scientifico dei Tigli", "Milano", "referente.tigli@demo.example",
                     "allocations with claimed/used counts; generate more codes for a class",
                     address="Via dei Tigli 5, Milano", school_code="MIPS99001T"),
    DemoOrganisation("itc", SCHOOL, "Istituto Tecnico Naviglio Grande", "Abbiategrasso",
                     "referente.naviglio@demo.example", "two campaigns' vouchers for one school",
                     address="Via Alzaia 12, Abbiategrasso", school_code="MITD99002N"),
    # Venues, one per kind, in four municipalities.
    DemoOrganisation("teatro", VENUE, "Teatro dei Navigli", "Milano", "direzione.navigli@demo.example",
                     "edit the programme; invite more scanner staff",
                     address="Ripa di Porta Ticinese 60, Milano", vat_number="33915820154",
                     iban="IT40K0999001600000000412837", categories=("teatro", "danza", "corsi")),
    DemoOrganisation("museo", VENUE, "Museo del Tessile Legnanese", "Legnano", "museo.tessile@demo.example",
                     "guided tours and a workshop; list a new date",
                     address="Corso Sempione 130, Legnano", vat_number="72580940152",
                     iban="IT79Q0999033200000000770142", categories=("musei", "corsi")),
    DemoOrganisation("cinema", VENUE, "Cinema Arcobaleno", "Cinisello Balsamo", "cinema.arcobaleno@demo.example",
                     "a young people's film club at 5 EUR a seat",
                     address="Via Frova 18, Cinisello Balsamo", vat_number="26497130158",
                     iban="IT42V0999020500000000118590", categories=("cinema",)),
    DemoOrganisation("musica", VENUE, "Scuola di Musica Do Re Mi", "Rho", "segreteria.doremi@demo.example",
                     "courses paid with a voucher (kind: course); the students' concert",
                     address="Via Madonna 44, Rho", vat_number="88142650154",
                     iban="IT36O0999020400000000963214", categories=("musica", "corsi")),
)


@dataclass(frozen=True)
class DemoEvent:
    venue: str
    title: str
    category: str
    kind: str
    day: int  # days from today
    starts: str  # Italian local time
    lasts: timedelta  # a course: from its first lesson to the end of its last
    price_cents: int
    capacity: int
    description: str


_HOURS = timedelta(hours=1)
EVENTS = (
    DemoEvent("teatro", "La locandiera", "teatro", EVENT, 5, "20:30", 2.25 * _HOURS, 1500, 180,
              "Goldoni in una regia giovane: Mirandolina e i suoi pretendenti."),
    DemoEvent("teatro", "Sei personaggi in cerca d'autore", "teatro", EVENT, 12, "20:30", 2 * _HOURS, 1500, 180,
              "Pirandello, il teatro nel teatro."),
    DemoEvent("teatro", "Il lago dei cigni — giovani danzatori", "danza", EVENT, 19, "20:00", 2 * _HOURS, 1800, 180,
              "Il balletto di Čajkovskij danzato dagli allievi delle accademie milanesi."),
    DemoEvent("teatro", "Laboratorio di improvvisazione (6 incontri)", "corsi", COURSE, 8, "17:00",
              timedelta(weeks=5, hours=2), 4000, 20, "Sei giovedì per perdere la paura del palco."),
    DemoEvent("museo", "Visita guidata: fili e telai", "musei", EVENT, 3, "10:00", 1.5 * _HOURS, 600, 25,
              "Un secolo di industria tessile a Legnano, dalle filande ai telai automatici."),
    DemoEvent("museo", "Visita guidata: fili e telai", "musei", EVENT, 10, "10:00", 1.5 * _HOURS, 600, 25,
              "Un secolo di industria tessile a Legnano, dalle filande ai telai automatici."),
    DemoEvent("museo", "Visita guidata: fili e telai", "musei", EVENT, 17, "15:00", 1.5 * _HOURS, 600, 25,
              "Un secolo di industria tessile a Legnano, dalle filande ai telai automatici."),
    DemoEvent("museo", "Laboratorio di tintura naturale", "corsi", EVENT, 14, "15:00", 2 * _HOURS, 800, 15,
              "Colori da foglie, radici e cortecce, come nelle tintorie dell'Ottocento."),
    DemoEvent("cinema", "Cineforum giovani: Nuovo Cinema Paradiso", "cinema", EVENT, 4, "18:00", 2.5 * _HOURS,
              500, 120, "Proiezione e discussione con un critico."),
    DemoEvent("cinema", "Cineforum giovani: La vita è bella", "cinema", EVENT, 11, "18:00", 2.5 * _HOURS, 500, 120,
              "Proiezione e discussione con un critico."),
    DemoEvent("cinema", "Cineforum giovani: Il sorpasso", "cinema", EVENT, 18, "18:00", 2.5 * _HOURS, 500, 120,
              "Proiezione e discussione con un critico."),
    DemoEvent("musica", "Chitarra per principianti (8 lezioni)", "corsi", COURSE, 7, "16:30",
              timedelta(weeks=7, hours=1.5), 4800, 12, "Otto lezioni settimanali; la chitarra la presta la scuola."),
    DemoEvent("musica", "Laboratorio di percussioni (4 incontri)", "corsi", COURSE, 9, "17:00",
              timedelta(weeks=3, hours=1.5), 3000, 15, "Ritmi dal mondo, in gruppo."),
    DemoEvent("musica", "Saggio-concerto degli allievi", "musica", EVENT, 21, "18:00", 1.5 * _HOURS, 300, 150,
              "Gli allievi della scuola in concerto."),
)


@dataclass(frozen=True)
class DemoCampaign:
    sponsor: str
    name: str
    description: str
    face_value_cents: int
    offline_allowance_cents: int
    categories: tuple[str, ...]
    confirmed_topups_cents: tuple[int, ...]
    allocations: tuple[tuple[str, int], ...]  # (school, voucher count): one claim code each
    territory: tuple[str, ...] = ()
    pending_topup_cents: int = 0  # left for the operator to confirm in the demo


# Offline allowances are split between a venue's two scanner slots (server/door/README.md):
# half of each must still pay the dearest show at the door (18 EUR dance, 15 EUR theatre).
CAMPAIGNS = (
    DemoCampaign("lumen", "Lumen per la cultura", "50 euro a studente per teatro, musei, cinema, musica e corsi.",
                 5000, 3600, ("teatro", "musei", "cinema", "musica", "corsi", "danza"), (1_200_000,),
                 (("liceo", 150), ("itc", 80))),
    DemoCampaign("forno", "Il Forno per la musica", "Il forno di quartiere regala musica e cinema.",
                 2000, 2000, ("musica", "corsi", "cinema"), (100_000, 50_000), (("itc", 50),)),
    DemoCampaign("libreria", "Leggere e vedere", "Libri, teatro, cinema e musei tra Sesto, Cinisello e Milano.",
                 3000, 3000, ("libri", "teatro", "cinema", "musei"), (300_000,), (("liceo", 40),),
                 territory=("Sesto San Giovanni", "Cinisello Balsamo", "Milano"), pending_topup_cents=50_000),
)


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str
    try_this: str


@dataclass(frozen=True)
class IssuedCode:
    school: str
    school_code: str
    campaign: str
    face_value_cents: int
    code: str


@dataclass
class Demo:
    created: bool
    logins: list[Login]
    codes: list[IssuedCode] = field(default_factory=list)  # plain text: only on the run that made them


_KIND_LABELS = {SPONSOR: "sponsor", SCHOOL: "school", VENUE: "venue"}


def logins() -> list[Login]:
    """Who to log in as, and what to try there."""
    return [
        Login("platform admin", ADMIN_EMAIL, DEMO_PASSWORD,
              "confirm the pending top-up, review organisations and fraud flags"),
        *(Login(f"{_KIND_LABELS[o.kind]}: {o.name}", o.email, DEMO_PASSWORD, o.try_this) for o in ORGANISATIONS),
        Login("venue staff: Teatro dei Navigli", STAFF_EMAIL, DEMO_PASSWORD,
              "scanner mode: enroll this phone, download the offline bundle, scan tickets"),
        Login("student (no login)", "-", "-", "open the wallet and claim a code: a few are printed above, all are in the codes file"),
    ]


def is_seeded() -> bool:
    return db.session.scalar(sa.select(User.id).filter_by(email=ADMIN_EMAIL)) is not None


def seed(*, now: datetime, secret_key: str) -> Demo:
    """The whole pilot, or nothing if it is there already. Flushes, never commits."""
    if is_seeded():
        return Demo(created=False, logins=logins())
    today = now.astimezone(ITALY).date()
    admin = accounts_api.create_user(email=ADMIN_EMAIL, password=DEMO_PASSWORD, is_platform_admin=True)
    organisations = {plan.key: _onboard(plan) for plan in ORGANISATIONS}
    _enroll_staff(organisations["teatro"], secret_key=secret_key)
    for plan in EVENTS:
        _list_event(plan, organisations[plan.venue], today=today, now=now)
    codes = []
    for plan in CAMPAIGNS:
        codes += _run_campaign(plan, organisations, admin=admin, today=today, now=now, secret_key=secret_key)
    # Months of past activity, so that the impact pages have figures to show.
    campaigns = {plan.sponsor: db.session.scalar(sa.select(Campaign).filter_by(name=plan.name)) for plan in CAMPAIGNS}
    demo_history.grow(organisations=organisations, campaigns=campaigns, admin=admin, now=now, secret_key=secret_key)
    log.info("demo seeded", extra={"organisations": len(organisations), "codes": len(codes)})
    return Demo(created=True, logins=logins(), codes=codes)


def _onboard(plan: DemoOrganisation) -> Organisation:
    """Sign up, register the organisation, and have it approved: the onboarding path."""
    owner = accounts_api.create_user(email=plan.email, password=DEMO_PASSWORD)
    organisation = accounts_api.register_organisation(
        owner=owner, kind=plan.kind, name=plan.name, municipality=plan.municipality, address=plan.address,
        vat_number=plan.vat_number, iban=plan.iban, school_code=plan.school_code,
        categories=list(plan.categories) if plan.kind == VENUE else None)
    return accounts_api.decide_organisation(organisation=organisation, approve=True)


def _enroll_staff(venue: Organisation, *, secret_key: str) -> None:
    """Scanner staff join as a venue's staff do: through the owner's invitation."""
    token = accounts_api.invitation_token(organisation=venue, email=STAFF_EMAIL, role=STAFF, secret_key=secret_key)
    accounts_api.accept_invitation(token=token, password=DEMO_PASSWORD, secret_key=secret_key)


def _list_event(plan: DemoEvent, venue: Organisation, *, today: date, now: datetime) -> None:
    starts_at = datetime.combine(today + timedelta(days=plan.day), time.fromisoformat(plan.starts), tzinfo=ITALY)
    catalogue_api.create_event(
        venue=venue, title=plan.title, category=plan.category, kind=plan.kind, starts_at=starts_at,
        ends_at=starts_at + plan.lasts, price_cents=plan.price_cents, capacity=plan.capacity, now=now,
        description=plan.description)


def _run_campaign(plan: DemoCampaign, organisations: dict, *, admin: User, today: date, now: datetime,
                  secret_key: str) -> list[IssuedCode]:
    """Create, fund (top-ups confirmed by the operator), allocate to schools, print codes."""
    sponsor = organisations[plan.sponsor]
    campaign = campaigns_api.create_campaign(
        sponsor=sponsor, name=plan.name, description=plan.description, face_value_cents=plan.face_value_cents,
        offline_allowance_cents=plan.offline_allowance_cents, categories=list(plan.categories),
        territory=list(plan.territory), valid_from=today, valid_until=today + CAMPAIGN_LENGTH)
    for amount_cents in plan.confirmed_topups_cents:
        topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=amount_cents)
        payments_api.confirm_topup(topup=topup, operator=admin, now=now)
    if plan.pending_topup_cents:
        payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=plan.pending_topup_cents)
    codes = []
    for school_key, voucher_count in plan.allocations:
        school = organisations[school_key]
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=voucher_count,
                                           today=today)
        allocation = vouchers_api.get_allocation(allocation.id, school=school, for_update=True)
        codes += [IssuedCode(school.name, school.school_code, campaign.name, campaign.face_value_cents, code)
                  for code in vouchers_api.issue_codes(allocation=allocation, count=voucher_count,
                                                       secret=secret_key)]
    return codes


def write_codes(path: str, codes: list[IssuedCode], *, base_url: str) -> None:
    """All the codes with their claim links, readable by the file's owner only: in a real
    pilot only the school ever holds them (the database keeps their HMAC)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file was there already, with other permissions
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["school", "school_code", "campaign", "face_value_eur", "code", "claim_link"])
        for issued in codes:
            writer.writerow([issued.school, issued.school_code, issued.campaign,
                             f"{issued.face_value_cents // 100}.{issued.face_value_cents % 100:02d}",
                             issued.code, claim_codes.deep_link(base_url, issued.code)])


def logins_table(rows: list[Login]) -> str:
    headers = ("role", "email", "password", "what to try")
    cells = [headers, *((row.role, row.email, row.password, row.try_this) for row in rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(3)]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line[:3], widths)) + "  " + line[3]
             for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths) + "  " + "-" * len(headers[3]))
    return "\n".join(lines)
