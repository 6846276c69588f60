#!/usr/bin/env bash
# The one command that runs koji-farm's tests on a fresh Debian machine (`npm test`):
# prepares the host and the npm packages (scripts/prepare.sh, shared with `npm run demo`;
# each step is skipped when already done), lints, builds the apps, then runs the unit,
# integration and end-to-end tiers against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
say() { printf '\n== %s\n' "$*"; }
elapsed() { echo $(( $(date +%s) - $1 )); }

bash scripts/prepare.sh
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
