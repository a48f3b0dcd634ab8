#!/usr/bin/env bash
# The `mentoring` command on a production host, as the services run it: the mentoring
# user, with /etc/mentoring/mentoring.env. As root, e.g.
#   deploy/mentoring.sh create-admin ops@example.org
#   deploy/mentoring.sh settlement --help
set -euo pipefail
APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec runuser -u mentoring -- bash -c 'set -a; . /etc/mentoring/mentoring.env; set +a; exec "$@"' _ \
  "$APP_DIR/.venv/bin/mentoring" "$@"
