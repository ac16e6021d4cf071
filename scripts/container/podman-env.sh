# Sourced by the other scripts in scripts/container/ (bash): names, the cache folder, and a
# containers.conf that makes podman work on machines like the CI ones without changing the
# machine's own configuration (CONTAINERS_CONF points at a file in the cache; podman then reads
# that file instead of /etc/containers/containers.conf).
#
#   KLARNA_LOCAL_IMAGE          the image built and tested   (default localhost/klarna-local:latest)
#   KLARNA_LOCAL_BASE_IMAGE     the base it is built FROM     (default localhost/klarna-local-base:bookworm)
#   KLARNA_LOCAL_CONTAINER_CACHE  Node package, staged app, base rootfs work dir
#                               (default ${XDG_CACHE_HOME:-~/.cache}/klarna-local/container)
#   CONTAINERS_CONF             when set to another file, that file is used as it is

KLARNA_LOCAL_IMAGE="${KLARNA_LOCAL_IMAGE:-localhost/klarna-local:latest}"
KLARNA_LOCAL_BASE_IMAGE="${KLARNA_LOCAL_BASE_IMAGE:-localhost/klarna-local-base:bookworm}"
KLARNA_LOCAL_CONTAINER_CACHE="${KLARNA_LOCAL_CONTAINER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klarna-local/container}"
export KLARNA_LOCAL_IMAGE KLARNA_LOCAL_BASE_IMAGE KLARNA_LOCAL_CONTAINER_CACHE
mkdir -p "$KLARNA_LOCAL_CONTAINER_CACHE"

# Root runs apt and podman itself; anyone else through sudo (rootless podman is not set up here).
KLARNA_LOCAL_SUDO=""
if [ "$(id -u)" -ne 0 ]; then KLARNA_LOCAL_SUDO="sudo"; fi

# Podman run as root gives a container nofile and nproc limits of 1048576, which needs
# CAP_SYS_RESOURCE when above podman's own hard limits; where root lacks it (these CI machines) no
# container starts. Limits at or below podman's own need no capability: the caller's hard nofile,
# and nproc at most 32768 (podman 4.3 lowers its own nproc limit to that, measured here). They go
# into default_ulimits for podman run (a --ulimit flag replaces the whole list: give both) and
# into KLARNA_LOCAL_BUILD_ULIMITS for podman build (its RUN steps do not read default_ulimits).
_nofile="$(ulimit -Hn)"
_nproc="$(ulimit -Hu)"
if [ "$_nproc" = "unlimited" ] || [ "$_nproc" -gt 32768 ]; then _nproc=32768; fi
_ulimits=""
KLARNA_LOCAL_BUILD_ULIMITS=()
if [ "$_nofile" != "unlimited" ]; then
  _ulimits="\"nofile=$_nofile:$_nofile\""
  KLARNA_LOCAL_BUILD_ULIMITS+=(--ulimit "nofile=$_nofile:$_nofile")
fi
if [ "$_nproc" != "unlimited" ]; then
  _ulimits="${_ulimits:+$_ulimits, }\"nproc=$_nproc:$_nproc\""
  KLARNA_LOCAL_BUILD_ULIMITS+=(--ulimit "nproc=$_nproc:$_nproc")
fi

_conf="$KLARNA_LOCAL_CONTAINER_CACHE/containers.conf"
if [ -z "${CONTAINERS_CONF:-}" ] || [ "$CONTAINERS_CONF" = "$_conf" ]; then
  {
    echo "# Written by scripts/container/podman-env.sh for klarna-local's container scripts."
    echo "[containers]"
    echo "default_ulimits = [$_ulimits]"
    echo "[engine]"
    # crun (Debian's default) cannot place containers in a hybrid cgroup v1/v2 layout; runc can.
    if [ ! -f /sys/fs/cgroup/cgroup.controllers ] && command -v runc >/dev/null; then
      echo 'runtime = "runc"'
    fi
    # Without systemd as init there is no systemd cgroup manager and no journald.
    if [ ! -d /run/systemd/system ]; then
      echo 'cgroup_manager = "cgroupfs"'
      echo 'events_logger = "file"'
    fi
  } >"$_conf"
  export CONTAINERS_CONF="$_conf"
fi
unset _conf _ulimits _nofile _nproc

podman() { $KLARNA_LOCAL_SUDO env CONTAINERS_CONF="$CONTAINERS_CONF" podman "$@"; }
