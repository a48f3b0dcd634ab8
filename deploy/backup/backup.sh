#!/usr/bin/env bash
# Nightly backup of Mentoring (README.md beside this file): a pg_dump of the database in
# custom format, the encrypted issuer key file beside it, a checksum, then rotation.
#
#   MENTORING_DATABASE_URL   the app's URL (postgresql+psycopg://... or postgresql://...); required
#   MENTORING_INSTANCE_PATH  where issuer_keys.json lives (optional: without it, no key copy)
#   BACKUP_DIR               where backups go (default /var/backups/mentoring)
#   BACKUP_KEEP_DAILY        newest dumps kept (default 14)
#   BACKUP_KEEP_MONTHLY      besides those, the first dump of each of this many months (default 12)
#
# Prints the path of the new dump. Exits non-zero, leaving the older backups alone, if
# anything fails: a half-written dump never replaces a whole one.
set -euo pipefail
umask 077  # dumps hold personal data and the key file: owner only

: "${MENTORING_DATABASE_URL:?MENTORING_DATABASE_URL must name the database}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/mentoring}"
KEEP_DAILY="${BACKUP_KEEP_DAILY:-14}"
KEEP_MONTHLY="${BACKUP_KEEP_MONTHLY:-12}"

# libpq does not know SQLAlchemy's driver suffix.
libpq_url() { printf '%s' "$1" | sed -E 's#^postgresql\+[a-z0-9_]+://#postgresql://#'; }
DATABASE="$(libpq_url "$MENTORING_DATABASE_URL")"
case "$DATABASE" in
  postgresql://*|postgres://*) ;;
  *) echo "backup.sh: only PostgreSQL is backed up this way (got a non-PostgreSQL URL)" >&2; exit 2 ;;
esac

mkdir -p "$BACKUP_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
BASE="$BACKUP_DIR/mentoring-$STAMP"
trap 'rm -f "$BASE.dump.partial"' EXIT

# Custom format: compressed, and pg_restore can pick tables or run in parallel. One
# consistent snapshot (pg_dump's own transaction), taken while the app keeps running.
pg_dump --format=custom --compress=6 --no-owner --no-privileges \
  --file="$BASE.dump.partial" --dbname="$DATABASE"
# A dump pg_restore cannot list is no backup: check before it counts as one.
pg_restore --list "$BASE.dump.partial" >/dev/null
mv "$BASE.dump.partial" "$BASE.dump"

# The issuer keys are not in the database: without them no credential already on a
# phone verifies against a restored server. The file is encrypted with
# MENTORING_KEY_PASSPHRASE, which is never copied here.
if [ -n "${MENTORING_INSTANCE_PATH:-}" ] && [ -f "$MENTORING_INSTANCE_PATH/issuer_keys.json" ]; then
  cp "$MENTORING_INSTANCE_PATH/issuer_keys.json" "$BASE.issuer_keys.json"
fi

( cd "$BACKUP_DIR" && sha256sum "$(basename "$BASE").dump" $( [ -f "$BASE.issuer_keys.json" ] && basename "$BASE.issuer_keys.json" ) > "$(basename "$BASE").sha256" )

# Rotation: the newest KEEP_DAILY dumps, plus the first dump of each of the newest
# KEEP_MONTHLY months; the rest go, with their key copy and checksum.
mapfile -t DUMPS < <(cd "$BACKUP_DIR" && ls -1 mentoring-*.dump 2>/dev/null | sort -r)
declare -A KEEP=()
for ((i = 0; i < ${#DUMPS[@]} && i < KEEP_DAILY; i++)); do KEEP["${DUMPS[$i]}"]=1; done
declare -A MONTH_FIRST=()
for dump in "${DUMPS[@]}"; do  # newest first: the last one seen in a month is its first
  MONTH_FIRST["${dump:10:6}"]="$dump"
done
mapfile -t MONTHS < <(printf '%s\n' "${!MONTH_FIRST[@]}" | sort -r | head -n "$KEEP_MONTHLY")
for month in "${MONTHS[@]}"; do [ -n "$month" ] && KEEP["${MONTH_FIRST[$month]}"]=1; done
for dump in "${DUMPS[@]}"; do
  if [ -z "${KEEP[$dump]:-}" ]; then
    stem="${dump%.dump}"
    rm -f "$BACKUP_DIR/$stem.dump" "$BACKUP_DIR/$stem.issuer_keys.json" "$BACKUP_DIR/$stem.sha256"
  fi
done

echo "$BASE.dump"
