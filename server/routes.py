"""The API's URL table: every domain's blueprint, registered with the OpenAPI spec."""
from server.accounts.routes import bp as accounts_bp
from server.banking.routes import bp as banking_bp
from server.bookings.routes import bp as bookings_bp
from server.campaigns.routes import bp as campaigns_bp
from server.catalogue.routes import bp as catalogue_bp
from server.directory.routes import bp as directory_bp
from server.documents.routes import bp as documents_bp
from server.payments.routes import bp as payments_bp
from server.recovery.routes import bp as recovery_bp
from server.reports.routes import bp as reports_bp
from server.settlement.routes import bp as settlement_bp
from server.sponsors_public.routes import bp as sponsors_public_bp
from server.door.routes import bp as scanners_bp
from server.jobs.routes import bp as jobs_bp
from server.stories.routes import bp as stories_bp
from server.thanks.routes import bp as thanks_bp
from server.vouchers.routes import bp as vouchers_bp

BLUEPRINTS = [accounts_bp, banking_bp, bookings_bp, campaigns_bp, catalogue_bp, directory_bp, documents_bp, payments_bp, recovery_bp, reports_bp, settlement_bp, sponsors_public_bp, scanners_bp, vouchers_bp, stories_bp, thanks_bp, jobs_bp]
