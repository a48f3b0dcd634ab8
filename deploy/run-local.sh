#!/usr/bin/env bash
# The production stack on this machine: gunicorn (deploy/gunicorn.conf.py) behind Caddy
# (deploy/caddy/Caddyfile.local: HTTPS from Caddy's local CA, `tls internal`).
#
#   deploy/run-local.sh            # or `make stack`; Ctrl-C stops both
#
# Environment (all optional):
#   MENTORING_HTTPS_PORT   Caddy's port (8443); MENTORING_HTTP_PORT its unused http port (8080)
#   MENTORING_APP_PORT     gunicorn's port on 127.0.0.1 (8000)
#   MENTORING_WORKERS      gunicorn processes (2 here: the machine is shared)
#   MENTORING_GRACEFUL_TIMEOUT  seconds gunicorn lets requests finish when stopped (5 here)
#   MENTORING_CADDY_DATA   where Caddy keeps its local CA and certificates
#                          (<instance>/caddy; the root is pki/authorities/local/root.crt)
#   MENTORING_PWA_DIST     the built PWA (pwa/dist; `make pwa` builds it)
#   and the app's own MENTORING_* settings (database, instance path, ...).
# Prints "stack: ready https://127.0.0.1:PORT" once both answer; the smoke test and
# bench/first_load.py wait for that line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${MENTORING_BIN:-$ROOT/.venv/bin}"
INSTANCE="${MENTORING_INSTANCE_PATH:-$ROOT/instance}"

export MENTORING_HTTPS_PORT="${MENTORING_HTTPS_PORT:-8443}"
export MENTORING_HTTP_PORT="${MENTORING_HTTP_PORT:-8080}"
APP_PORT="${MENTORING_APP_PORT:-8000}"
export MENTORING_BIND="127.0.0.1:$APP_PORT"
export MENTORING_APP_UPSTREAM="127.0.0.1:$APP_PORT"
export MENTORING_WORKERS="${MENTORING_WORKERS:-2}"
# Stopping is quick here (tests start and stop stacks); production waits 30 s for requests.
export MENTORING_GRACEFUL_TIMEOUT="${MENTORING_GRACEFUL_TIMEOUT:-5}"
export MENTORING_PWA_DIST="${MENTORING_PWA_DIST:-$ROOT/pwa/dist}"
# Caddy is the one proxy in front: believe its X-Forwarded-For/-Proto, nobody else's.
export MENTORING_TRUSTED_PROXY_HOPS="${MENTORING_TRUSTED_PROXY_HOPS:-1}"
# Caddy's storage follows XDG_DATA_HOME: keep this stack's CA out of the user's home.
export XDG_DATA_HOME="${MENTORING_CADDY_DATA:-$INSTANCE/caddy}"
export XDG_CONFIG_HOME="$XDG_DATA_HOME/config"
mkdir -p "$XDG_DATA_HOME"
# Every worker's metrics in one scrape, as in production; a previous run's files wiped.
export PROMETHEUS_MULTIPROC_DIR="$INSTANCE/prometheus"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

if [ ! -f "$MENTORING_PWA_DIST/index.html" ]; then
  echo "stack: $MENTORING_PWA_DIST is not built: run \`make pwa\`" >&2
  exit 1
fi

pids=()
stop() {
  trap - EXIT INT TERM
  # Gunicorn's SIGTERM is its graceful stop; Caddy's too.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT
trap 'exit 0' INT TERM

cd "$ROOT"
"$BIN/gunicorn" -c deploy/gunicorn.conf.py 'server:create_app()' &
pids+=($!)
caddy run --adapter caddyfile --config deploy/caddy/Caddyfile.local &
pids+=($!)

URL="https://127.0.0.1:$MENTORING_HTTPS_PORT"
# Ready when the app answers through Caddy (the CA is new: no certificate check here).
until curl -sfk -o /dev/null "$URL/api/v1/health"; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "stack: a process exited before the stack was ready" >&2; exit 1; }
  done
  sleep 0.2
done
echo "stack: ready $URL (app on $MENTORING_BIND; Caddy's root: $XDG_DATA_HOME/caddy/pki/authorities/local/root.crt)"
# Until either process exits, or a signal: then both stop.
wait -n "${pids[@]}"
