#!/usr/bin/env bash
# Starts a throwaway Casefile for the browser tests: a fresh SQLite data directory and a known
# administrator (e2e-admin, password from E2E_ADMIN_PASSWORD). Playwright stops it afterwards.
set -euo pipefail
port="$1"
bin="${CASEFILE_BIN:-../target/debug/casefile}"
data="$(mktemp -d)"
printf '%s' "${E2E_ADMIN_PASSWORD:-e2e admin passphrase}" |
  "$bin" user add --data-dir "$data" --username e2e-admin --display-name "E2E Admin" --role admin --password-stdin
# The tiers spec moves this clock forward (the binary is built with the test-clock feature).
# The tiers spec adds a webhook to a closed loopback port: allowed here by the operator.
CASEFILE_TEST_CLOCK=1 exec "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" \
  --allow-private-webhook-host 127.0.0.1
