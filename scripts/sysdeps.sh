#!/usr/bin/env bash
# Checks for the system packages the project needs. As root on Debian it installs
# the missing ones; elsewhere it prints the command to run and fails.
set -euo pipefail

# Debian package and how to tell it is present: lib:<soname> or cmd:<executable>.
# Add a package by adding one entry, e.g. "chromium cmd:chromium" "ffmpeg cmd:ffmpeg".
REQUIRED=(
  "libzbar0 lib:libzbar.so.0"   # pyzbar
  "chromium cmd:chromium"       # browser tests (Playwright drives Debian's build)
  "ffmpeg cmd:ffmpeg"           # the fake camera's .y4m video in the browser journey
  "poppler-utils cmd:pdftotext" # tests read the text of statements and receipts
  "caddy cmd:caddy"             # the production stack's web server (deploy/; `make stack`, tests/deploy)
)

PATH="$PATH:/usr/sbin:/sbin"  # ldconfig lives in sbin, often not on a user's PATH

present() {
  case "$1" in
    lib:*) ldconfig -p | grep -F "${1#lib:} " >/dev/null ;;  # not -q: SIGPIPE + pipefail
    cmd:*) command -v "${1#cmd:}" >/dev/null ;;
    *) echo "sysdeps: unknown check '$1'" >&2; return 2 ;;
  esac
}

missing_packages() {
  local entry
  for entry in "${REQUIRED[@]}"; do
    read -r package check <<<"$entry"
    present "$check" || echo "$package"
  done
}

mapfile -t missing < <(missing_packages)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ -f /etc/debian_version ] && [ "$(id -u)" -eq 0 ]; then
  echo "sysdeps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
  mapfile -t missing < <(missing_packages)
  [ ${#missing[@]} -eq 0 ] && exit 0
fi

echo "sysdeps: missing system packages; run: sudo apt-get install ${missing[*]}" >&2
exit 1
