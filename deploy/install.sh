#!/usr/bin/env bash
# Brings Mentoring up on a fresh Debian host (12 or later), or updates it: run again after
# a `git pull` and it installs what changed and restarts the services. As root:
#
#   DOMAIN=mentoring.example.org EMAIL=ops@example.org deploy/install.sh
#
# from a checkout of the repository (best at /srv/mentoring; elsewhere the units are
# rewritten to point at it). What it does, each step safe to repeat:
#   1. Debian packages: Python, Node (to build the PWA), Caddy, PostgreSQL, Redis
#   2. the `mentoring` system user; its instance folder /var/lib/mentoring (keys, secret)
#   3. /etc/mentoring/{mentoring,caddy}.env from the templates, with fresh secrets;
#      never overwritten once there (edit them, then `systemctl restart mentoring`)
#   4. PostgreSQL role and database `mentoring` (peer authentication over the local socket)
#   5. the virtualenv and the app in it; the PWA built into pwa/dist (with .br/.gz)
#   6. issuer keys (once), database migrations
#   7. systemd units (app, worker, the jobs sweep every minute, the nightly backup at 03:15
#      with deploy/backup/) and Caddy's configuration; enabled, (re)started
# Nothing is downloaded at run time: everything comes from apt, pip and npm here.
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ETC=/etc/mentoring
STATE=/var/lib/mentoring
APP_USER=mentoring

say() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
[ -f /etc/debian_version ] || { echo "install.sh: Debian only" >&2; exit 1; }

say "1. Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  python3 python3-venv python3-pip nodejs npm caddy postgresql redis-server \
  libzbar0 openssl ca-certificates git

say "2. the $APP_USER user and $STATE"
id -u "$APP_USER" >/dev/null 2>&1 || adduser --system --group --home "$STATE" --no-create-home "$APP_USER"
install -d -m 0750 -o "$APP_USER" -g "$APP_USER" "$STATE"

say "3. settings in $ETC"
install -d -m 0750 -o root -g "$APP_USER" "$ETC"
if [ ! -f "$ETC/mentoring.env" ]; then
  # Secrets made here, on the host; the template in git holds none.
  sed -e "s|^MENTORING_SECRET_KEY=.*|MENTORING_SECRET_KEY=$(openssl rand -base64 48 | tr -d '\n')|" \
      -e "s|^MENTORING_KEY_PASSPHRASE=.*|MENTORING_KEY_PASSPHRASE=$(openssl rand -base64 32 | tr -d '\n')|" \
      -e "s|^MENTORING_METRICS_TOKEN=.*|MENTORING_METRICS_TOKEN=$(openssl rand -hex 32)|" \
      -e "s|^MENTORING_PUBLIC_BASE_URL=.*|MENTORING_PUBLIC_BASE_URL=https://${DOMAIN:?set DOMAIN=your.public.name for the first install}|" \
      "$APP_DIR/deploy/mentoring.env.example" > "$ETC/mentoring.env.new"
  chmod 0640 "$ETC/mentoring.env.new"; chown root:"$APP_USER" "$ETC/mentoring.env.new"
  mv "$ETC/mentoring.env.new" "$ETC/mentoring.env"
  echo "wrote $ETC/mentoring.env (keep a copy of MENTORING_KEY_PASSPHRASE somewhere safe)"
fi
if [ ! -f "$ETC/caddy.env" ]; then
  : "${DOMAIN:?set DOMAIN=your.public.name for the first install}" "${EMAIL:?set EMAIL=you@example.org for the first install}"
  sed -e "s|^MENTORING_DOMAIN=.*|MENTORING_DOMAIN=$DOMAIN|" -e "s|^MENTORING_ACME_EMAIL=.*|MENTORING_ACME_EMAIL=$EMAIL|" \
      -e "s|^MENTORING_PWA_DIST=.*|MENTORING_PWA_DIST=$APP_DIR/pwa/dist|" \
      "$APP_DIR/deploy/caddy.env.example" > "$ETC/caddy.env"
  chmod 0644 "$ETC/caddy.env"
  echo "wrote $ETC/caddy.env for $DOMAIN"
fi

say "4. PostgreSQL database"
systemctl enable --now postgresql redis-server
if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$APP_USER'" | grep -q 1; then
  runuser -u postgres -- createuser "$APP_USER"
fi
if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'mentoring'" | grep -q 1; then
  runuser -u postgres -- createdb -O "$APP_USER" mentoring
fi

say "5. the app and the PWA"
[ -x "$APP_DIR/.venv/bin/python" ] || python3 -m venv "$APP_DIR/.venv"
"$APP_DIR/.venv/bin/pip" install -q --upgrade pip
# Editable: the app finds pwa/dist and its migrations beside its sources.
"$APP_DIR/.venv/bin/pip" install -q -e "$APP_DIR"
(cd "$APP_DIR/pwa" && npm ci --no-audit --no-fund --silent && node build.mjs)
chmod -R a+rX "$APP_DIR/pwa/dist"  # Caddy (user caddy) serves it from disk

say "6. keys and schema"
# As the services run it: the mentoring user, with its settings (deploy/mentoring.sh).
"$APP_DIR/deploy/mentoring.sh" keys init
"$APP_DIR/deploy/mentoring.sh" db upgrade

say "7. services"
for unit in systemd/mentoring.service systemd/mentoring-worker.service systemd/mentoring-jobs-sweep.service \
            systemd/mentoring-jobs-sweep.timer backup/mentoring-backup.service backup/mentoring-backup.timer; do
  sed "s|/srv/mentoring|$APP_DIR|g" "$APP_DIR/deploy/$unit" > "/etc/systemd/system/$(basename "$unit")"
done
install -d /etc/systemd/system/caddy.service.d
install -m 0644 "$APP_DIR/deploy/systemd/caddy.service.d/mentoring.conf" /etc/systemd/system/caddy.service.d/
install -m 0644 "$APP_DIR/deploy/caddy/Caddyfile" "$APP_DIR/deploy/caddy/site.caddy" /etc/caddy/
systemctl daemon-reload
# Load the env as systemd would, so a mistake in the Caddyfile stops us here, not at restart.
(set -a; . "$ETC/caddy.env"; set +a; caddy validate --adapter caddyfile --config /etc/caddy/Caddyfile >/dev/null)
systemctl enable mentoring.service mentoring-worker.service caddy.service
systemctl enable --now mentoring-jobs-sweep.timer
# The nightly pg_dump (deploy/backup/README.md); the first runs tonight, or at boot if
# the host was off at 03:15. `systemctl start mentoring-backup.service` runs one now.
systemctl enable --now mentoring-backup.timer
# restart, not reload: new code and new settings both take effect; gunicorn lets requests finish.
systemctl restart mentoring.service mentoring-worker.service caddy.service

say "done"
echo "https://$(grep '^MENTORING_DOMAIN=' "$ETC/caddy.env" | cut -d= -f2)/  (logs: journalctl -u mentoring -u mentoring-worker -u caddy)"
echo "first operator: deploy/mentoring.sh create-admin EMAIL"
echo "backups: /var/backups/mentoring, nightly ($(systemctl show -P NextElapseUSecRealtime mentoring-backup.timer 2>/dev/null || echo 'see systemctl list-timers'))"
