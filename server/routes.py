"""The API's URL table: every domain's blueprint, registered with the OpenAPI spec."""
from server.accounts.routes import bp as accounts_bp

BLUEPRINTS = [accounts_bp]
