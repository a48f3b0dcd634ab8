"""The `mentoring` command: Flask's commands (`run`, `shell`, `routes`) plus the
token and key tools from `signing`."""
from flask.cli import FlaskGroup

from server import create_app, default_instance_path
from signing import cli as signing_cli

main = FlaskGroup(
    name="mentoring", create_app=create_app, help="Mentoring server and tools.",
    # `mentoring keys` works on the app's instance folder wherever it is run from.
    context_settings={"default_map": {"keys": {"instance_dir": default_instance_path()}}},
)
main.add_command(signing_cli.token)
main.add_command(signing_cli.keys)
