#!/usr/bin/env bash
# `npm run demo`: prepares what the farm needs (scripts/prepare.sh: host set-up, npm
# packages, the build when stale), then runs tools/demo/main.ts, which starts the hub
# simulator, a hub-poller, executors and the monitor as separate processes, builds the
# sample package and shows the progress. Arguments go to the demo (`-- --once`, `--help`).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
bash scripts/prepare.sh --build-if-stale
printf '\n== set-up took %ss\n\n' $(( $(date +%s) - started ))

exec node -r @swc-node/register -r tsconfig-paths/register tools/demo/main.ts "$@"
