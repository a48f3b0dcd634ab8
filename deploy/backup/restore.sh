#!/usr/bin/env bash
# Restore a backup made by backup.sh into a fresh, empty PostgreSQL database
# (README.md beside this file):
#
#   deploy/backup/restore.sh DUMP DATABASE_URL [INSTANCE_DIR]
#
# DUMP          a mentoring-<stamp>.dump; its .sha256 beside it is checked first
# DATABASE_URL  the target (postgresql+psycopg://... or postgresql://...): it must exist
#               and hold no tables; create it first (createdb -O mentoring mentoring)
# INSTANCE_DIR  optional: the backup's issuer_keys.json is installed there, unless a
#               different key file is already in place (then it stops: never overwrite keys)
#
# The restore is one transaction: it lands whole or not at all.
set -euo pipefail
umask 077

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 DUMP DATABASE_URL [INSTANCE_DIR]" >&2
  exit 2
fi
DUMP="$1"
DATABASE="$(printf '%s' "$2" | sed -E 's#^postgresql\+[a-z0-9_]+://#postgresql://#')"
INSTANCE_DIR="${3:-}"
STEM="${DUMP%.dump}"

[ -f "$DUMP" ] || { echo "restore.sh: no dump at $DUMP" >&2; exit 2; }
if [ -f "$STEM.sha256" ]; then
  ( cd "$(dirname "$DUMP")" && sha256sum --quiet --check "$(basename "$STEM").sha256" )
else
  echo "restore.sh: warning: no checksum beside the dump; restoring unchecked" >&2
fi

TABLES="$(psql --no-psqlrc --tuples-only --no-align --dbname="$DATABASE" \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$TABLES" != "0" ]; then
  echo "restore.sh: the target database has $TABLES tables: restore only into an empty one" >&2
  exit 3
fi

pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --dbname="$DATABASE" "$DUMP"

if [ -n "$INSTANCE_DIR" ]; then
  if [ ! -f "$STEM.issuer_keys.json" ]; then
    echo "restore.sh: this backup holds no issuer key file; install the keys by hand" >&2
    exit 4
  fi
  mkdir -p "$INSTANCE_DIR"
  TARGET="$INSTANCE_DIR/issuer_keys.json"
  if [ -f "$TARGET" ] && ! cmp -s "$TARGET" "$STEM.issuer_keys.json"; then
    echo "restore.sh: $TARGET exists and differs from the backup's: left alone" >&2
    exit 5
  fi
  cp "$STEM.issuer_keys.json" "$TARGET"
fi
echo "restored $DUMP"
