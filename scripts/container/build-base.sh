#!/usr/bin/env bash
# The base image, made here rather than pulled (no container registry needs to be reachable):
# a Debian root filesystem from debootstrap --variant=minbase (essential packages and apt), brought
# up to date with the security suite, trimmed of apt's lists and caches and of manuals, and
# imported with `podman import`. Skipped when the image exists; REBUILD_BASE=1 makes it again.
#
#   DEBIAN_SUITE     default bookworm: the release the host builds the native module on
#   DEBIAN_MIRROR    default: the mirror this machine's apt uses for that suite
#                    (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list), else deb.debian.org
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=podman-env.sh
. scripts/container/podman-env.sh

SUITE="${DEBIAN_SUITE:-bookworm}"
host_release="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
if [ -n "$host_release" ] && [ "$host_release" != "$SUITE" ]; then
  echo "build-base: warning: this host is $host_release, the base $SUITE; the native module built here may need" \
    "a newer glibc than $SUITE has (DEBIAN_SUITE=$host_release makes a base of the host's release)" >&2
fi
if podman image exists "$KLARNA_LOCAL_BASE_IMAGE" && [ -z "${REBUILD_BASE:-}" ]; then
  echo "== base image $KLARNA_LOCAL_BASE_IMAGE exists (REBUILD_BASE=1 to make it again)"
  exit 0
fi

# The first URI apt uses for `suite`, deb822 (.sources) or one-line (.list) format.
apt_mirror() {
  local suite="$1" uri=""
  shopt -s nullglob
  local sources=(/etc/apt/sources.list.d/*.sources) lists=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
  if [ "${#sources[@]}" -gt 0 ]; then
    uri="$(awk -v suite="$suite" 'BEGIN { RS = "" }
      {
        uris = ""; suites = ""; enabled = 1; n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          if (lines[i] ~ /^URIs:/) { uris = lines[i]; sub(/^URIs:[ \t]*/, "", uris) }
          if (lines[i] ~ /^Suites:/) { suites = " " lines[i] " " }
          if (lines[i] ~ /^Enabled:[ \t]*no/) enabled = 0
        }
        if (enabled && uris != "" && index(suites, " " suite " ") > 0) { split(uris, u, " "); print u[1]; exit }
      }' "${sources[@]}")"
  fi
  if [ -z "$uri" ] && [ "${#lists[@]}" -gt 0 ]; then
    uri="$(awk -v suite="$suite" '$1 == "deb" { line = $0; gsub(/\[[^]]*\]/, "", line); split(line, f, /[ \t]+/); if (f[3] == suite) { print f[2]; exit } }' "${lists[@]}" 2>/dev/null || true)"
  fi
  echo "$uri"
}

MIRROR="${DEBIAN_MIRROR:-$(apt_mirror "$SUITE")}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-$(apt_mirror "$SUITE-security")}"
SECURITY_MIRROR="${SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
case "$(uname -m)" in
  x86_64) ARCH=amd64 ;;
  aarch64) ARCH=arm64 ;;
  *) echo "build-base: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

ROOTFS="$KLARNA_LOCAL_CONTAINER_CACHE/rootfs-$SUITE"
$KLARNA_LOCAL_SUDO rm -rf "$ROOTFS"
trap '$KLARNA_LOCAL_SUDO rm -rf "$ROOTFS"' EXIT
started=$SECONDS
echo "== base: debootstrap --variant=minbase $SUITE from $MIRROR ($ARCH)"
$KLARNA_LOCAL_SUDO debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$ROOTFS" "$MIRROR" >"$KLARNA_LOCAL_CONTAINER_CACHE/debootstrap.log" 2>&1 || {
  tail -n 30 "$KLARNA_LOCAL_CONTAINER_CACHE/debootstrap.log" >&2
  exit 1
}

echo "== base: security and point-release updates ($SECURITY_MIRROR)"
$KLARNA_LOCAL_SUDO tee "$ROOTFS/etc/apt/sources.list" >/dev/null <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
$KLARNA_LOCAL_SUDO cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
$KLARNA_LOCAL_SUDO chroot "$ROOTFS" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
  'apt-get update -qq && apt-get -y -qq -o Dpkg::Use-Pty=0 upgrade && apt-get clean' >>"$KLARNA_LOCAL_CONTAINER_CACHE/debootstrap.log" 2>&1 || {
  tail -n 30 "$KLARNA_LOCAL_CONTAINER_CACHE/debootstrap.log" >&2
  exit 1
}

# What a server image does not need: apt's lists and caches (apt update works again in a derived
# image), logs, manuals and documentation other than the copyright files, the host's resolv.conf.
$KLARNA_LOCAL_SUDO sh -c "
  rm -rf '$ROOTFS'/var/lib/apt/lists/* '$ROOTFS'/var/cache/apt/* '$ROOTFS'/var/cache/debconf/*-old \
         '$ROOTFS'/var/log/* '$ROOTFS'/usr/share/man/* '$ROOTFS'/usr/share/info/* '$ROOTFS'/etc/resolv.conf
  find '$ROOTFS'/usr/share/doc -type f ! -name copyright -delete
  find '$ROOTFS'/usr/share/doc -type d -empty -delete
"

echo "== base: podman import -> $KLARNA_LOCAL_BASE_IMAGE"
$KLARNA_LOCAL_SUDO tar --numeric-owner -C "$ROOTFS" -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  --message "debootstrap --variant=minbase $SUITE $MIRROR, upgraded from $SUITE-security" \
  - "$KLARNA_LOCAL_BASE_IMAGE" >/dev/null
echo "== base: $KLARNA_LOCAL_BASE_IMAGE, $(podman image inspect --format '{{.Size}}' "$KLARNA_LOCAL_BASE_IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'), made in $((SECONDS - started)) s"
