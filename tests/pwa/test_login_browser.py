"""Member login without a password, and joining by invitation, in real Chromium against
the live server and the demo pilot: a magic link asked for on the login page, read from
the mailer's outbox (the live app runs in this process, so it is the tests' MemoryMailer),
opened once to land logged in, refused the second time; a venue owner inviting entrance
staff from the "People" tab, the invitee opening the link in another browser, choosing a
password and landing on the scanner.
"""
import re
import uuid
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from server import demo
from server.accounts import api as accounts_api
from server.accounts import mail
from server.accounts.models import Membership, Organisation, User
from server.extensions import db

from tests.pwa.conftest import serious_violations

pytestmark = pytest.mark.browser

MEMBER = "cinema.arcobaleno@demo.example"  # a venue owner nobody else logs in as by link
VENUE = "Teatro dei Navigli"
VENUE_OWNER = "direzione.navigli@demo.example"
SPONSOR = "Forno della Darsena"
SPONSOR_OWNER = "forno.darsena@demo.example"


def log_in(page, email: str, next_path: str = "/o"):
    page.goto(f"/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Accedi", exact=True).click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    page.locator(".org-bar").wait_for()


def organisation_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Organisation.id).filter_by(name=name))


def outbox(app) -> list:
    with app.app_context():
        return mail.mailer().outbox


def mailed_link(message) -> str:
    (link,) = set(re.findall(r"\S+/login\?magic=\S+", message.get_content()))
    return link


def membership_role(app, email: str, organisation: str) -> str | None:
    with app.app_context():
        # Explicit ON clauses: an organisation also points at a user (who asked for an IBAN change).
        role = db.session.scalar(sa.select(Membership.role).join(User, Membership.user_id == User.id)
                                 .join(Organisation, Membership.organisation_id == Organisation.id)
                                 .where(User.email == email, Organisation.name == organisation))
        db.session.rollback()
        return role


# --- magic links ---------------------------------------------------------------------------------

def test_a_magic_link_asked_for_on_the_login_page_logs_in_once(page, pilot, live_app, live_server):
    sent_before = len(outbox(live_app))
    page.goto("/login")
    page.get_by_role("button", name="Ricevi un link di accesso per email").click()
    page.get_by_label("Email").fill(MEMBER)
    page.get_by_role("button", name="Inviami il link").click()

    page.get_by_text("Se l’indirizzo è registrato, ti abbiamo inviato un link (valido 15 minuti).").wait_for()
    assert len(outbox(live_app)) == sent_before + 1
    message = outbox(live_app)[-1]
    assert message["To"] == MEMBER
    link = mailed_link(message)
    assert link.startswith(f"{live_server.url}/login?magic=")

    # Hold the redemption: the token must already be gone from the address bar meanwhile.
    held = []
    page.route("**/api/v1/auth/magic-link/redeem", lambda route: held.append(route))
    page.goto(link)
    page.get_by_role("status").filter(has_text="Accesso in corso…").wait_for()
    assert urlsplit(page.url).query == ""
    assert page.evaluate("location.href") == f"{live_server.url}/login"
    for _ in range(100):  # the route handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/api/v1/auth/magic-link/redeem")

    page.wait_for_url(re.compile(r"/o$"))
    expect(page.locator(".org-email")).to_have_text(MEMBER)
    page.locator(".membership", has_text="Cinema Arcobaleno").wait_for()

    page.goto(link)
    page.get_by_role("alert").filter(has_text="Questo link di accesso è già stato usato.").wait_for()
    assert "magic" not in page.url
    expect(page.get_by_label("Password")).to_be_visible()  # the normal form, to log in another way


def test_a_magic_link_opened_in_a_new_tab_of_a_logged_in_browser_switches_the_session(context, pilot, live_app):
    """A tab opened from the mail has no CSRF token yet, while the browser's session wants one."""
    first = context.new_page()
    log_in(first, SPONSOR_OWNER)
    other = "museo.tessile@demo.example"
    assert live_app.test_client().post("/api/v1/auth/magic-link", json={"email": other}).status_code == 202
    mailed = urlsplit(mailed_link(outbox(live_app)[-1]))  # asked through a test client: host "localhost"

    from_mail = context.new_page()  # a new tab: its sessionStorage is empty
    from_mail.goto(f"{mailed.path}?{mailed.query}")

    from_mail.wait_for_url(re.compile(r"/o$"))
    expect(from_mail.locator(".org-email")).to_have_text(other)


def test_a_broken_magic_link_says_so_and_offers_a_new_one(page, pilot):
    page.goto("/login?magic=non-un-token&next=/o/nuova")

    page.get_by_role("alert").filter(has_text="Il link di accesso non è valido").wait_for()
    address = urlsplit(page.url)
    assert (address.path, address.query) == ("/login", "next=/o/nuova")  # token gone, next kept as written
    page.get_by_role("button", name="Ricevi un link di accesso per email").click()
    page.get_by_role("heading", name="Accedi con un link").wait_for()


def test_asking_for_a_link_for_an_unknown_address_reads_the_same(page, pilot, live_app):
    sent_before = len(outbox(live_app))
    page.goto("/login")
    page.get_by_role("button", name="Ricevi un link di accesso per email").click()
    page.get_by_label("Email").fill(f"nessuno.{uuid.uuid4().hex[:8]}@demo.example")
    page.get_by_role("button", name="Inviami il link").click()

    page.get_by_text("Se l’indirizzo è registrato, ti abbiamo inviato un link (valido 15 minuti).").wait_for()
    assert len(outbox(live_app)) == sent_before


# --- invitations -----------------------------------------------------------------------------------

def invite(page, app, *, organisation: str, kind: str, email: str, role_label: str | None = None) -> str:
    """From the owner's "People" tab; the invitation link shown."""
    page.goto(f"/o/{kind}/{organisation_id(app, organisation)}")
    page.get_by_role("link", name="Persone").click()
    page.wait_for_url(re.compile(rf"/o/{kind}/\d+/persone$"))
    page.get_by_label("Email della persona").fill(email)
    if role_label:
        page.get_by_label("Ruolo").select_option(label=role_label)
    page.get_by_role("button", name="Crea il link di invito").click()
    return page.locator(f'.invitation-link[data-email="{email}"] .invitation-url').inner_text()


def test_a_venue_owner_invites_entrance_staff_who_join_from_another_browser(page, people, pilot,
                                                                             live_app, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    email = f"cassa.{uuid.uuid4().hex[:8]}@demo.example"
    log_in(page, VENUE_OWNER)

    link = invite(page, live_app, organisation=VENUE, kind="venue", email=email,
                  role_label="Personale d’ingresso (scanner)")

    url = urlsplit(link)
    assert f"{url.scheme}://{url.netloc}" == live_server.url
    assert (url.path, url.query) == ("/invito", "") and url.fragment.count(".") == 2
    page.get_by_role("button", name=f"Copia il link di invito per {email}").click()
    page.locator(".invitation-link").get_by_text("Copiato").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert serious_violations(page) == []

    invitee = people()
    asked = []
    invitee.on("request", lambda request: asked.append(request.url))
    invitee.goto(link)
    invitee.get_by_text(f"{VENUE} ti invita su Mentoring come personale d’ingresso.").wait_for()
    expect(invitee.locator(".invite-email")).to_have_text(email)
    assert serious_violations(invitee) == []

    password = invitee.get_by_label("Password")
    password.fill("corta")
    invitee.get_by_role("button", name="Accetta ed entra").click()
    invitee.get_by_text("La password deve avere almeno 10 caratteri.").wait_for()
    expect(password).to_be_focused()
    assert membership_role(live_app, email, VENUE) is None

    password.fill("una-password-lunga")
    invitee.get_by_role("button", name="Accetta ed entra").click()

    invitee.wait_for_url(re.compile(r"/s$"))
    invitee.get_by_role("radio", name=VENUE).wait_for()  # the scanner's set-up, logged in
    assert membership_role(live_app, email, VENUE) == "staff"
    token = url.fragment
    assert not any(token in asked_url for asked_url in asked)  # the token never reached the server in a URL
    assert token not in invitee.evaluate("location.href")


def test_a_sponsor_owner_invites_a_member_who_lands_in_the_organisations_area(page, people, pilot,
                                                                              live_app):
    email = f"collega.{uuid.uuid4().hex[:8]}@demo.example"
    log_in(page, SPONSOR_OWNER)

    link = invite(page, live_app, organisation=SPONSOR, kind="sponsor", email=email)
    assert page.get_by_label("Ruolo").count() == 0  # sponsors invite members only

    invitee = people()
    invitee.goto(link)
    invitee.get_by_text(f"{SPONSOR} ti invita su Mentoring come membro dell’organizzazione.").wait_for()
    invitee.get_by_label("Password").fill("una-password-lunga")
    invitee.get_by_role("button", name="Accetta ed entra").click()

    invitee.wait_for_url(re.compile(r"/o$"))
    expect(invitee.locator(".org-email")).to_have_text(email)
    invitee.get_by_role("link", name=re.compile(SPONSOR)).click()
    invitee.locator(".campaign-card").first.wait_for()
    # Members work for the organisation; inviting stays the owner's.
    assert invitee.get_by_role("link", name="Persone").count() == 0
    assert membership_role(live_app, email, SPONSOR) == "member"


def test_someone_with_an_account_accepts_with_their_own_password(page, people, pilot, live_app):
    email = f"esistente.{uuid.uuid4().hex[:8]}@demo.example"
    with live_app.app_context():
        accounts_api.create_user(email=email, password="la-mia-password-vera")
        db.session.commit()
    log_in(page, VENUE_OWNER)
    link = invite(page, live_app, organisation=VENUE, kind="venue", email=email, role_label=None)

    invitee = people()
    invitee.goto(link)
    invitee.get_by_label("Password").fill("una-password-diversa")
    invitee.get_by_role("button", name="Accetta ed entra").click()
    invitee.get_by_text("Hai già un account con questo indirizzo: scrivi la tua password per accettare.").wait_for()
    assert membership_role(live_app, email, VENUE) is None

    invitee.get_by_label("Password").fill("la-mia-password-vera")
    invitee.get_by_role("button", name="Accetta ed entra").click()
    invitee.wait_for_url(re.compile(r"/o$"))  # the default role, member: the organisations' area
    assert membership_role(live_app, email, VENUE) == "member"


def test_a_link_without_its_token_says_what_to_do(page, pilot):
    page.goto("/invito")

    page.get_by_role("alert").filter(has_text="Questo link di invito è incompleto.").wait_for()


def test_only_owners_see_the_people_tab(page, pilot, live_app):
    venue_id = organisation_id(live_app, VENUE)
    log_in(page, demo.STAFF_EMAIL, f"/o/venue/{venue_id}")
    page.get_by_role("link", name="Scanner", exact=True).wait_for()
    assert page.get_by_role("link", name="Persone").count() == 0

    page.goto(f"/o/venue/{venue_id}/persone")
    page.get_by_text("Solo il titolare dell’organizzazione può invitare persone.").wait_for()
    assert page.get_by_role("button", name="Crea il link di invito").count() == 0


def test_the_owner_sees_who_belongs_and_removes_someone_who_left(page, pilot, live_app):
    email = f"ex.cassa.{uuid.uuid4().hex[:8]}@demo.example"
    with live_app.app_context():
        venue = db.session.scalar(sa.select(Organisation).filter_by(name=VENUE))
        db.session.add(Membership(user=accounts_api.create_user(email=email, password="una-password-lunga"),
                                  organisation=venue, role="staff"))
        db.session.commit()
    log_in(page, VENUE_OWNER)
    page.goto(f"/o/venue/{organisation_id(live_app, VENUE)}/persone")

    own = page.locator(f'.member[data-email="{VENUE_OWNER}"]')
    expect(own.locator(".card-title")).to_have_text(f"{VENUE_OWNER} (tu)")
    expect(own.get_by_role("button")).to_have_count(0)  # nobody removes themselves here
    leaving = page.locator(f'.member[data-email="{email}"]')
    expect(leaving).to_contain_text("Personale d’ingresso (scanner)")
    leaving.get_by_role("button", name=f"Rimuovi: {email}").click()
    leaving.get_by_text(f"Rimuovere {email}?").wait_for()
    assert serious_violations(page) == []
    leaving.get_by_role("button", name="Sì, rimuovi").click()

    page.get_by_text(f"{email} non fa più parte dell’organizzazione.").wait_for()
    expect(leaving).to_have_count(0)
    with live_app.app_context():
        removed_at = db.session.scalar(sa.select(Membership.removed_at).join(User).where(User.email == email))
        db.session.rollback()
    assert removed_at is not None
