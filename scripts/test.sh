#!/usr/bin/env bash
# The one command that runs koji-farm's tests on a fresh Debian machine (`npm test`):
# prepares the host (Podman, buildroot image, RabbitMQ, Redis), installs npm packages
# when missing or stale, lints, builds the apps, then runs the unit, integration and end-to-end
# tiers against the real services. Each set-up step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
say() { printf '\n== %s\n' "$*"; }
elapsed() { echo $(( $(date +%s) - $1 )); }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "koji-farm needs Node.js 20 or newer with npm (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

say "host set-up (scripts/setup-host.sh)"
if [ "$(id -u)" -eq 0 ]; then
  bash scripts/setup-host.sh
elif command -v sudo >/dev/null; then
  sudo --preserve-env=PODMAN_SOCKET bash scripts/setup-host.sh
else
  echo "scripts/setup-host.sh needs root (Podman's API socket); run the tests as root or install sudo." >&2
  exit 1
fi

say "npm packages"
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.koji-farm-lock-sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  echo "node_modules matches package-lock.json"
else
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi
setup_seconds=$(elapsed "$started")

checks_started=$(date +%s)
say "lint (eslint, prettier, tsc)"
npm run lint --silent

say "build"
npm run build --silent
checks_seconds=$(elapsed "$checks_started")

tests_started=$(date +%s)
status=0
for tier in unit integration e2e; do
  say "tests: $tier"
  npx jest --selectProjects "$tier" --ci "$@" || status=$?
  [ "$status" -eq 0 ] || break
done

say "timing"
echo "set-up: ${setup_seconds}s, lint and build: ${checks_seconds}s, tests: $(elapsed "$tests_started")s, total: $(elapsed "$started")s"
exit "$status"
