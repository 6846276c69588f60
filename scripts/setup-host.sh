#!/usr/bin/env bash
# Prepares a Debian host for koji-farm: Podman (runc), its API socket, the local
# buildroot image, host tools for test fixtures, and RabbitMQ/Redis.
# Idempotent: every step checks first and is skipped when already done.
# Must run as root (Podman's API socket and debootstrap need it).
set -euo pipefail

PODMAN_SOCKET="${PODMAN_SOCKET:-/run/podman/podman.sock}"
BUILDROOT_IMAGE="${BUILDROOT_IMAGE:-localhost/koji-farm-buildroot:bookworm}"
LOG_DIR="${KOJI_FARM_LOG_DIR:-/var/log/koji-farm}"
# Packages baked into the buildroot image: rpm (with rpmbuild), dnf, createrepo-c and a
# compiler toolchain; the rest are what rpmbuild's default scripts call.
BUILDROOT_PACKAGES="rpm,dnf,createrepo-c,gcc,libc6-dev,make,cpio,patch,diffutils,file,xz-utils,bzip2,findutils,gawk,sed,grep,tar,gzip,procps"
# catatonit is the init Podman runs for `Init: true` containers (a recommend, skipped by --no-install-recommends).
HOST_PACKAGES=(podman runc catatonit debootstrap rpm createrepo-c curl chromium)

step() { printf '[setup-host] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-host.sh must run as root (Podman's API socket and debootstrap need it)" >&2
  exit 1
fi
mkdir -p "$LOG_DIR"
# The daemons started below inherit our working directory. Started from a clone that is
# deleted later, Podman's service hands conmon a directory that is gone, and every
# container start fails ("write child: broken pipe"); so run from /.
cd /

# --- packages ---------------------------------------------------------------
missing=()
for p in "${HOST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Naming runc keeps crun out: crun fails on this kernel's hybrid cgroups.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  step "packages present"
fi

# --- containers.conf --------------------------------------------------------
CONF=/etc/containers/containers.conf
read -r -d '' WANT_CONF <<'CONF_EOF' || true
# Written by koji-farm scripts/setup-host.sh (see podman-setup.md).
[containers]
# Without explicit ulimits Podman asks for nofile=1048576, above this host's hard limit.
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
# conmon lingers this long after every API exec (default 300 s piles them up).
exit_command_delay = 5
CONF_EOF
conf_changed=0
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$WANT_CONF" ]; then
  step "writing $CONF"
  mkdir -p /etc/containers
  printf '%s\n' "$WANT_CONF" > "$CONF"
  conf_changed=1
else
  step "$CONF up to date"
fi

# --- Podman API service -----------------------------------------------------
podman_ping() { curl -sf --max-time 2 --unix-socket "$PODMAN_SOCKET" http://d/_ping >/dev/null 2>&1; }
podman_service_pids() { pgrep -f "podman system service.*$PODMAN_SOCKET" || true; }
stop_podman_service() {
  pkill -f "podman system service.*$PODMAN_SOCKET" || true
  for _ in $(seq 50); do podman_ping || break; sleep 0.1; done
}
start_podman_service() {
  step "starting Podman API service on $PODMAN_SOCKET"
  mkdir -p "$(dirname "$PODMAN_SOCKET")"
  rm -f "$PODMAN_SOCKET" # a socket left by a killed service refuses connections
  setsid nohup podman system service --time=0 "unix://$PODMAN_SOCKET" \
    >>"$LOG_DIR/podman-service.log" 2>&1 < /dev/null &
  for _ in $(seq 100); do podman_ping && break; sleep 0.1; done
  podman_ping || { echo "Podman API did not answer on $PODMAN_SOCKET; see $LOG_DIR/podman-service.log" >&2; exit 1; }
}
if [ "$conf_changed" = 1 ] && podman_ping; then
  step "restarting Podman API service to read the new containers.conf"
  stop_podman_service
fi
for pid in $(podman_service_pids); do
  # Answers pings, but cannot start a container (see `cd /` above).
  if readlink "/proc/$pid/cwd" | grep -q ' (deleted)$'; then
    step "restarting Podman API service: its working directory was deleted"
    stop_podman_service
    break
  fi
done
if ! podman_ping; then
  start_podman_service
else
  step "Podman API answers on $PODMAN_SOCKET"
fi

# --- buildroot image --------------------------------------------------------
# The image carries a hash of its recipe (this section's package list), so a changed
# recipe rebuilds it and an unchanged one is skipped.
recipe_sha=$(printf '%s' "bookworm minbase $BUILDROOT_PACKAGES" | sha256sum | cut -c1-16)
have_sha=$(podman image inspect --format '{{ index .Config.Labels "io.koji-farm.buildroot-recipe" }}' "$BUILDROOT_IMAGE" 2>/dev/null || true)
if [ "$have_sha" = "$recipe_sha" ]; then
  step "image $BUILDROOT_IMAGE present (recipe $recipe_sha)"
else
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d /var/tmp/koji-farm-buildroot.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  step "debootstrap bookworm into $root from $mirror (about a minute)"
  debootstrap --variant=minbase --include="$BUILDROOT_PACKAGES" bookworm "$root" "$mirror" \
    >"$LOG_DIR/debootstrap.log" 2>&1 || { tail -20 "$LOG_DIR/debootstrap.log" >&2; exit 1; }
  # Debian has no yum.repos.d; dnf reads repo files from there.
  mkdir -p "$root/etc/yum.repos.d" "$root/builddir"
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  step "importing as $BUILDROOT_IMAGE"
  tar -C "$root" -c . | podman import --quiet --change 'CMD ["/bin/bash"]' \
    --change "LABEL io.koji-farm.buildroot-recipe=$recipe_sha" - "$BUILDROOT_IMAGE" >/dev/null
  rm -rf "$root"
  trap - EXIT
fi

# --- SCM image ---------------------------------------------------------------
# buildSRPMFromSCM checks sources out with git inside its buildroot: the buildroot image
# plus the SCM tools, as a layer of its own under its own tag (the buildroot image's
# recipe and tag stay as they are). Rebuilt when either recipe changes.
SCM_IMAGE="${SCM_IMAGE:-localhost/koji-farm-buildroot:bookworm-scm}"
SCM_PACKAGES="git ca-certificates"
scm_sha=$(printf '%s' "$recipe_sha $SCM_PACKAGES" | sha256sum | cut -c1-16)
have_scm_sha=$(podman image inspect --format '{{ index .Config.Labels "io.koji-farm.scm-recipe" }}' "$SCM_IMAGE" 2>/dev/null || true)
if [ "$have_scm_sha" = "$scm_sha" ]; then
  step "image $SCM_IMAGE present (recipe $scm_sha)"
else
  step "building $SCM_IMAGE: $BUILDROOT_IMAGE with $SCM_PACKAGES (about a minute)"
  printf 'FROM %s\nRUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends %s && apt-get clean && rm -rf /var/lib/apt/lists/*\nLABEL io.koji-farm.scm-recipe=%s\n' \
    "$BUILDROOT_IMAGE" "$SCM_PACKAGES" "$scm_sha" |
    podman build --quiet --network host -t "$SCM_IMAGE" -f - "$LOG_DIR" >"$LOG_DIR/scm-image.log" 2>&1 ||
    { tail -20 "$LOG_DIR/scm-image.log" >&2; exit 1; }
fi

# --- Podman API smoke test --------------------------------------------------
# A service can answer pings and still fail every start; one container through the API
# tells (about half a second), and a failing service is restarted once.
api_runs_a_container() {
  podman --remote --url "unix://$PODMAN_SOCKET" run --rm --init --network none "$BUILDROOT_IMAGE" true \
    >>"$LOG_DIR/podman-smoke.log" 2>&1
}
if api_runs_a_container; then
  step "Podman API runs containers"
else
  step "Podman API cannot start a container; restarting it (see $LOG_DIR/podman-smoke.log)"
  stop_podman_service
  start_podman_service
  api_runs_a_container || { echo "Podman API still cannot start a container; see $LOG_DIR/podman-smoke.log" >&2; exit 1; }
fi

# --- RabbitMQ and Redis -----------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 300); do port_open "$1" && return 0; sleep 0.2; done; return 1; }

if port_open 6379; then
  step "Redis answers on 6379"
else
  command -v redis-server >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
  step "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379 || { echo "Redis did not start" >&2; exit 1; }
fi

if port_open 5672; then
  step "RabbitMQ answers on 5672"
else
  command -v rabbitmq-server >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null; }
  step "starting RabbitMQ"
  rabbitmq-server -detached
  wait_port 5672 || { echo "RabbitMQ did not start within 60 s" >&2; exit 1; }
fi
# Quorum and stream queues need their feature flags on (they are on a fresh 3.10 node).
rabbitmqctl enable_feature_flag all >/dev/null 2>&1 || true

step "done"
