"""deploy/install.sh installs every systemd unit the repository ships and enables every
timer: a unit added under deploy/systemd/ or deploy/backup/ and forgotten by the
installer (as the backup timer once was) would never run in production. Read only:
the script itself needs a Debian host and root."""
import re
import subprocess
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
INSTALL = (DEPLOY / "install.sh").read_text()


def _shipped_units() -> list[Path]:
    return sorted(p for folder in ("systemd", "backup") for p in (DEPLOY / folder).glob("*")
                  if p.suffix in (".service", ".timer"))


def test_the_script_parses():
    subprocess.run(["bash", "-n", str(DEPLOY / "install.sh")], check=True)


def test_every_shipped_unit_is_copied_to_systemd():
    copied = set(re.findall(r"\b((?:systemd|backup)/[\w.-]+\.(?:service|timer))\b", INSTALL))
    shipped = {str(unit.relative_to(DEPLOY)) for unit in _shipped_units()}
    assert "backup/mentoring-backup.timer" in shipped
    assert shipped - copied == set()


def test_every_timer_is_enabled_and_started():
    for timer in (unit.name for unit in _shipped_units() if unit.suffix == ".timer"):
        assert re.search(rf"systemctl enable --now [^\n]*\b{re.escape(timer)}\b", INSTALL), timer


def test_units_are_pointed_at_the_checkout():
    """The units name /srv/mentoring; the installer rewrites it to wherever it runs from."""
    for unit in _shipped_units():
        if "/srv/mentoring" in unit.read_text():
            assert 'sed "s|/srv/mentoring|$APP_DIR|g" "$APP_DIR/deploy/$unit"' in INSTALL
