#!/usr/bin/env bash
# Prepares this machine and checkout for koji-farm, skipping every step already done:
# checks Node.js, prepares the host (scripts/setup-host.sh: Podman, the buildroot image,
# RabbitMQ, Redis; as root, or through sudo), installs npm packages when node_modules
# does not match package-lock.json, and with --build-if-stale builds the apps when
# dist/ is missing or older than a source file. Shared by `npm test` (scripts/test.sh)
# and `npm run demo` (scripts/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

build_if_stale=0
for arg in "$@"; do
  case "$arg" in
    --build-if-stale) build_if_stale=1 ;;
    *) echo "usage: $0 [--build-if-stale]" >&2; exit 2 ;;
  esac
done

say() { printf '\n== %s\n' "$*"; }

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
  echo "scripts/setup-host.sh needs root (Podman's API socket); run as root or install sudo." >&2
  exit 1
fi

say "test distribution (test/fixtures: fixture RPMs and the kf-rootfs buildroot, cached)"
bash test/fixtures/build-fixtures.sh >/dev/null
bash test/fixtures/build-distribution.sh >/dev/null

say "npm packages"
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.koji-farm-lock-sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  echo "node_modules matches package-lock.json"
else
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi

if [ "$build_if_stale" = 1 ]; then
  say "build"
  # Stamped after each build here: webpack leaves a bundle untouched when its output did
  # not change, so the bundles' own times cannot tell.
  stamp=dist/.koji-farm-built
  stale=0
  for bundle in dist/apps/hub-poller/main.js dist/apps/executor/main.js dist/apps/monitor/main.js "$stamp"; do
    [ -f "$bundle" ] || stale=1
  done
  if [ "$stale" = 0 ] && [ -n "$(find apps libs package-lock.json nest-cli.json tsconfig.json tsconfig.build.json \
      -type f -newer "$stamp" -not -name '*.spec.ts' -print -quit)" ]; then
    stale=1
  fi
  if [ "$stale" = 1 ]; then
    mkdir -p dist
    touch "$stamp.new" # a source changed while building counts as newer
    npm run build --silent
    mv "$stamp.new" "$stamp"
  else
    echo "dist/ was built after the last change of a source file"
  fi
fi
